"""Freeze windows and standard change templates: what governs changes as a whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.catalog.domain import ServiceMoved
from opsroom.changes import domain, schemas
from opsroom.changes.assessment import freeze_scope, planned, services_named
from opsroom.changes.models import Change, ChangeService, ChangeTemplate
from opsroom.changes.models import FreezeWindow as FreezeRow
from opsroom.changes.records import CHANGE
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed


def _reached(session: Session, freeze: schemas.FreezeCreate | FreezeRow) -> set[str]:
    """The platforms a freeze names or reaches through its services and journeys."""
    found = catalog.platforms_of(session, services=freeze.services, journeys=freeze.journeys)
    return {*freeze.platforms, *found}


def _may_freeze(
    session: Session, actor: Principal, freeze: schemas.FreezeCreate | FreezeRow
) -> None:
    """Everything is frozen by an administrator; the rest by who governs every platform it
    names or reaches through its services and journeys."""
    if freeze.everything:
        require(actor, Action.ADMINISTER)
        return
    require(actor, Action.GOVERN, platforms=_reached(session, freeze))


def _known(
    lookup: Callable[[Session, str], object], session: Session, names: list[str], noun: str
) -> None:
    """Each name is one the catalog has; else refused, the field (`noun`s) named."""
    for name in names:
        try:
            lookup(session, name)
        except NotFound:
            raise ValidationFailed(
                f"no {noun} '{name}'", fields={f"{noun}s": f"unknown {noun} '{name}'"}
            ) from None


def _check_names(session: Session, data: schemas.FreezeCreate) -> None:
    _known(catalog.get_platform, session, data.platforms, "platform")
    services_named(session, data.services)
    _known(catalog.get_journey, session, data.journeys, "journey")


def create_freeze(session: Session, *, actor: Principal, data: schemas.FreezeCreate) -> FreezeRow:
    require(actor, Action.GOVERN)
    if session.scalar(select(FreezeRow.id).where(FreezeRow.slug == data.slug)):
        raise Conflict(f"a freeze '{data.slug}' already exists", fields={"slug": "taken"})
    domain.check_freeze_scope(data.platforms, data.services, data.journeys, data.everything)
    _check_names(session, data)
    _may_freeze(session, actor, data)
    domain.freeze_window(data.starts_on, data.ends_on, data.timezone)
    row = FreezeRow(**data.model_dump(), created_by=str(actor))
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="freeze.created",
        subject_type="freeze",
        subject_key=row.slug,
        before=None,
        after=data.model_dump(mode="json"),
    )
    return row


def list_freezes(
    session: Session,
    *,
    actor: Principal,
    start: datetime | None = None,
    end: datetime | None = None,
    platform: str | None = None,
) -> list[FreezeRow]:
    """The freezes, those overlapping [start, end) when given, those reaching `platform`
    (everything, or it, its services or its journeys named) when given."""
    require(actor, Action.READ)
    rows = list(session.scalars(select(FreezeRow).order_by(FreezeRow.starts_on, FreezeRow.slug)))
    if platform is not None:
        catalog.get_platform(session, platform)
        rows = [r for r in rows if r.everything or platform in _reached(session, r)]
    if start is None or end is None:
        return rows
    window = domain.Window(start, end)
    return [r for r in rows if freeze_scope(session, r).window.overlaps(window)]


def get_freeze(session: Session, *, actor: Principal, slug: str) -> FreezeRow:
    require(actor, Action.READ)
    row = session.scalar(select(FreezeRow).where(FreezeRow.slug == slug))
    if row is None:
        raise NotFound(f"no freeze '{slug}'")
    return row


def delete_freeze(session: Session, *, actor: Principal, slug: str) -> None:
    row = get_freeze(session, actor=actor, slug=slug)
    _may_freeze(session, actor, row)
    audit.record(
        session,
        actor=str(actor),
        action="freeze.deleted",
        subject_type="freeze",
        subject_key=slug,
        before={"name": row.name},
        after={},
    )
    session.delete(row)
    session.flush()


def end_freeze(session: Session, *, actor: Principal, slug: str) -> FreezeRow:
    """End a running freeze today (its last day becomes today, in its zone); one not begun
    yet is removed instead, one already over is left as it was."""
    row = get_freeze(session, actor=actor, slug=slug)
    _may_freeze(session, actor, row)
    today = clock.now().astimezone(ZoneInfo(row.timezone)).date()
    if row.starts_on > today:
        raise Conflict(f"the freeze '{slug}' has not begun yet; remove it instead")
    if row.ends_on <= today:
        raise Conflict(f"the freeze '{slug}' already ends by today")
    before = {"ends_on": row.ends_on.isoformat()}
    row.ends_on = today
    audit.record(
        session,
        actor=str(actor),
        action="freeze.ended",
        subject_type="freeze",
        subject_key=slug,
        before=before,
        after={"ends_on": today.isoformat()},
    )
    return row


# Changes still to run or running: drafts too, which would escape a freeze once submitted.
OPEN = [domain.Status.DRAFT, *domain.ACTIVE]


def _open_changes(session: Session, service: str) -> list[Change]:
    found = session.scalars(
        select(Change)
        .join(ChangeService)
        .where(ChangeService.service_slug == service, Change.status.in_(OPEN))
        .order_by(Change.number)
    )
    return list(found)


def refuse_leaving_a_freeze(session: Session, event: ServiceMoved) -> None:
    """A service leaves its platform only once no open change to it is planned inside a
    freeze of that whole platform: the move would take the change out of the freeze."""
    frozen = [
        row
        for row in session.scalars(select(FreezeRow).order_by(FreezeRow.starts_on))
        if event.left in row.platforms
    ]
    held = [
        f"{change.key} (freeze {row.name})"
        for change in _open_changes(session, event.service)
        for row in frozen
        if freeze_scope(session, row).window.overlaps(planned(change).window)
    ]
    if held:
        raise Conflict(
            f"{event.service} has open changes inside freezes of {event.left}: "
            f"{', '.join(held)}; finish, cancel or reschedule them before moving it",
            fields={"platform": f"open changes inside freezes of {event.left}: {', '.join(held)}"},
        )


def note_service_moved(session: Session, event: ServiceMoved) -> None:
    """Each open change to the service says so on its timeline."""
    for change in _open_changes(session, event.service):
        CHANGE.event(
            session,
            change,
            event.actor,
            "service_moved",
            f"{event.service} moved from {event.left} to {event.joined}",
        )


def create_template(
    session: Session, *, actor: Principal, data: schemas.TemplateCreate
) -> ChangeTemplate:
    require(actor, Action.GOVERN)
    if session.scalar(select(ChangeTemplate.id).where(ChangeTemplate.slug == data.slug)):
        raise Conflict(f"a template '{data.slug}' already exists", fields={"slug": "taken"})
    services_named(session, data.services)
    row = ChangeTemplate(**data.model_dump(), created_by=str(actor))
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="change_template.created",
        subject_type="change_template",
        subject_key=row.slug,
        before=None,
        after=data.model_dump(mode="json"),
    )
    return row


def list_templates(session: Session, *, actor: Principal) -> list[ChangeTemplate]:
    require(actor, Action.READ)
    return list(session.scalars(select(ChangeTemplate).order_by(ChangeTemplate.name)))


def get_template(session: Session, slug: str) -> ChangeTemplate:
    row = session.scalar(select(ChangeTemplate).where(ChangeTemplate.slug == slug))
    if row is None:
        raise ValidationFailed(
            f"no standard change template '{slug}'", fields={"template": "unknown template"}
        )
    return row


def read_freeze(session: Session, row: FreezeRow) -> schemas.FreezeRead:
    scope = freeze_scope(session, row)
    return schemas.FreezeRead(
        slug=row.slug,
        name=row.name,
        reason=row.reason,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        timezone=row.timezone,
        starts_at=scope.window.start,
        ends_at=scope.window.end,
        platforms=row.platforms,
        services=row.services,
        journeys=row.journeys,
        everything=row.everything,
    )


def read_template(row: ChangeTemplate) -> schemas.TemplateRead:
    return schemas.TemplateRead(
        slug=row.slug,
        name=row.name,
        description=row.description,
        services=row.services,
        max_minutes=row.max_minutes,
    )

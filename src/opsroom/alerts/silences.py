"""Silences (label matchers with a start and an end, as in Alertmanager) and scheduled
maintenance per service. Alerts they cover are stored and shown as suppressed, never dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.alerts import domain, schemas
from opsroom.alerts.domain import Suppressor
from opsroom.alerts.models import MaintenanceWindow, Silence
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed


def _audit(
    session: Session, actor: Principal, action: str, subject: str, after: dict[str, object]
) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type=subject.split(":")[0],
        subject_key=subject,
        after=after,
    )


def catalog_service(session: Session, slug: str) -> Any:
    """The catalog's service, or a field error naming the unknown slug."""
    try:
        return catalog.get_service(session, slug)
    except NotFound:
        raise ValidationFailed(
            f"no service '{slug}'", fields={"service": "unknown service"}
        ) from None


def _window(starts_at: datetime | None, ends_at: datetime) -> tuple[datetime, datetime]:
    start = starts_at or clock.now()
    if ends_at <= clock.now():
        raise ValidationFailed("the end must be in the future", fields={"ends_at": "in the past"})
    if ends_at <= start:
        raise ValidationFailed(
            "the end must come after the start", fields={"ends_at": "before start"}
        )
    return start, ends_at


# --- silences -----------------------------------------------------------------------------


def create_silence(session: Session, *, actor: Principal, data: schemas.SilenceCreate) -> Silence:
    require(actor, Action.WORK_INCIDENTS)
    matchers = [domain.parse_matcher(text) for text in data.matchers]
    start, end = _window(data.starts_at, data.ends_at)
    problem = domain.silence_problem(matchers, start, end)
    if problem:
        raise ValidationFailed(problem, fields={"matchers": problem})
    silence = Silence(
        matchers=[domain.matcher_to_dict(m) for m in matchers],
        starts_at=start,
        ends_at=end,
        created_by=str(actor),
        comment=data.comment,
    )
    session.add(silence)
    session.flush()
    _audit(
        session,
        actor,
        "silence.created",
        f"silence:{silence.id}",
        {"matchers": data.matchers, "ends_at": end},
    )
    return silence


def get_silence(session: Session, silence_id: int) -> Silence:
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise NotFound(f"no silence {silence_id}")
    return silence


def list_silences(session: Session, *, include_expired: bool = False) -> list[Silence]:
    query = select(Silence).order_by(Silence.ends_at.desc(), Silence.id.desc())
    if not include_expired:
        query = query.where(Silence.ends_at > clock.now())
    return list(session.scalars(query))


def expire_silence(session: Session, *, actor: Principal, silence_id: int) -> Silence:
    """End a silence now; alerts that fire from here on are no longer suppressed by it."""
    require(actor, Action.WORK_INCIDENTS)
    silence = get_silence(session, silence_id)
    now = clock.now()
    if silence.ends_at <= now:
        raise Conflict(f"silence {silence_id} has already expired", fields={"state": "expired"})
    silence.ends_at = max(now, silence.starts_at)
    _audit(session, actor, "silence.expired", f"silence:{silence.id}", {"ends_at": silence.ends_at})
    return silence


def read_silence(silence: Silence) -> schemas.SilenceRead:
    matchers = [domain.matcher_from_dict(m) for m in silence.matchers]
    return schemas.SilenceRead(
        id=silence.id,
        matchers=[f'{m.name}{m.op.value}"{m.value}"' for m in matchers],
        starts_at=silence.starts_at,
        ends_at=silence.ends_at,
        state=domain.silence_state(silence.starts_at, silence.ends_at, clock.now()),
        created_by=silence.created_by,
        comment=silence.comment,
        created_at=silence.created_at,
    )


# --- maintenance windows ------------------------------------------------------------------


def schedule_maintenance(
    session: Session, *, actor: Principal, data: schemas.MaintenanceCreate
) -> MaintenanceWindow:
    """The owning squad (or governance) plans maintenance on a service."""
    service = catalog_service(session, data.service)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[service.owner.slug])
    start, end = _window(data.starts_at, data.ends_at)
    window = MaintenanceWindow(
        service_slug=service.slug,
        starts_at=start,
        ends_at=end,
        created_by=str(actor),
        comment=data.comment,
    )
    session.add(window)
    session.flush()
    _audit(
        session,
        actor,
        "maintenance.scheduled",
        f"maintenance:{window.id}",
        {"service": service.slug, "starts_at": start, "ends_at": end},
    )
    return window


def list_maintenance(
    session: Session, *, service: str | None = None, include_past: bool = False
) -> list[MaintenanceWindow]:
    query = select(MaintenanceWindow).order_by(MaintenanceWindow.starts_at, MaintenanceWindow.id)
    if service:
        query = query.where(MaintenanceWindow.service_slug == service)
    if not include_past:
        query = query.where(MaintenanceWindow.ends_at > clock.now())
    return list(session.scalars(query))


def end_maintenance(session: Session, *, actor: Principal, window_id: int) -> MaintenanceWindow:
    window = session.get(MaintenanceWindow, window_id)
    if window is None:
        raise NotFound(f"no maintenance window {window_id}")
    require(
        actor,
        Action.EDIT_SQUAD_ITEMS,
        squads=[catalog.get_service(session, window.service_slug).owner.slug],
    )
    now = clock.now()
    if window.ends_at <= now:
        raise Conflict(
            f"maintenance window {window_id} is already over", fields={"state": "expired"}
        )
    window.ends_at = max(now, window.starts_at)
    _audit(
        session, actor, "maintenance.ended", f"maintenance:{window.id}", {"ends_at": window.ends_at}
    )
    return window


def read_maintenance(window: MaintenanceWindow) -> schemas.MaintenanceRead:
    return schemas.MaintenanceRead(
        id=window.id,
        service=window.service_slug,
        starts_at=window.starts_at,
        ends_at=window.ends_at,
        state=domain.silence_state(window.starts_at, window.ends_at, clock.now()),
        created_by=window.created_by,
        comment=window.comment,
    )


# --- what suppresses now ------------------------------------------------------------------


def active_suppressors(
    session: Session, at: datetime, *, until: datetime | None = None
) -> list[Suppressor]:
    """Silences and maintenance windows in force at some time in [at, until] (at `at` alone
    without `until`), as the suppression rule takes them."""
    until = until or at
    silences = session.scalars(
        select(Silence).where(Silence.starts_at <= until, Silence.ends_at > at).order_by(Silence.id)
    )
    windows = session.scalars(
        select(MaintenanceWindow)
        .where(MaintenanceWindow.starts_at <= until, MaintenanceWindow.ends_at > at)
        .order_by(MaintenanceWindow.id)
    )
    return [
        *(
            Suppressor(
                f"silence:{s.id}",
                s.starts_at,
                s.ends_at,
                tuple(domain.matcher_from_dict(m) for m in s.matchers),
            )
            for s in silences
        ),
        *(
            Suppressor(f"maintenance:{w.id}", w.starts_at, w.ends_at, service=w.service_slug)
            for w in windows
        ),
    ]

"""Each platform's desk settings as a settings document: SLA targets by priority, business
hours per weekday in the platform's time zone, its holidays, and the window in which a
requester's reply reopens a resolved ticket."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from opsroom.audit.documents import Document
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.desk import domain, schemas
from opsroom.desk.domain import (
    BusinessHours,
    CannedResponse,
    DeskSettings,
    Opening,
    Priority,
    Targets,
    Weekday,
)
from opsroom.infra import clock
from opsroom.infra.errors import NotFound, ValidationFailed

SETTINGS = "desk_settings"


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"no time zone '{name}'", fields={"zone": "unknown time zone"}
        ) from None
    return name


def _opening(day: Weekday, written: schemas.OpeningDoc | None) -> Opening | None:
    if written is None:
        return None
    if written.closes <= written.opens:
        raise ValidationFailed(
            f"on {day.value} the desk closes before it opens",
            fields={f"hours.{day.value}.closes": "is not after it opens"},
        )
    return Opening(written.opens, written.closes)


def to_rules(doc: schemas.DeskSettingsDoc) -> DeskSettings:
    hours = BusinessHours(
        zone=_zone(doc.zone),
        week=tuple(_opening(day, getattr(doc.hours, day.value)) for day in Weekday),
        holidays=frozenset(doc.holidays),
    )
    targets = tuple(
        Targets(t.first_response, t.resolution)
        for t in (getattr(doc.targets, p.name) for p in Priority)
    )
    canned = tuple(CannedResponse(c.title, c.body) for c in doc.canned_responses)
    settings = DeskSettings(
        targets=targets, hours=hours, reopen_days=doc.reopen_days, canned=canned
    )
    domain.check_settings(settings, clock.now())
    return settings


def to_doc(rules: DeskSettings) -> schemas.DeskSettingsDoc:
    week = {
        day.value: None if opening is None else schemas.OpeningDoc(**vars(opening))
        for day, opening in zip(Weekday, rules.hours.week, strict=True)
    }
    return schemas.DeskSettingsDoc(
        targets=schemas.PriorityTargets(
            **{p.name: schemas.TargetsDoc(**vars(rules.targets_for(p))) for p in Priority}
        ),
        zone=rules.hours.zone,
        hours=schemas.WeekDoc(**week),
        holidays=sorted(rules.hours.holidays),
        reopen_days=rules.reopen_days,
        canned_responses=[schemas.CannedResponseDoc(**vars(c)) for c in rules.canned],
    )


DESK_SETTINGS = Document(
    key=SETTINGS,
    title="the desk settings",
    subject_type=SETTINGS,
    subject_key="settings",
    written=schemas.DeskSettingsDoc,
    stamped=schemas.DeskSettingsRead,
    defaults=DeskSettings(),
    to_rules=to_rules,
    to_written=to_doc,
)


def settings_of(session: Session, platform: str) -> DeskSettings:
    """The settings the platform's tickets are served by."""
    return DESK_SETTINGS.rules(session, platform)


def _platform(session: Session, platform: str) -> str:
    try:
        return catalog.get_platform(session, platform).slug
    except NotFound as exc:
        raise NotFound(f"no platform '{platform}'") from exc


def read_settings(session: Session, *, actor: Principal, platform: str) -> schemas.DeskSettingsRead:
    require(actor, Action.READ)
    return DESK_SETTINGS.read(session, _platform(session, platform))


def replace_settings(
    session: Session, *, actor: Principal, platform: str, data: schemas.DeskSettingsRead
) -> schemas.DeskSettingsRead:
    """Replace a platform's desk settings (its operations managers) from the version read;
    tickets opened from now on run their clocks by them."""
    scope = _platform(session, platform)
    require(actor, Action.GOVERN, platforms=[scope])
    doc = schemas.DeskSettingsDoc.model_validate(
        data.model_dump(exclude={"version", "updated_by", "updated_at"})
    )
    return DESK_SETTINGS.replace(
        session, actor=actor, written=doc, version=data.version, scope=scope
    )

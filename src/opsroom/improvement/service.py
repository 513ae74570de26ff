"""The settings of problem management, reviews and action items, read by their services
and changed by operations managers. A change applies to what is raised, drafted or detected
from then on: due dates already set stay where they are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.improvement import domain, schemas
from opsroom.improvement.domain import DEFAULT_SETTINGS, Settings
from opsroom.improvement.models import ProblemSettingsRecord
from opsroom.incidents.domain import Priority
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, require_version

SUBJECT = "problem_settings"
CategoryUsage = Callable[[Session], Mapping[str, int]]
_usage: list[CategoryUsage] = []


def category_usage(count: CategoryUsage) -> CategoryUsage:
    """Register how many records name each category, so a category in use is not removed."""
    _usage.append(count)
    return count


def to_doc(settings: Settings) -> schemas.SettingsDoc:
    return schemas.SettingsDoc(
        review_priorities=[p.label for p in sorted(settings.reviews.required_for)],
        review_due_business_days=settings.reviews.due_business_days,
        categories=list(settings.categories),
        recurrence_incidents=settings.recurrence.count,
        recurrence_days=settings.recurrence.window.days,
        recurrence_similarity=settings.recurrence.similarity,
        action_due_days={p.label: d.days for p, d in settings.actions.due_in.items()},
        escalate_after_days=settings.actions.escalate_after.days,
    )


def from_doc(doc: schemas.SettingsDoc) -> Settings:
    return Settings(
        reviews=domain.ReviewPolicy(
            required_for=frozenset(Priority[p] for p in doc.review_priorities),
            due_business_days=doc.review_due_business_days,
        ),
        actions=domain.ActionPolicy(
            due_in={Priority[p]: timedelta(days=d) for p, d in doc.action_due_days.items()},
            escalate_after=timedelta(days=doc.escalate_after_days),
        ),
        recurrence=domain.Recurrence(
            count=doc.recurrence_incidents,
            window=timedelta(days=doc.recurrence_days),
            similarity=doc.recurrence_similarity,
        ),
        categories=tuple(doc.categories),
    )


def _record(session: Session) -> ProblemSettingsRecord | None:
    return session.get(ProblemSettingsRecord, 1)


def current(session: Session) -> Settings:
    record = _record(session)
    return (
        from_doc(schemas.SettingsDoc.model_validate(record.value)) if record else DEFAULT_SETTINGS
    )


def read(session: Session, *, actor: Principal) -> schemas.SettingsRead:
    require(actor, Action.READ)
    record = _record(session)
    doc = schemas.SettingsDoc.model_validate(record.value) if record else to_doc(DEFAULT_SETTINGS)
    return schemas.SettingsRead(
        **doc.model_dump(),
        version=record.version if record else 0,
        updated_by=record.updated_by if record else None,
        updated_at=record.updated_at if record else None,
    )


def _check_categories(session: Session, before: Settings, doc: schemas.SettingsDoc) -> None:
    usage: dict[str, int] = {}
    for count in _usage:
        for category, n in count(session).items():
            usage[category] = usage.get(category, 0) + n
    still_used = domain.removed_in_use(before.categories, doc.categories, usage)
    if still_used:
        named = ", ".join(f"'{c}' ({n} factors)" for c, n in still_used.items())
        raise Conflict(
            f"contributing factors still use {named}; recategorise them before removing",
            fields={"categories": f"still in use: {named}"},
        )


def replace(
    session: Session, *, actor: Principal, doc: schemas.SettingsDoc, version: int
) -> schemas.SettingsRead:
    """Replace the settings; `version` is the one read (0 while the defaults apply). The
    settings in force sent back change nothing: no new version, nothing audited."""
    require(actor, Action.GOVERN)
    record = _record(session)
    require_version("the problem settings", record.version if record else 0, version)
    before = current(session)
    if from_doc(doc) == before:
        return read(session, actor=actor)
    _check_categories(session, before, doc)
    if record is None:
        record = ProblemSettingsRecord(id=1, version=0)
        session.add(record)
    record.value = doc.model_dump(mode="json")
    record.version, record.updated_by, record.updated_at = (
        record.version + 1,
        str(actor),
        clock.now(),
    )
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="problem_settings.replaced",
        subject_type=SUBJECT,
        subject_key="settings",
        before=to_doc(before).model_dump(mode="json"),
        after=record.value,
    )
    return read(session, actor=actor)

"""The settings of problem management, reviews and action items, read by their services
and changed by operations managers. A change applies to what is raised, drafted or detected
from then on: due dates already set stay where they are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

from sqlalchemy.orm import Session

from opsroom.audit.documents import Document
from opsroom.auth.domain import Action, Principal, require
from opsroom.improvement import domain, schemas
from opsroom.improvement.domain import DEFAULT_SETTINGS, Settings
from opsroom.incidents.domain import Priority
from opsroom.infra.errors import Conflict

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


PROBLEM_SETTINGS = Document(
    key=SUBJECT,
    title="the problem settings",
    subject_type=SUBJECT,
    subject_key="settings",
    written=schemas.SettingsDoc,
    stamped=schemas.ProblemSettings,
    defaults=DEFAULT_SETTINGS,
    to_rules=from_doc,
    to_written=to_doc,
)


def current(session: Session) -> Settings:
    return PROBLEM_SETTINGS.rules(session)


def read(session: Session, *, actor: Principal) -> schemas.ProblemSettings:
    require(actor, Action.READ)
    return PROBLEM_SETTINGS.read(session)


def _check_categories(session: Session, before: Settings, after: Settings) -> None:
    usage: dict[str, int] = {}
    for count in _usage:
        for category, n in count(session).items():
            usage[category] = usage.get(category, 0) + n
    still_used = domain.removed_in_use(before.categories, after.categories, usage)
    if still_used:
        named = ", ".join(f"'{c}' ({n} factors)" for c, n in still_used.items())
        raise Conflict(
            f"contributing factors still use {named}; recategorise them before removing",
            fields={"categories": f"still in use: {named}"},
        )


def replace(
    session: Session, *, actor: Principal, doc: schemas.SettingsDoc, version: int
) -> schemas.ProblemSettings:
    """Replace the settings (operations managers); `version` is the one read."""
    require(actor, Action.GOVERN)
    return PROBLEM_SETTINGS.replace(
        session,
        actor=actor,
        written=doc,
        version=version,
        vet=lambda before, after: _check_categories(session, before, after),
    )

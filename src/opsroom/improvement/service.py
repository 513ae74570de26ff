"""The settings of problem management, reviews and action items, read by their services
and changed by operations managers. A change applies to what is raised, drafted or detected
from then on: due dates already set stay where they are."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.auth.domain import EVERY_PLATFORM, Action, Principal, require
from opsroom.improvement import domain, schemas
from opsroom.improvement.domain import DEFAULT_SETTINGS, Settings
from opsroom.incidents.domain import Priority
from opsroom.infra import events

SUBJECT = "problem_settings"


def to_doc(settings: Settings) -> schemas.SettingsDoc:
    return schemas.SettingsDoc(
        review_priorities=[p.label for p in sorted(settings.reviews.required_for)],
        review_due_business_days=settings.reviews.due_business_days,
        review_required_sections=sorted(settings.reviews.required_sections),
        review_needs_actions=settings.reviews.needs_actions,
        review_second_approval=settings.reviews.second_approval,
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
            required_sections=frozenset(doc.review_required_sections),
            needs_actions=doc.review_needs_actions,
            second_approval=doc.review_second_approval,
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
    # A platform sets its own review and action-item rules; the categories of contributing
    # factors and the recurrence rule stay shared, so problems compare across platforms.
    overridable=frozenset(
        {
            "review_priorities",
            "review_due_business_days",
            "review_required_sections",
            "review_needs_actions",
            "review_second_approval",
            "action_due_days",
            "escalate_after_days",
        }
    ),
)


def current(session: Session, platform: str | None = None) -> Settings:
    """The settings in force on `platform` (its overrides over the installation's), or on
    the whole installation."""
    return PROBLEM_SETTINGS.rules(session, platform or EVERYWHERE)


def read(session: Session, *, actor: Principal) -> schemas.ProblemSettings:
    require(actor, Action.READ)
    return PROBLEM_SETTINGS.read(session)


def _categories_replaced(session: Session, before: Settings, after: Settings) -> None:
    if after.categories != before.categories:
        events.record(session, domain.CategoriesReplaced(before.categories, after.categories))


def replace(
    session: Session, *, actor: Principal, doc: schemas.SettingsDoc, version: int
) -> schemas.ProblemSettings:
    """Replace the settings (operations managers); `version` is the one read."""
    require(actor, Action.GOVERN, platforms=[EVERY_PLATFORM])
    return PROBLEM_SETTINGS.replace(
        session,
        actor=actor,
        written=doc,
        version=version,
        vet=lambda before, after: _categories_replaced(session, before, after),
    )

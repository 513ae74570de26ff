"""The settings of problem management, reviews and action items as data: who may change
them, what a change applies to, and what it refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.audit import service as audit
from opsroom.improvement import schemas
from opsroom.improvement import service as settings
from opsroom.incidents.domain import Priority
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, Forbidden, StaleVersion
from opsroom.jobs import service as jobs
from opsroom.problems import recurrence
from opsroom.problems import schemas as problem_schemas
from opsroom.problems import service as problems
from opsroom.reviews import service as reviews
from tests.improvement import GUILD_LEAD, MANAGER, RESPONDER, resolved, two_squads

TODAY = date(2026, 11, 2)  # a Monday, where frozen_clock stands


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def change(
    session: Session, actor: Any = GUILD_LEAD, version: int | None = None, **fields: Any
) -> Any:
    now = settings.read(session, actor=actor)
    doc = schemas.SettingsDoc.model_validate(
        now.model_dump(include=set(schemas.SettingsDoc.model_fields)) | fields
    )
    held = now.version if version is None else version
    return settings.replace(session, actor=actor, doc=doc, version=held)


def raise_item(session: Session, priority: Priority) -> Any:
    data = action_schemas.ActionCreate(
        title="Add a retry budget", owner_squad="payments", priority=priority
    )
    return actions.read(actions.create(session, actor=RESPONDER, data=data))


def test_the_defaults_apply_until_a_guild_lead_changes_them(platform: Session) -> None:
    before = settings.read(platform, actor=RESPONDER)
    assert (before.version, before.updated_by, before.review_priorities) == (0, None, ["P1", "P2"])
    after = change(platform, review_due_business_days=3, escalate_after_days=2)
    assert (after.version, after.updated_by, after.review_due_business_days) == (
        1,
        GUILD_LEAD.name,
        3,
    )
    [entry] = audit.list_entries(platform, subject_type=settings.SUBJECT).items
    assert (entry.action, entry.actor) == ("problem_settings.replaced", GUILD_LEAD.name)
    assert (entry.before["review_due_business_days"], entry.after["review_due_business_days"]) == (
        5,
        3,
    )
    assert settings.read(platform, actor=RESPONDER).escalate_after_days == 2


def test_only_guild_leads_change_them_and_only_from_the_current_version(
    platform: Session,
) -> None:
    with pytest.raises(Forbidden):
        change(platform, actor=RESPONDER, escalate_after_days=1)
    with pytest.raises(Forbidden, match="every platform"):
        change(platform, actor=MANAGER, escalate_after_days=1)
    change(platform, escalate_after_days=1)
    with pytest.raises(StaleVersion) as stale:
        change(platform, version=0, escalate_after_days=2)
    assert stale.value.fields == {"version": "current version is 1"}
    assert settings.read(platform, actor=RESPONDER).escalate_after_days == 1


def test_new_action_items_take_the_new_due_days_and_existing_ones_keep_theirs(
    platform: Session,
) -> None:
    earlier = raise_item(platform, Priority.P1)
    change(
        platform,
        action_due_days={"P1": 7, "P2": 30, "P3": 60, "P4": 90, "P5": 180},
        escalate_after_days=3,
    )
    later = raise_item(platform, Priority.P1)
    assert (earlier.due_on, later.due_on) == (TODAY + timedelta(days=14), TODAY + timedelta(days=7))
    assert (
        actions.read(actions.get(platform, actor=RESPONDER, key=earlier.key)).due_on
        == earlier.due_on
    )
    escalation = [
        t for t in jobs.pending(platform, subject=later.key) if t.kind == "action.escalate"
    ]
    assert [t.due_at for t in escalation] == [datetime(2026, 11, 13, tzinfo=UTC)]  # due + 1 + 3


def test_reviews_are_required_and_due_as_the_settings_say(platform: Session) -> None:
    change(platform, review_priorities=["P1", "P2", "P3"], review_due_business_days=2)
    incident = resolved(platform, impact=2, urgency=2)  # P3
    review = reviews.summary(reviews.get(platform, actor=RESPONDER, key=incident.key))
    assert (review.priority, review.required) == ("P3", True)
    assert review.due_at == datetime(2026, 11, 4, 9, tzinfo=UTC)  # two business days


def test_recurrence_follows_the_thresholds(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    change(platform, recurrence_incidents=2, recurrence_days=5)
    first = resolved(platform, title="Checkout timeouts", impact=3, urgency=3).key
    frozen_clock.advance(timedelta(days=6))
    second = resolved(platform, title="Checkout timeouts again", impact=3, urgency=3).key
    assert recurrence.proposals(platform, actor=RESPONDER) == []  # six days apart: outside five
    frozen_clock.advance(timedelta(days=1))
    third = resolved(platform, title="Timeouts in checkout", impact=3, urgency=3).key
    [proposal] = recurrence.proposals(platform, actor=RESPONDER)
    assert proposal.incident_keys == [second, third]
    assert first not in proposal.incident_keys


def test_factor_categories_follow_the_list_and_one_in_use_cannot_be_removed(
    platform: Session,
) -> None:
    defaults = settings.read(platform, actor=RESPONDER).categories
    change(platform, categories=[*defaults, "network"])
    key = problems.create(
        platform,
        actor=RESPONDER,
        data=problem_schemas.ProblemCreate(title="Checkout pool", services=["checkout"]),
    ).key
    rca = problem_schemas.RcaIn(
        version=1, factors=[problem_schemas.FactorIn(category="network", description="Lossy link")]
    )
    problems.record_rca(platform, actor=RESPONDER, key=key, data=rca)
    assert problems.categories(platform)[-1] == "network"
    with pytest.raises(Conflict) as refused:
        change(platform, categories=list(defaults))
    assert refused.value.fields == {"categories": "still in use: 'network' (1 factors)"}
    assert settings.read(platform, actor=RESPONDER).version == 1
    change(platform, categories=["network", "code"])  # unused ones may go
    assert problems.categories(platform) == ("network", "code")

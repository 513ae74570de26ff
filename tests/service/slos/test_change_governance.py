"""A spent error budget governs changes: a normal change to the service needs the
operations manager's approval until the budget recovers, or waits for it where the
platform's policy holds such changes; emergency changes go ahead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.changes import schemas
from opsroom.changes import service as changes
from opsroom.changes.assessment import preview
from opsroom.changes.domain import ChangeType, Status, Transition
from opsroom.infra import clock
from opsroom.infra.errors import Conflict
from tests.improvement import GUILD_LEAD, MANAGER, PAYMENTS_LEAD, RESPONDER
from tests.service.slos.test_slos import outage, set_slo
from tests.service.slos.test_slos import platform as platform

DAY = timedelta(days=1)


def draft(session: Session, services: list[str], **extra: Any) -> Any:
    now = clock.now()
    data = schemas.ChangeCreate(
        title="Upgrade the payment client",
        services=services,
        squad="payments",
        planned_start=now + DAY,
        planned_end=now + DAY + timedelta(hours=1),
        **extra,
    )
    return changes.create(session, actor=RESPONDER, data=data)


def submitted(session: Session, services: list[str], **extra: Any) -> Any:
    change = draft(session, services, **extra)
    return changes.submit(session, actor=RESPONDER, key=change.key, data=schemas.TransitionIn())


def fields(services: list[str], change_type: ChangeType = ChangeType.NORMAL) -> Any:
    now = clock.now()
    return schemas.ChangeFields(
        type=change_type,
        services=services,
        squad="payments",
        planned_start=now + DAY,
        planned_end=now + DAY + timedelta(hours=1),
    )


def test_a_spent_budget_holds_normal_changes_for_the_operations_manager(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)
    before = preview(platform, actor=RESPONDER, fields=fields(["checkout"]))
    assert before.exhausted_budgets == [] and "operations_manager" not in before.required_approvals
    outage(platform, frozen_clock, 60)
    held = preview(platform, actor=RESPONDER, fields=fields(["checkout"]))
    assert held.exhausted_budgets == ["SLO-1"]
    assert held.required_approvals == ["squad_lead", "operations_manager"]
    factor = next(f for f in held.risk.factors if f.name == "error budget")
    assert (factor.detail, factor.points) == ("exhausted: SLO-1 Checkout answers", 20)

    change = submitted(platform, ["checkout"])
    assert change.required_approvals == ["squad_lead", "operations_manager"]
    changes.approve(platform, actor=PAYMENTS_LEAD, key=change.key, data=schemas.DecisionIn())
    assert change.status == Status.SUBMITTED  # still waiting for the operations manager
    changes.approve(platform, actor=MANAGER, key=change.key, data=schemas.DecisionIn())
    assert change.status == Status.APPROVED


def test_emergency_changes_and_other_services_are_not_held(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)
    outage(platform, frozen_clock, 60)
    emergency = preview(
        platform, actor=RESPONDER, fields=fields(["checkout"], ChangeType.EMERGENCY)
    )
    assert emergency.exhausted_budgets == ["SLO-1"]
    assert emergency.required_approvals == ["operations_manager"]  # the review after, as ever
    elsewhere = preview(platform, actor=RESPONDER, fields=fields(["search"]))
    assert (
        elsewhere.exhausted_budgets == []
        and "operations_manager" not in elsewhere.required_approvals
    )


def test_the_hold_lifts_when_the_budget_recovers(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform, window="28d")
    outage(platform, frozen_clock, 60)
    frozen_clock.advance(timedelta(days=28, hours=1))
    recovered = preview(platform, actor=RESPONDER, fields=fields(["checkout"]))
    assert recovered.exhausted_budgets == [] and recovered.required_approvals == ["squad_lead"]


def test_a_journey_slo_holds_changes_to_each_of_its_services(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform, service=None, journey="login", owner_squad="identity", objective=99.99)
    outage(platform, frozen_clock, 10, services=["gateway"])
    held = preview(platform, actor=RESPONDER, fields=fields(["auth"]))
    assert held.exhausted_budgets == ["SLO-1"]


def holding(session: Session) -> None:
    changes.APPROVAL_POLICY.set_installation(
        session, actor=GUILD_LEAD, settings={"budget_rule": "hold"}, version=0
    )


def test_a_policy_that_holds_refuses_normal_changes_until_the_budget_recovers(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform, window="28d")
    holding(platform)
    change = draft(platform, ["checkout"])
    outage(platform, frozen_clock, 60)
    held = preview(platform, actor=RESPONDER, fields=fields(["checkout"]))
    assert (held.budget_rule, held.required_approvals) == ("hold", ["squad_lead"])
    with pytest.raises(Conflict) as refused:
        changes.submit(platform, actor=RESPONDER, key=change.key, data=schemas.TransitionIn())
    assert refused.value.fields == {"services": "error budget spent: SLO-1 Checkout answers"}
    assert change.status == Status.DRAFT
    frozen_clock.advance(timedelta(days=28, hours=1))
    changes.submit(platform, actor=RESPONDER, key=change.key, data=schemas.TransitionIn())
    assert change.status == Status.SUBMITTED


def test_a_held_change_approved_before_the_budget_was_spent_does_not_start(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)
    holding(platform)
    change = submitted(platform, ["checkout"])
    changes.approve(platform, actor=PAYMENTS_LEAD, key=change.key, data=schemas.DecisionIn())
    outage(platform, frozen_clock, 60)
    with pytest.raises(Conflict):
        changes.transition(
            platform,
            actor=RESPONDER,
            key=change.key,
            move=Transition.SCHEDULE,
            data=schemas.TransitionIn(),
        )
    assert change.status == Status.APPROVED


def test_an_emergency_change_goes_ahead_under_a_policy_that_holds(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)
    holding(platform)
    outage(platform, frozen_clock, 60)
    change = submitted(platform, ["checkout"], type=ChangeType.EMERGENCY)
    assert change.status == Status.SUBMITTED

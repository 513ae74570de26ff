from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source, Status, Transition
from opsroom.incidents.domain import Priority
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    StaleVersion,
    ValidationFailed,
)
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from tests.improvement import MANAGER, OTHER_RESPONDER, RESPONDER, resolved, two_squads

TODAY = date(2026, 11, 2)


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def raise_item(session: Session, **fields: Any) -> Any:
    data = schemas.ActionCreate(
        **{"title": "Add a retry budget", "owner_squad": "payments", **fields}
    )
    return actions.create(session, actor=RESPONDER, data=data)


def move(
    session: Session, key: str, to: Transition, actor: Any = RESPONDER, reason: str = ""
) -> Any:
    return actions.transition(
        session,
        actor=actor,
        key=key,
        move=to,
        data=schemas.ActionMove(reason=reason),
    )


def test_an_item_gets_a_key_platform_and_a_due_date_by_priority(platform: Session) -> None:
    read = actions.read(raise_item(platform, priority=Priority.P1))
    assert (read.key, read.platform, read.status, read.due_on) == (
        "ACT-1",
        "procurement",
        Status.OPEN,
        TODAY + timedelta(days=14),
    )
    assert not read.overdue and read.age_days == 0


def test_sources_are_checked(platform: Session) -> None:
    incident = resolved(platform, impact=3, urgency=3)
    item = raise_item(platform, source_type=Source.INCIDENT, source_key=incident.key.lower())
    assert actions.read(item).source_key == incident.key
    with pytest.raises(ValidationFailed) as missing:
        raise_item(platform, source_type=Source.INCIDENT, source_key="INC-99")
    assert "source_key" in missing.value.fields
    with pytest.raises(ValidationFailed) as unknown_squad:
        raise_item(platform, owner_squad="nobody")
    assert "owner_squad" in unknown_squad.value.fields
    with pytest.raises(ValidationFailed) as no_risk:
        raise_item(platform, source_type=Source.RISK, source_key="RSK-3")
    assert no_risk.value.fields == {"source_key": "no risk RSK-3"}
    assert (
        actions.read(raise_item(platform, source_type=Source.DRILL, source_key="DR-3")).source_key
        == "DR-3"
    )


def test_a_systemic_fix_names_its_problem(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        raise_item(platform, systemic=True)
    assert refused.value.fields == {"problem": "required"}
    with pytest.raises(ValidationFailed):
        raise_item(platform, systemic=True, problem="PRB-9")


def test_wont_do_needs_a_reason_and_an_operations_manager(platform: Session) -> None:
    key = raise_item(platform).key
    with pytest.raises(ValidationFailed):
        move(platform, key, Transition.REQUEST_WONT_DO)
    move(platform, key, Transition.REQUEST_WONT_DO, reason="Service is being retired")
    with pytest.raises(Forbidden):
        move(platform, key, Transition.ACCEPT_WONT_DO)
    accepted = actions.read(move(platform, key, Transition.ACCEPT_WONT_DO, MANAGER))
    assert (accepted.status, accepted.wont_do_reason, accepted.wont_do_accepted_by) == (
        Status.WONT_DO,
        "Service is being retired",
        "om@example.com",
    )


def test_independent_verification(platform: Session) -> None:
    key = raise_item(platform, independent_verification=True).key
    move(platform, key, Transition.COMPLETE)
    with pytest.raises(Conflict, match="someone else must verify"):
        move(platform, key, Transition.VERIFY)
    verified = actions.read(move(platform, key, Transition.VERIFY, OTHER_RESPONDER))
    assert (verified.status, verified.done_by, verified.verified_by) == (
        Status.VERIFIED,
        "resp@example.com",
        "other@example.com",
    )
    with pytest.raises(InvalidTransition):
        move(platform, key, Transition.START)


def test_stale_updates_are_refused(platform: Session) -> None:
    key = raise_item(platform).key
    actions.update(
        platform,
        actor=RESPONDER,
        key=key,
        data=schemas.ActionUpdate(version=1, owner_squad="identity"),
    )
    with pytest.raises(StaleVersion):
        actions.update(
            platform,
            actor=RESPONDER,
            key=key,
            data=schemas.ActionUpdate(version=1, title="New title"),
        )
    assert actions.read(actions.get(platform, actor=RESPONDER, key=key)).owner_squad == "identity"


def test_tracker_filters_and_figures(platform: Session, frozen_clock: clock.FrozenClock) -> None:
    old = raise_item(platform, due_on=TODAY + timedelta(days=3)).key
    frozen_clock.advance(timedelta(days=10))
    raise_item(platform, owner_squad="identity", priority=Priority.P1)
    done = raise_item(platform).key
    move(platform, done, Transition.COMPLETE)

    def keys(**filters: Any) -> list[str]:
        return [i.key for i in actions.search(platform, actor=RESPONDER, **filters).items]

    assert keys(overdue=True) == [old]
    assert keys(squad="payments") == [done, old]
    assert keys(squad="payments", outstanding=True) == [old]
    assert keys(age="8-30 days") == [old]
    assert keys(priority=Priority.P1) == ["ACT-2"]
    figures = actions.figures(platform, actor=RESPONDER, squad="payments")
    assert (figures.total, figures.outstanding, figures.overdue) == (2, 1, 1)
    assert figures.closure_rate_pct == 50.0
    assert figures.median_age_days == 10.0
    assert figures.aging["8-30 days"] == 1
    assert actions.figures(platform, actor=RESPONDER).total == 3


def test_overdue_items_remind_the_owner_then_escalate_to_the_squad_lead(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        key = raise_item(s, due_on=TODAY, owner="dev@example.com").key
    frozen_clock.advance(timedelta(days=1))
    run_once(settings, owner="w")
    frozen_clock.advance(timedelta(days=7))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        texts = [
            e.text
            for e in actions.timeline(s, actor=RESPONDER, key=key)
            if e.kind in {"reminder", "escalation"}
        ]
    assert texts == [
        "Overdue since 02 Nov: dev@example.com reminded",
        "Still overdue 8 days after 02 Nov: escalated to lead@example.com",
    ]


def test_items_finished_in_time_are_not_chased(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        key = raise_item(s, due_on=TODAY).key
        move(s, key, Transition.COMPLETE)
    frozen_clock.advance(timedelta(days=30))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        kinds = {e.kind for e in actions.timeline(s, actor=RESPONDER, key=key)}
    assert kinds == {"raised", "complete"}


def test_reminders_and_escalations_reach_the_owner_or_the_squad_lead(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        owned = raise_item(s, due_on=TODAY, owner="dev@example.com").key
        unowned = raise_item(s, due_on=TODAY, title="Alert on card declines").key
    frozen_clock.advance(timedelta(days=1))
    run_once(settings, owner="w")
    frozen_clock.advance(timedelta(days=7))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        dev = notify.log(s, actor=RESPONDER, person="dev@example.com").items
        lead = notify.log(s, actor=RESPONDER, person="lead@example.com").items
    assert [(m.kind, m.message["subject"]) for m in dev] == [("action.overdue", owned)]
    assert sorted((m.kind, m.message["subject"]) for m in lead) == [
        ("action.escalated", owned),
        ("action.escalated", unowned),
        ("action.overdue", unowned),
    ]
    assert dev[0].message["title"] == f"{owned} is overdue since 02 Nov"

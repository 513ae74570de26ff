from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Transition as ActionMove
from opsroom.infra import clock
from opsroom.infra.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from opsroom.problems import recurrence, schemas
from opsroom.problems import service as problems
from opsroom.problems.domain import Status, Transition
from tests.improvement import RESPONDER, resolved, two_squads


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def open_problem(session: Session, **fields: Any) -> Any:
    data = schemas.ProblemCreate(
        **{"title": "Checkout pool exhaustion", "services": ["checkout"], **fields}
    )
    return problems.create(session, actor=RESPONDER, data=data)


def move(session: Session, key: str, *moves: Transition) -> Any:
    for m in moves:
        problem = problems.transition(
            session, actor=RESPONDER, key=key, move=m, data=schemas.ProblemMove()
        )
    return problem


def test_a_problem_is_prioritised_by_the_incident_matrix_and_owned_by_the_service_owner(
    platform: Session,
) -> None:
    incident = resolved(platform, impact=3, urgency=3)
    read = problems.read(
        platform, open_problem(platform, impact=1, urgency=2, incidents=[incident.key])
    )
    assert (read.key, read.priority, read.owner_squad, read.platform) == (
        "PRB-1",
        "P2",
        "payments",
        "procurement",
    )
    assert (read.status, read.incidents, read.known_error) == (Status.NEW, [incident.key], False)


def test_unknown_references_are_field_errors(platform: Session) -> None:
    for fields, name in (
        ({"services": ["nowhere"]}, "services"),
        ({"incidents": ["INC-404"]}, "incident"),
        ({"owner_squad": "ghosts"}, "owner_squad"),
        ({"vendor": "acme"}, "vendor"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            open_problem(platform, **fields)
        assert name in refused.value.fields
    with pytest.raises(NotFound):
        problems.get(platform, actor=RESPONDER, key="PRB-77")


def test_rca_records_five_whys_and_categorised_factors(platform: Session) -> None:
    key = open_problem(platform).key
    rca = schemas.RcaIn(
        version=1,
        five_whys=["Pool ran dry", "Retries stormed"],
        root_cause="No retry budget",
        factors=[schemas.FactorIn(category="code", description="Unbounded retries")],
    )
    read = problems.read(
        platform, problems.record_rca(platform, actor=RESPONDER, key=key, data=rca)
    )
    assert (read.five_whys, read.root_cause) == (
        ["Pool ran dry", "Retries stormed"],
        "No retry budget",
    )
    assert [(f.category, f.description) for f in read.factors] == [("code", "Unbounded retries")]
    with pytest.raises(StaleVersion):
        problems.record_rca(platform, actor=RESPONDER, key=key, data=rca)
    bad = schemas.RcaIn(
        version=2, factors=[schemas.FactorIn(category="gremlins", description="bad luck")]
    )
    with pytest.raises(ValidationFailed, match="gremlins"):
        problems.record_rca(platform, actor=RESPONDER, key=key, data=bad)


def test_lifecycle_and_known_error(platform: Session) -> None:
    key = open_problem(platform).key
    move(platform, key, Transition.INVESTIGATE)
    with pytest.raises(Conflict, match="workaround"):
        move(platform, key, Transition.MARK_KNOWN_ERROR)
    known = schemas.KnownErrorIn(
        version=2,
        symptom="Checkout returns 503",
        workaround="Restart the checkout pods",
        match_services=["checkout"],
        match_title="checkout",
    )
    problems.record_known_error(platform, actor=RESPONDER, key=key, data=known)
    assert move(platform, key, Transition.MARK_KNOWN_ERROR).status == Status.KNOWN_ERROR
    with pytest.raises(InvalidTransition, match="allowed now: resolve"):
        move(platform, key, Transition.START_FIX, Transition.CLOSE)
    assert [k.problem for k in problems.known_errors(platform, actor=RESPONDER, text="503")] == [
        key
    ]
    assert problems.known_errors(platform, actor=RESPONDER, service="search") == []


def test_a_known_error_needs_a_matching_rule(platform: Session) -> None:
    key = open_problem(platform).key
    with pytest.raises(ValidationFailed):
        problems.record_known_error(
            platform,
            actor=RESPONDER,
            key=key,
            data=schemas.KnownErrorIn(version=1, symptom="Slow", workaround="Wait it out"),
        )


def test_an_incident_matching_a_known_error_finds_its_workaround(platform: Session) -> None:
    key = open_problem(platform).key
    problems.record_known_error(
        platform,
        actor=RESPONDER,
        key=key,
        data=schemas.KnownErrorIn(
            version=1,
            symptom="503s",
            workaround="Restart the pods",
            match_services=["checkout"],
            match_title="503",
        ),
    )
    hit = resolved(platform, title="Checkout 503 errors")
    miss = resolved(platform, title="Checkout slow")
    assert [
        k.workaround
        for k in problems.matching_known_errors(platform, actor=RESPONDER, incident=hit.key)
    ] == ["Restart the pods"]
    assert problems.matching_known_errors(platform, actor=RESPONDER, incident=miss.key) == []


def test_open_systemic_fixes_keep_a_problem_from_closing(platform: Session) -> None:
    key = open_problem(platform).key
    fix = actions.create(
        platform,
        actor=RESPONDER,
        data=action_schemas.ActionCreate(
            title="Add retry budget", owner_squad="payments", problem=key, systemic=True
        ),
    )
    move(
        platform,
        key,
        Transition.INVESTIGATE,
        Transition.IDENTIFY_ROOT_CAUSE,
        Transition.START_FIX,
        Transition.RESOLVE,
    )
    with pytest.raises(Conflict, match=f"systemic fixes are open: {fix.key}"):
        move(platform, key, Transition.CLOSE)
    actions.transition(
        platform,
        actor=RESPONDER,
        key=fix.key,
        move=ActionMove.COMPLETE,
        data=action_schemas.ActionMove(),
    )
    closed = problems.read(platform, move(platform, key, Transition.CLOSE))
    assert (closed.status, closed.actions, closed.open_systemic_fixes) == (
        Status.CLOSED,
        [fix.key],
        [],
    )


def test_recurring_incidents_are_proposed_once_and_decisions_are_remembered(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    titles = ("Checkout timeouts", "checkout timeouts again", "Timeouts in checkout")
    keys = []
    for title in titles[:2]:
        keys.append(resolved(platform, title=title, impact=3, urgency=3).key)
        frozen_clock.advance(timedelta(days=3))
    assert recurrence.proposals(platform, actor=RESPONDER) == []
    keys.append(resolved(platform, title=titles[2], impact=3, urgency=3).key)  # resolving detects
    [proposal] = recurrence.proposals(platform, actor=RESPONDER)
    assert (proposal.service_slug, proposal.incident_keys) == ("checkout", keys)
    assert recurrence.detect_recurring(platform, actor=RESPONDER) == []
    recurrence.dismiss_proposal(platform, actor=RESPONDER, proposal_id=proposal.id)
    assert recurrence.detect_recurring(platform, actor=RESPONDER) == []
    with pytest.raises(Conflict, match="already dismissed"):
        recurrence.accept_proposal(platform, actor=RESPONDER, proposal_id=proposal.id)
    fourth = resolved(platform, title="Checkout timeouts yet again", impact=3, urgency=3).key
    [bigger] = recurrence.proposals(platform, actor=RESPONDER)
    problem = problems.read(
        platform, recurrence.accept_proposal(platform, actor=RESPONDER, proposal_id=bigger.id)
    )
    assert problem.incidents == [*keys, fourth]
    assert recurrence.read_proposal(bigger).problem == problem.key
    assert recurrence.detect_recurring(platform, actor=RESPONDER) == []


def test_an_alike_incident_grows_the_pending_proposal_rather_than_adding_a_second(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    keys = []
    for title in ("Checkout timeouts", "checkout timeouts again", "Timeouts in checkout"):
        keys.append(resolved(platform, title=title, impact=3, urgency=3).key)
        frozen_clock.advance(timedelta(days=3))
    keys.append(resolved(platform, title="Checkout timeouts yet again", impact=3, urgency=3).key)
    [proposal] = recurrence.proposals(platform, actor=RESPONDER)
    assert proposal.incident_keys == keys


def test_figures_count_open_problems_by_age(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    open_problem(platform)
    frozen_clock.advance(timedelta(days=40))
    open_problem(platform, services=["auth"])
    figures = problems.figures(platform, actor=RESPONDER)
    assert figures.open_by_age == {
        "0-7 days": 1,
        "8-30 days": 0,
        "31-90 days": 1,
        "over 90 days": 0,
    }
    assert problems.figures(platform, actor=RESPONDER, squad="identity").open == 1

"""One search over the records people look for, each read through its own domain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.auth import schemas as account_schemas
from opsroom.auth import service as accounts
from opsroom.auth.domain import Principal, Role
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, ValidationFailed
from opsroom.problems import schemas as problem_schemas
from opsroom.problems import service as problems
from opsroom.search import service as search
from opsroom.search.schemas import Kind
from tests import factories
from tests.factories import ACTOR

VIEWER = Principal(name="viewer@example.com", role=Role.VIEWER)
RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)


@pytest.fixture
def records(session: Session) -> Session:
    """A token signer named in a record of every kind, and one that names nothing."""
    factories.small_platform(session)
    factories.service(session, "token-signer", name="Token signer", depends_on=["db"])
    accounts.create_user(
        session,
        actor=ACTOR,
        data=account_schemas.UserCreate(
            email="tess.signer@example.com",
            display_name="Tess Signer",
            role=Role.RESPONDER,
            password="a long enough password",
        ),
    )
    incidents.declare(
        session,
        actor=RESPONDER,
        data=incident_schemas.IncidentCreate(title="Token signer down", services=["auth"]),
    )
    incidents.declare(
        session,
        actor=RESPONDER,
        data=incident_schemas.IncidentCreate(title="Slow search", services=["search"]),
    )
    start = clock.now() + timedelta(days=2)
    changes.create(
        session,
        actor=RESPONDER,
        data=change_schemas.ChangeCreate(
            title="Rotate the token signer keys",
            services=["auth"],
            squad="identity",
            planned_start=start,
            planned_end=start + timedelta(hours=1),
        ),
    )
    problems.create(
        session,
        actor=RESPONDER,
        data=problem_schemas.ProblemCreate(title="Token signer leaks memory", services=["auth"]),
    )
    actions.create(
        session,
        actor=RESPONDER,
        data=action_schemas.ActionCreate(
            title="Alert on token signer heap", owner_squad="identity"
        ),
    )
    return session


def test_words_find_every_kind_of_record_that_names_them(records: Session) -> None:
    results = search.find(records, actor=VIEWER, q="  SIGNER ")

    assert results.q == "SIGNER" and results.jump is None
    assert [(h.kind, h.key, h.title) for h in results.hits] == [
        (Kind.INCIDENT, "INC-1", "Token signer down"),
        (Kind.SERVICE, "token-signer", "Token signer"),
        (Kind.CHANGE, "CHG-1", "Rotate the token signer keys"),
        (Kind.PROBLEM, "PRB-1", "Token signer leaks memory"),
        (Kind.ACTION, "ACT-1", "Alert on token signer heap"),
        (Kind.PERSON, "tess.signer@example.com", "Tess Signer"),
    ]
    assert results.hits[0].url == "/incidents/INC-1"


def test_a_key_names_its_record_in_any_case(records: Session) -> None:
    assert search.find(records, actor=VIEWER, q="inc-2").jump == "/incidents/INC-2"
    assert search.find(records, actor=VIEWER, q="CHG-1").jump == "/changes/CHG-1"
    assert search.find(records, actor=VIEWER, q="prb-1").jump == "/problems/PRB-1"
    assert search.find(records, actor=VIEWER, q="ACT-1").jump == "/actions/ACT-1"


def test_a_key_naming_nothing_jumps_nowhere(records: Session) -> None:
    results = search.find(records, actor=VIEWER, q="INC-99")

    assert (results.jump, results.hits) == (None, [])


def test_each_kind_answers_a_few_hits_at_most(records: Session) -> None:
    results = search.find(records, actor=VIEWER, q="s", limit=1)

    assert len([h for h in results.hits if h.kind is Kind.SERVICE]) == 1


def test_a_blank_search_finds_nothing_and_a_long_one_is_refused(records: Session) -> None:
    assert search.find(records, actor=VIEWER, q="   ").hits == []
    with pytest.raises(ValidationFailed) as refused:
        search.find(records, actor=VIEWER, q="x" * 201)
    assert refused.value.fields == {"q": "at most 200"}


def test_vendor_contacts_may_not_search(records: Session) -> None:
    vendor = Principal(name="v@acme.example", role=Role.VENDOR_CONTACT, vendor="acme")

    with pytest.raises(Forbidden):
        search.find(records, actor=vendor, q="token")

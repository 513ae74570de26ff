"""The request catalog: request types as data, requests whose answers are checked field by
field, and the approval steps a request takes before its squad fulfils it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.desk import requesting, schemas
from opsroom.desk import service as desk
from opsroom.desk.domain import Decision, Status
from opsroom.infra.errors import Conflict, Forbidden, NotFound, ValidationFailed
from opsroom.notify import service as notify
from tests import factories
from tests.improvement import MANAGER, PAYMENTS_LEAD, RESPONDER
from tests.service.desk.conftest import KEEPER

ANN = Principal(name="ann@acme.example", role=Role.REQUESTER, organisation="Acme")
LAPTOP = schemas.RequestTypeCreate.model_validate(
    {
        "slug": "new-card-terminal",
        "name": "New card terminal",
        "service": "checkout",
        "priority": 4,
        "fields": [
            {"name": "shop", "label": "Shop", "required": True},
            {"name": "model", "label": "Model", "type": "choice", "choices": ["S1", "S2"]},
            {"name": "count", "label": "How many", "type": "number", "required": True},
            {"name": "needed_by", "label": "Needed by", "type": "date"},
        ],
        "approvals": [{"approver": "squad_lead"}, {"approver": "operations_manager"}],
    }
)
ANSWERS = {"shop": "Utrecht", "model": "S2", "count": "3"}


def asked(session: Session, answers: dict[str, str] = ANSWERS) -> str:
    data = schemas.RequestIn(type="new-card-terminal", answers=answers)
    return requesting.make_request(session, actor=ANN, data=data).key


def approval(session: Session, who: Principal, key: str, decision: Decision) -> schemas.TicketRead:
    data = schemas.ApprovalIn(note="budget ok")
    ticket = requesting.decide(session, actor=who, key=key, decision=decision, data=data)
    return desk.read(ticket, ANN)


def test_a_request_records_its_answers_in_the_fulfilment_squads_queue(platform: Session) -> None:
    requesting.create_type(platform, actor=MANAGER, data=LAPTOP)
    ticket = desk.read(desk.get(platform, actor=ANN, key=asked(platform)), ANN)
    assert (ticket.kind, ticket.squad, ticket.priority, ticket.title) == (
        "request",
        "payments",
        4,
        "New card terminal",
    )
    assert ticket.answers == ANSWERS
    assert "How many: 3" in ticket.description
    assert [(a.approver, a.squad, a.decision) for a in ticket.approvals] == [
        ("squad_lead", "payments", "pending"),
        ("operations_manager", "payments", "pending"),
    ]


def test_bad_answers_are_refused_field_by_field_and_nothing_is_opened(platform: Session) -> None:
    requesting.create_type(platform, actor=MANAGER, data=LAPTOP)
    bad = {"model": "S9", "count": "many", "needed_by": "soon", "colour": "red"}
    with pytest.raises(ValidationFailed) as refused:
        asked(platform, bad)
    assert refused.value.fields == {
        "answers.shop": "required",
        "answers.model": "one of: S1, S2",
        "answers.count": "a number",
        "answers.needed_by": "a date (YYYY-MM-DD)",
        "answers.colour": "not asked",
    }
    with pytest.raises(ValidationFailed) as unknown:
        requesting.make_request(platform, actor=ANN, data=schemas.RequestIn(type="nope"))
    assert unknown.value.fields == {"type": "no request type 'nope'"}
    assert desk.search(platform, actor=RESPONDER).items == []


def test_steps_are_approved_in_order_by_those_allowed_and_the_requester_is_told(
    platform: Session,
) -> None:
    requesting.create_type(platform, actor=MANAGER, data=LAPTOP)
    key = asked(platform)
    with pytest.raises(Forbidden):
        approval(platform, RESPONDER, key, Decision.APPROVED)
    with pytest.raises(Forbidden):  # the first step is the squad lead's
        approval(platform, ANN, key, Decision.APPROVED)
    first = approval(platform, PAYMENTS_LEAD, key, Decision.APPROVED)
    assert [a.decision for a in first.approvals] == ["approved", "pending"]
    done = approval(platform, MANAGER, key, Decision.APPROVED)
    assert done.approvals[1].decided_by == MANAGER.name
    with pytest.raises(Conflict):
        approval(platform, MANAGER, key, Decision.APPROVED)
    told = [m.message["body"] for m in notify.log(platform, actor=RESPONDER, person=ANN.name).items]
    assert any("the payments squad fulfils it now" in body for body in told)


def test_a_declined_request_is_closed(platform: Session) -> None:
    requesting.create_type(platform, actor=MANAGER, data=LAPTOP)
    declined = approval(platform, PAYMENTS_LEAD, asked(platform), Decision.DECLINED)
    assert declined.status is Status.CLOSED
    assert declined.approvals[0].note == "budget ok"


def test_request_types_are_kept_by_operations_managers_with_refusals_named(
    platform: Session,
) -> None:
    with pytest.raises(Forbidden):
        requesting.create_type(platform, actor=RESPONDER, data=LAPTOP)
    no_choices = LAPTOP.model_copy(
        update={"fields": [schemas.RequestFieldDoc(name="x", label="X", type="choice")]}
    )
    with pytest.raises(ValidationFailed) as refused:
        requesting.create_type(platform, actor=MANAGER, data=no_choices)
    assert refused.value.fields == {"fields.0.choices": "a choice needs choices"}
    elsewhere = LAPTOP.model_copy(update={"squad": "nobody"})
    with pytest.raises(ValidationFailed) as squad:
        requesting.create_type(platform, actor=MANAGER, data=elsewhere)
    assert list(squad.value.fields) == ["squad"]
    requesting.create_type(platform, actor=MANAGER, data=LAPTOP)
    withdrawn = schemas.RequestTypeUpdate(version=1, active=False)
    requesting.update_type(platform, actor=MANAGER, slug=LAPTOP.slug, data=withdrawn)
    assert requesting.list_types(platform, actor=ANN) == []


def test_requesters_see_the_types_of_the_platforms_their_organisation_is_a_customer_of(
    platform: Session,
) -> None:
    factories.platform(platform, "commerce")
    factories.squad(platform, "shop", platform="commerce")
    factories.service(platform, "storefront", owner="shop", platform="commerce")
    requesting.create_type(platform, actor=MANAGER, data=LAPTOP)
    elsewhere = LAPTOP.model_copy(
        update={"slug": "gift-cards", "name": "Gift cards", "service": "storefront"}
    )
    requesting.create_type(platform, actor=KEEPER, data=elsewhere)
    assert [t.slug for t in requesting.list_types(platform, actor=ANN)] == ["new-card-terminal"]
    with pytest.raises(NotFound):
        requesting.get_type(platform, actor=ANN, slug="gift-cards")
    with pytest.raises(ValidationFailed) as refused:
        requesting.make_request(
            platform, actor=ANN, data=schemas.RequestIn(type="gift-cards", answers=ANSWERS)
        )
    assert refused.value.fields == {"type": "no request type 'gift-cards'"}
    staff = [t.slug for t in requesting.list_types(platform, actor=RESPONDER)]
    assert staff == ["gift-cards", "new-card-terminal"]

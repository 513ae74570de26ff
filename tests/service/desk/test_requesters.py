"""Requesters: customers who raise tickets for themselves and see their own organisation's
tickets only, never an internal note."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.desk import schemas
from opsroom.desk import service as desk
from opsroom.infra.errors import Forbidden, NotFound, ValidationFailed
from tests.improvement import RESPONDER

ANN = Principal(name="ann@acme.example", role=Role.REQUESTER, organisation="Acme")
BOB = Principal(name="bob@globex.example", role=Role.REQUESTER, organisation="Globex")


def reported(session: Session, who: Principal, **fields: str) -> str:
    data = schemas.TicketCreate.model_validate(
        {"title": "Cannot log in", "service": "checkout", **fields}
    )
    return desk.open_ticket(session, actor=who, data=data).key


def test_a_requester_reports_for_themselves_and_their_organisation(platform: Session) -> None:
    ticket = desk.get(platform, actor=ANN, key=reported(platform, ANN))
    assert (ticket.requester, ticket.organisation, ticket.created_by) == (
        "ann@acme.example",
        "Acme",
        "ann@acme.example",
    )


def test_a_requester_cannot_report_for_someone_else(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as other_person:
        reported(platform, ANN, requester="eve@acme.example")
    assert other_person.value.fields == {"requester": "requesters report for themselves"}
    with pytest.raises(Forbidden, match="their organisation's tickets"):
        reported(platform, ANN, organisation="Globex")


def test_the_desk_names_the_requester_and_organisation(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as unnamed:
        reported(platform, RESPONDER)
    assert unnamed.value.fields == {"requester": "required", "organisation": "required"}


def test_another_organisations_ticket_is_not_found(platform: Session) -> None:
    theirs = reported(platform, BOB)
    ours = reported(platform, ANN)
    with pytest.raises(NotFound, match=f"no ticket {theirs}"):
        desk.get(platform, actor=ANN, key=theirs)
    assert [t.key for t in desk.search(platform, actor=ANN).items] == [ours]
    assert desk.search(platform, actor=ANN, organisation="Globex").items == []
    everyone = desk.search(platform, actor=RESPONDER).items
    assert {t.key for t in everyone} == {ours, theirs}


def test_a_requester_never_sees_internal_notes(platform: Session) -> None:
    key = reported(platform, ANN)
    for body, internal in (("Looking into it", False), ("Their SSO is misconfigured", True)):
        note = schemas.MessageIn(body=body, internal=internal)
        desk.add_message(platform, actor=RESPONDER, key=key, data=note)
    shown = desk.read(desk.get(platform, actor=ANN, key=key), ANN)
    assert [m.body for m in shown.messages] == ["Looking into it"]
    staff = desk.read(desk.get(platform, actor=RESPONDER, key=key), RESPONDER)
    assert len(staff.messages) == 2


def test_a_requester_cannot_work_a_ticket(platform: Session) -> None:
    key = reported(platform, ANN)
    with pytest.raises(Forbidden):
        desk.add_message(platform, actor=ANN, key=key, data=schemas.MessageIn(body="Any news?"))


def test_a_requester_without_an_organisation_sees_nothing(platform: Session) -> None:
    stray = Principal(name="x@nowhere.example", role=Role.REQUESTER)
    with pytest.raises(Forbidden):
        desk.search(platform, actor=stray)

"""Requesters: customers who raise tickets for themselves and see their own organisation's
tickets only, never an internal note."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.desk import schemas
from opsroom.desk import service as desk
from opsroom.desk.domain import Status, Transition
from opsroom.desk.models import Ticket
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, Forbidden, NotFound, ValidationFailed
from opsroom.notify import service as notify
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
        desk.transition(
            platform, actor=ANN, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
        )


def test_a_requester_without_an_organisation_sees_nothing(platform: Session) -> None:
    stray = Principal(name="x@nowhere.example", role=Role.REQUESTER)
    with pytest.raises(Forbidden):
        desk.search(platform, actor=stray)


# --- requesters writing on their tickets --------------------------------------------------


def written(session: Session, who: Principal, key: str, body: str, **extra: bool) -> Ticket:
    data = schemas.MessageIn(body=body, **extra)
    return desk.add_message(session, actor=who, key=key, data=data)


def told_leads(session: Session) -> list[str]:
    sent = notify.log(session, actor=RESPONDER, person="lead@example.com", limit=50).items
    return [m.message["body"] for m in sent]


def test_a_requesters_message_resumes_a_ticket_waiting_on_them_and_tells_the_squad(
    platform: Session,
) -> None:
    key = reported(platform, ANN)
    desk.transition(
        platform, actor=RESPONDER, key=key, move=Transition.WAIT, data=schemas.TicketMove()
    )
    ticket = written(platform, ANN, key, "Here is the screenshot")
    assert (ticket.status, ticket.first_response_at) == (Status.OPEN, None)
    shown = desk.read(ticket, ANN).messages[-1]
    assert (shown.author, shown.internal) == ("ann@acme.example", False)
    assert told_leads(platform) == ["Here is the screenshot"]


def test_a_message_reopens_a_ticket_only_within_the_window(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    recent, old = reported(platform, ANN), reported(platform, ANN)
    for key in (old, recent):
        desk.transition(
            platform, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
        )
        frozen_clock.advance(timedelta(days=10))
    # The shipped window is 14 days: `old` was resolved 20 days ago, `recent` 10.
    assert written(platform, ANN, recent, "Broken again").status == Status.OPEN
    with pytest.raises(Conflict) as too_late:
        written(platform, ANN, old, "Broken again")
    assert too_late.value.fields == {"status": "resolved more than 14 days ago: open a new ticket"}
    assert desk.get(platform, actor=ANN, key=old).status == Status.RESOLVED


def test_a_requester_writes_no_internal_note_nor_on_another_organisations_ticket(
    platform: Session,
) -> None:
    ours, theirs = reported(platform, ANN), reported(platform, BOB)
    with pytest.raises(ValidationFailed) as internal:
        written(platform, ANN, ours, "psst", internal=True)
    assert list(internal.value.fields) == ["internal"]
    with pytest.raises(NotFound):
        written(platform, ANN, theirs, "hello")
    assert [len(desk.get(platform, actor=RESPONDER, key=k).messages) for k in (ours, theirs)] == [
        0,
        0,
    ]

"""/api/v1/tickets and /api/v1/surveys: the service desk's tickets, and the satisfaction
survey their requesters answer by link (without signing in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from opsroom.auth.deps import Actor, DbSession
from opsroom.desk import schemas, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Status, Transition
from opsroom.infra.apidoc import PageOut, errors

router = APIRouter(prefix="/api/v1", tags=["desk"])


@router.get("/tickets", responses=errors())
def list_tickets(
    session: DbSession,
    actor: Actor,
    status_: Annotated[list[Status], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    squad: str | None = None,
    organisation: str | None = None,
    open: Annotated[bool, Query(description="new, open or pending")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.TicketRead]:
    page = desk.search(
        session,
        actor=actor,
        status=status_,
        squad=squad,
        organisation=organisation,
        open_only=open,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[desk.read(t, actor) for t in page.items], next_cursor=page.next_cursor)


@router.get("/tickets/csat", responses=errors())
def ticket_csat(session: DbSession, actor: Actor, squad: str | None = None) -> schemas.Csat:
    """Surveys sent and answered, and the share of satisfied answers (4 or 5)."""
    return surveys.csat(session, actor=actor, squad=squad)


@router.post("/tickets", status_code=status.HTTP_201_CREATED, responses=errors())
def open_ticket(session: DbSession, actor: Actor, data: schemas.TicketCreate) -> schemas.TicketRead:
    """The service's squad takes it in its queue; the SLA clocks start in business hours."""
    return desk.read(desk.open_ticket(session, actor=actor, data=data), actor)


@router.get("/tickets/{key}", responses=errors(404))
def get_ticket(session: DbSession, actor: Actor, key: str) -> schemas.TicketRead:
    return desk.read(desk.get(session, actor=actor, key=key), actor)


@router.post(
    "/tickets/{key}/messages", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_message(
    session: DbSession, actor: Actor, key: str, data: schemas.MessageIn
) -> schemas.TicketRead:
    """A reply the requester is sent, or an internal note (`internal`) they never see."""
    return desk.read(desk.add_message(session, actor=actor, key=key, data=data), actor)


@router.post("/tickets/{key}/links", responses=errors(404))
def link_ticket(
    session: DbSession, actor: Actor, key: str, data: schemas.LinkIn
) -> schemas.TicketRead:
    """Link the problem behind it."""
    return desk.read(desk.link(session, actor=actor, key=key, data=data), actor)


@router.post("/tickets/{key}/incident", responses=errors(404, 409))
def escalate_ticket(
    session: DbSession, actor: Actor, key: str, data: schemas.EscalationIn
) -> schemas.TicketRead:
    """Turn the ticket into an incident (declared from its title, service and description
    with the `impact` and `urgency` given), or link it to the `incident` others are affected
    by too. The requester is told, and hears every customer update on the incident after;
    409 when the ticket is part of an incident already or no longer open."""
    return desk.read(desk.escalate(session, actor=actor, key=key, data=data), actor)


@router.post("/tickets/{key}/{move}", responses=errors(404, 409))
def move_ticket(
    session: DbSession,
    actor: Actor,
    key: str,
    move: Transition,
    data: schemas.TicketMove | None = None,
) -> schemas.TicketRead:
    """wait (on the requester), resume, resolve (sends the survey), reopen or close."""
    moved = desk.transition(
        session, actor=actor, key=key, move=move, data=data or schemas.TicketMove()
    )
    return desk.read(moved, actor)


@router.get("/surveys/{token}", responses=errors(404))
def get_survey(session: DbSession, token: str) -> schemas.SurveyRead:
    """The survey behind a link (no sign-in: the link is the key); 404 for any other token."""
    return surveys.survey(session, token=token)


@router.post("/surveys/{token}", responses=errors(404, 409))
def answer_survey(session: DbSession, token: str, data: schemas.SurveyAnswer) -> schemas.SurveyRead:
    """Answer once (409 after); no sign-in."""
    return surveys.answer(session, token=token, data=data)

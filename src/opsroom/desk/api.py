"""/api/v1/tickets, /api/v1/desk, /api/v1/organisations and /api/v1/surveys: the service
desk's tickets, each platform's desk settings, the customer organisations, and the
satisfaction survey their requesters answer by link (without signing in)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, status

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformsFilter
from opsroom.desk import inbound, organisations, requesting, schemas, sla, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Decision, Status, Transition
from opsroom.infra.apidoc import PageOut, RecordId, errors

router = APIRouter(prefix="/api/v1", tags=["desk"])


@router.get("/tickets", responses=errors())
def list_tickets(
    session: DbSession,
    actor: Actor,
    platform: PlatformsFilter,
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
        platforms=platform,
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
    """A reply the requester is sent, or an internal note (`internal`) they never see. From
    a requester: their message on their own ticket (never internal), which reopens a ticket
    resolved within the platform's `reopen_days` (409 after, or once closed) and is sent to
    the squad's leads."""
    return desk.read(desk.add_message(session, actor=actor, key=key, data=data), actor)


@router.post("/tickets/{key}/links", responses=errors(404))
def link_ticket(
    session: DbSession, actor: Actor, key: str, data: schemas.LinkIn
) -> schemas.TicketRead:
    """Link the problem behind it."""
    return desk.read(desk.link(session, actor=actor, key=key, data=data), actor)


@router.get(
    "/tickets/{key}/attachments/{attachment_id}",
    response_class=Response,
    responses={**errors(404), 200: {"content": {"application/octet-stream": {}}}},
)
def download_attachment(
    session: DbSession, actor: Actor, key: str, attachment_id: RecordId
) -> Response:
    """A file that came with the requester's email, for whoever may see the ticket."""
    return download(inbound.attachment(session, actor=actor, key=key, attachment_id=attachment_id))


def download(attachment: inbound.TicketAttachment) -> Response:
    """Always saved, never shown inline: a file from outside must not run as a page here
    (and every answer says nosniff)."""
    quoted = quote(attachment.filename)
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"}
    return Response(attachment.content, media_type=attachment.content_type, headers=headers)


@router.post("/tickets/{key}/incident", responses=errors(404, 409))
def escalate_ticket(
    session: DbSession, actor: Actor, key: str, data: schemas.EscalationIn
) -> schemas.TicketRead:
    """Turn the ticket into an incident (declared from its title, service and description
    with the `impact` and `urgency` given), or link it to the `incident` others are affected
    by too. The requester is told, and hears every customer update on the incident after;
    409 when the ticket is part of an incident already or no longer open."""
    return desk.read(desk.escalate(session, actor=actor, key=key, data=data), actor)


@router.post("/tickets/{key}/approvals/{decision}", responses=errors(403, 404, 409))
def decide_approval(
    session: DbSession, actor: Actor, key: str, decision: Decision, data: schemas.ApprovalIn
) -> schemas.TicketRead:
    """Approve or decline the approval step waiting (a lead of its squad, or an operations
    manager of the platform, as the step says); the requester is told, and a decline closes
    the request. 409 when no step waits."""
    ticket = requesting.decide(session, actor=actor, key=key, decision=decision, data=data)
    return desk.read(ticket, actor)


@router.post("/requests", status_code=status.HTTP_201_CREATED, responses=errors(404))
def make_request(session: DbSession, actor: Actor, data: schemas.RequestIn) -> schemas.TicketRead:
    """Ask for something from the catalog: a ticket of kind request in the type's
    fulfilment squad's queue, its answers checked field by field (`answers.<name>`)."""
    return desk.read(requesting.make_request(session, actor=actor, data=data), actor)


@router.get("/request-types", responses=errors())
def list_request_types(session: DbSession, actor: Actor) -> list[schemas.RequestTypeRead]:
    """The request catalog (requesters: the types they may ask for)."""
    return [requesting.read_type(k) for k in requesting.list_types(session, actor=actor)]


@router.post("/request-types", status_code=status.HTTP_201_CREATED, responses=errors(403, 409))
def create_request_type(
    session: DbSession, actor: Actor, data: schemas.RequestTypeCreate
) -> schemas.RequestTypeRead:
    """A new request type (operations managers of its service's platform)."""
    return requesting.read_type(requesting.create_type(session, actor=actor, data=data))


@router.get("/request-types/{slug}", responses=errors(404))
def get_request_type(session: DbSession, actor: Actor, slug: str) -> schemas.RequestTypeRead:
    return requesting.read_type(requesting.get_type(session, actor=actor, slug=slug))


@router.patch("/request-types/{slug}", responses=errors(403, 404, 409))
def update_request_type(
    session: DbSession, actor: Actor, slug: str, data: schemas.RequestTypeUpdate
) -> schemas.RequestTypeRead:
    """Change it, or withdraw it (`active: false`); send the version you read."""
    changed = requesting.update_type(session, actor=actor, slug=slug, data=data)
    return requesting.read_type(changed)


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


@router.get("/desk/settings/{platform}", responses=errors(404))
def get_desk_settings(session: DbSession, actor: Actor, platform: str) -> schemas.DeskSettingsRead:
    """The platform's SLA targets, business hours, time zone, holidays and reopening window."""
    return sla.read_settings(session, actor=actor, platform=platform)


@router.put("/desk/settings/{platform}", responses=errors(403, 404, 409))
def replace_desk_settings(
    session: DbSession, actor: Actor, platform: str, data: schemas.DeskSettingsRead
) -> schemas.DeskSettingsRead:
    """Replace them (the platform's operations managers); send back the version you read.
    Tickets opened from then on run their clocks by them."""
    return sla.replace_settings(session, actor=actor, platform=platform, data=data)


@router.get("/organisations", responses=errors())
def list_organisations(session: DbSession, actor: Actor) -> list[schemas.OrganisationRead]:
    """The customer organisations, by name, with their requesters."""
    found = organisations.all_organisations(session, actor=actor)
    return [organisations.read(session, o) for o in found]


@router.post("/organisations", status_code=status.HTTP_201_CREATED, responses=errors(403, 409))
def create_organisation(
    session: DbSession, actor: Actor, data: schemas.OrganisationCreate
) -> schemas.OrganisationRead:
    """A customer organisation (the operations managers of its platforms); 409 when the
    name, or one of its email domains, is taken."""
    return organisations.read(session, organisations.create(session, actor=actor, data=data))


@router.get("/organisations/{name}", responses=errors(404))
def get_organisation(session: DbSession, actor: Actor, name: str) -> schemas.OrganisationRead:
    return organisations.read(session, organisations.get(session, actor=actor, name=name))


@router.patch("/organisations/{name}", responses=errors(403, 404, 409))
def update_organisation(
    session: DbSession, actor: Actor, name: str, data: schemas.OrganisationUpdate
) -> schemas.OrganisationRead:
    """Replace its email domains or platforms; send the version you read."""
    changed = organisations.update(session, actor=actor, name=name, data=data)
    return organisations.read(session, changed)


@router.get("/surveys/{token}", responses=errors(404))
def get_survey(session: DbSession, token: str) -> schemas.SurveyRead:
    """The survey behind a link (no sign-in: the link is the key); 404 for any other token."""
    return surveys.survey(session, token=token)


@router.post("/surveys/{token}", responses=errors(404, 409))
def answer_survey(session: DbSession, token: str, data: schemas.SurveyAnswer) -> schemas.SurveyRead:
    """Answer once (409 after); no sign-in."""
    return surveys.answer(session, token=token, data=data)

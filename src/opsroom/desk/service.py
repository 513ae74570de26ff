"""The service desk: tickets customers raise, worked in their squad's queue against SLA
clocks in business hours, linked to the incidents and problems behind them, and the
satisfaction survey each requester gets on resolution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from opsroom.actions import service as actions
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.desk import domain, organisations, schemas, sla
from opsroom.desk.domain import Priority, Status, Transition
from opsroom.desk.models import Ticket, TicketMessage
from opsroom.desk.surveys import csat_figures as csat_figures
from opsroom.desk.surveys import send_survey
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, StatusUpdatePosted
from opsroom.incidents.schemas import IncidentCreate
from opsroom.infra import clock, keys
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.problems import service as problems

PREFIX = "TKT"
SLA_TIMER = "desk.sla"
WORKER = "opsroom-worker"
DESCRIPTION_LIMIT = 20_000  # what an incident's description holds


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    fields = ("status", "priority", "squad", "incident_number", "problem_number")
    return {name: getattr(ticket, name) for name in fields}


TICKET = Record("ticket", _snapshot)


def _visible(actor: Principal) -> Select[Ticket]:
    """The tickets `actor` may read: a requester only their organisation's (so another's
    key is simply not found), anyone else all."""
    query = select(Ticket).options(
        selectinload(Ticket.messages),
        selectinload(Ticket.attachments),
        selectinload(Ticket.approvals),
    )
    if actor.role is Role.REQUESTER:
        require(actor, Action.READ, organisation=actor.organisation)
        return query.where(Ticket.organisation == actor.organisation)
    require(actor, Action.READ)
    return query


def get(session: Session, *, actor: Principal, key: str) -> Ticket:
    return keys.find(session, _visible(actor), Ticket.number, key, PREFIX, "ticket")


def search(
    session: Session,
    *,
    actor: Principal,
    status: Sequence[Status] = (),
    squad: str | None = None,
    organisation: str | None = None,
    platforms: Sequence[str] = (),
    open_only: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Ticket]:
    query = _visible(actor)
    if status:
        query = query.where(Ticket.status.in_(list(status)))
    if open_only:
        query = query.where(Ticket.status.in_(list(domain.OPEN)))
    if squad:
        query = query.where(Ticket.squad == squad)
    if organisation:
        query = query.where(Ticket.organisation == organisation)
    if platforms:
        query = query.where(Ticket.service_slug.in_(catalog.services_on(*platforms)))
    return paginate(session, query, Ticket.number, limit=limit, cursor=cursor, descending=True)


def open_ticket(
    session: Session,
    *,
    actor: Principal,
    data: schemas.TicketCreate,
    fulfilled_by: str | None = None,
) -> Ticket:
    """A ticket in the queue of the service's squad, or of the squad it is `fulfilled_by`."""
    requester, organisation = _reporter(session, actor, data)
    try:
        service = catalog.get_service(session, data.service)
    except NotFound:
        raise ValidationFailed(
            f"no service '{data.service}'", fields={"service": "unknown service"}
        ) from None
    settings = sla.settings_of(session, service.platform.slug)
    first_response, resolution = domain.sla_clocks(clock.now(), data.priority, settings)
    ticket = Ticket(
        number=keys.next_number(session, PREFIX),
        kind=data.kind,
        title=data.title,
        description=data.description,
        requester=requester,
        organisation=organisation,
        platform_slug=service.platform.slug,
        service_slug=service.slug,
        squad=fulfilled_by or service.owner.slug,
        priority=data.priority,
        status=Status.NEW,
        first_response_due=first_response.due_at,
        resolution_due=resolution.due_at,
        created_by=str(actor),
    )
    session.add(ticket)
    session.flush()
    for due in (first_response, resolution):
        _schedule(session, ticket, due)
    TICKET.audited(session, ticket, actor, "ticket.opened", None)
    TICKET.event(session, ticket, actor, "opened", f"Ticket opened: {ticket.title}")
    return ticket


def _reporter(session: Session, actor: Principal, data: schemas.TicketCreate) -> tuple[str, str]:
    """Who reported it, for which organisation: a requester for themselves and their own
    organisation; anyone else signed in names both."""
    if actor.role is not Role.REQUESTER:
        require(actor, Action.READ)
        return _named(session, data)
    require(actor, Action.READ, organisation=data.organisation or actor.organisation)
    if data.requester not in (None, actor.name):
        refusal = "requesters report for themselves"
        raise ValidationFailed(refusal, fields={"requester": refusal})
    return actor.name, str(actor.organisation)


def _named(session: Session, data: schemas.TicketCreate) -> tuple[str, str]:
    missing = {
        name: "required" for name in ("requester", "organisation") if not getattr(data, name)
    }
    if missing:
        raise ValidationFailed("name the requester and their organisation", fields=missing)
    return str(data.requester).lower(), organisations.named(session, str(data.organisation))


def _schedule(session: Session, ticket: Ticket, sla: domain.Clock) -> None:
    jobs.schedule(
        session,
        kind=SLA_TIMER,
        subject=ticket.key,
        due_at=sla.due_at,
        payload={"kind": sla.kind},
        dedup_key=f"{ticket.key}:sla:{sla.kind}",
    )


def add_message(session: Session, *, actor: Principal, key: str, data: schemas.MessageIn) -> Ticket:
    """A reply to the requester (the first one meets the first-response target) or an
    internal note; from a requester, their message on their own ticket."""
    if actor.role is Role.REQUESTER:
        return _requester_message(session, actor=actor, key=key, data=data)
    require(actor, Action.WORK_INCIDENTS)
    ticket = get(session, actor=actor, key=key)
    if ticket.status == Status.CLOSED:
        raise Conflict(f"{ticket.key} is closed", fields={"status": "is closed"})
    before = _snapshot(ticket)
    body = _text(session, ticket, data)
    ticket.messages.append(TicketMessage(author=str(actor), body=body, internal=data.internal))
    if not data.internal:
        _answered(ticket)
        tell_requester(session, ticket, body, occasion=f"reply-{len(ticket.messages)}")
    action = "ticket.noted" if data.internal else "ticket.replied"
    return TICKET.saved(session, ticket, actor, action, before)


def _text(session: Session, ticket: Ticket, data: schemas.MessageIn) -> str:
    """What is written: the body, or the text of the platform's canned response named."""
    if data.canned:
        settings = sla.settings_of(session, ticket.platform_slug)
        return settings.canned_response(data.canned).body
    if not data.body:
        raise ValidationFailed("write a message", fields={"body": "required"})
    return data.body


def _requester_message(
    session: Session, *, actor: Principal, key: str, data: schemas.MessageIn
) -> Ticket:
    """Never an internal note. It resumes a ticket waiting on the requester, reopens one
    resolved within the platform's reopening window, and the squad's leads are told."""
    if data.internal:
        refusal = "requesters write to the desk, not internal notes"
        raise ValidationFailed(refusal, fields={"internal": refusal})
    ticket = get(session, actor=actor, key=key)  # another organisation's: not found
    require(actor, Action.POST_UPDATES, organisation=ticket.organisation)
    before = _snapshot(ticket)
    body = _text(session, ticket, data)
    _reopened_by(session, ticket, actor)
    ticket.messages.append(TicketMessage(author=actor.name, body=body))
    for lead in actions.squad_leads(session, ticket.squad):
        notify.notify_person(
            session,
            person=lead,
            kind=NoticeKind.TICKET_UPDATE,
            subject=ticket.key,
            title=f"[{ticket.key}] {ticket.requester} wrote: {ticket.title}",
            body=body,
            path=f"/tickets/{ticket.key}",
            dedup=f"ticket:{ticket.key}:requester-{len(ticket.messages)}",
        )
    return TICKET.saved(session, ticket, actor, "ticket.requester_wrote", before)


def _reopened_by(session: Session, ticket: Ticket, actor: Principal) -> None:
    status = Status(ticket.status)
    if status is Status.PENDING:
        ticket.status = Status.OPEN
    elif status is Status.CLOSED:
        raise Conflict(f"{ticket.key} is closed: open a new ticket", fields={"status": "is closed"})
    elif status is Status.RESOLVED:
        settings = sla.settings_of(session, ticket.platform_slug)
        if ticket.resolved_at and not domain.may_reopen(ticket.resolved_at, clock.now(), settings):
            refusal = f"resolved more than {settings.reopen_days} days ago: open a new ticket"
            raise Conflict(f"{ticket.key} was {refusal}", fields={"status": refusal})
        ticket.status, ticket.resolved_at = Status.OPEN, None
        restart_sla(session, ticket)
        TICKET.event(session, ticket, actor, "reopen", "Reopened by the requester's message")


def restart_sla(session: Session, ticket: Ticket) -> None:
    """A reopened ticket's breach timers run again from now, with its platform's current
    settings; the first-response one only while nobody has answered yet."""
    settings = sla.settings_of(session, ticket.platform_slug)
    first_response, resolution = domain.sla_clocks(clock.now(), Priority(ticket.priority), settings)
    ticket.resolution_due = resolution.due_at
    _schedule(session, ticket, resolution)
    if ticket.first_response_at is None:
        ticket.first_response_due = first_response.due_at
        _schedule(session, ticket, first_response)


def _answered(ticket: Ticket) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = clock.now()
    if ticket.status == Status.NEW:
        ticket.status = Status.OPEN


def tell_requester(session: Session, ticket: Ticket, body: str, *, occasion: str) -> None:
    notify.notify_person(
        session,
        person=ticket.requester,
        kind=NoticeKind.TICKET_UPDATE,
        subject=ticket.key,
        title=f"[{ticket.key}] {ticket.title}",
        body=body,
        path=f"/tickets/{ticket.key}",
        dedup=f"ticket:{ticket.key}:{occasion}",
        thread=ticket.key,
    )


def transition(
    session: Session, *, actor: Principal, key: str, move: Transition, data: schemas.TicketMove
) -> Ticket:
    require(actor, Action.WORK_INCIDENTS)
    ticket = TICKET.held(get(session, actor=actor, key=key), data.version)
    before = _snapshot(ticket)
    ticket.status = domain.next_status(Status(ticket.status), move)
    if move is Transition.RESOLVE:
        _resolved(session, ticket)
    elif move is Transition.REOPEN:
        ticket.resolved_at = None
        restart_sla(session, ticket)
    TICKET.event(session, ticket, actor, move.value, f"Ticket {ticket.status}")
    return TICKET.saved(session, ticket, actor, f"ticket.{move.value}", before)


def _resolved(session: Session, ticket: Ticket) -> None:
    ticket.resolved_at = clock.now()
    jobs.cancel(session, subject=ticket.key, kind=SLA_TIMER)
    send_survey(session, ticket)


def link(session: Session, *, actor: Principal, key: str, data: schemas.LinkIn) -> Ticket:
    """Link the ticket to the problem behind it."""
    require(actor, Action.WORK_INCIDENTS)
    ticket = get(session, actor=actor, key=key)
    before = _snapshot(ticket)
    ticket.problem_number = _found(problems.get, session, actor, data.problem, "problem").number
    return TICKET.saved(session, ticket, actor, "ticket.linked", before)


def _found(get_one: Any, session: Session, actor: Principal, key: str, field: str) -> Any:
    try:
        return get_one(session, actor=actor, key=key)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={field: exc.message}) from None


def escalate(session: Session, *, actor: Principal, key: str, data: schemas.EscalationIn) -> Ticket:
    """Turn the ticket into an incident, or link it to the one others are affected by too.
    Either way its requester is told now, and hears every customer update posted on the
    incident from then on (relay_incident_update)."""
    require(actor, Action.WORK_INCIDENTS)
    ticket = get(session, actor=actor, key=key)
    _escalable(ticket)
    before = _snapshot(ticket)
    if data.incident:
        incident = _found(incidents.get, session, actor, data.incident, "incident")
    else:
        incident = incidents.declare(session, actor=actor, data=_incident_from(ticket, data))
    ticket.incident_number = incident.number
    body = f"We are handling this as part of incident {incident.key}: {incident.title}."
    ticket.messages.append(TicketMessage(author=str(actor), body=body))
    _answered(ticket)
    tell_requester(session, ticket, body, occasion=incident.key)
    TICKET.event(session, ticket, actor, "escalated", f"Handled as part of {incident.key}")
    return TICKET.saved(session, ticket, actor, "ticket.escalated", before)


def _escalable(ticket: Ticket) -> None:
    if ticket.incident_number is not None:
        linked = keys.format_key(incidents.PREFIX, ticket.incident_number)
        raise Conflict(f"{ticket.key} is part of {linked} already", fields={"incident": linked})
    if ticket.status not in domain.OPEN:
        raise Conflict(
            f"a {ticket.status} ticket is not turned into an incident",
            fields={"status": f"is {ticket.status}"},
        )


def _incident_from(ticket: Ticket, data: schemas.EscalationIn) -> IncidentCreate:
    reported = f"Reported by {ticket.requester} ({ticket.organisation}) in {ticket.key}."
    return IncidentCreate(
        title=ticket.title,
        description=f"{reported}\n\n{ticket.description}".strip()[:DESCRIPTION_LIMIT],
        services=[ticket.service_slug],
        impact=data.impact,
        urgency=data.urgency,
    )


def check_sla(session: Session, timer: Due) -> None:
    """A target passed: mark the ticket breached and tell its squad's timeline."""
    ticket = session.scalar(
        select(Ticket).where(Ticket.number == keys.parse(timer.subject, PREFIX))
    )
    if ticket is None or ticket.status not in domain.OPEN:
        return
    kind = timer.payload["kind"]
    if kind == "first_response" and ticket.first_response_at is not None:
        return
    before = _snapshot(ticket)
    setattr(ticket, f"{kind}_breached", True)
    TICKET.event(session, ticket, WORKER, "sla_breach", f"{kind.replace('_', ' ')} SLA breached")
    TICKET.audited(session, ticket, WORKER, "ticket.sla_breached", before, after={"sla": kind})


def read(ticket: Ticket, viewer: Principal) -> schemas.TicketRead:
    """The ticket as `viewer` may see it: a requester never sees internal notes."""
    shown = [m for m in ticket.messages if not (m.internal and viewer.role is Role.REQUESTER)]
    return schemas.TicketRead(
        key=ticket.key,
        kind=domain.Kind(ticket.kind),
        title=ticket.title,
        description=ticket.description,
        requester=ticket.requester,
        organisation=ticket.organisation,
        platform=ticket.platform_slug,
        service=ticket.service_slug,
        squad=ticket.squad,
        priority=Priority(ticket.priority),
        status=Status(ticket.status),
        incident=_key("INC", ticket.incident_number),
        problem=_key("PRB", ticket.problem_number),
        first_response_due=ticket.first_response_due,
        resolution_due=ticket.resolution_due,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        first_response_breached=ticket.first_response_breached,
        resolution_breached=ticket.resolution_breached,
        created_at=ticket.created_at,
        version=ticket.version,
        messages=[schemas.MessageRead.model_validate(m) for m in shown],
        attachments=[schemas.AttachmentRead.model_validate(a) for a in ticket.attachments],
        request_type=ticket.request_type,
        answers=ticket.answers or {},
        approvals=[schemas.ApprovalRead.model_validate(a) for a in ticket.approvals],
    )


def _key(prefix: str, number: int | None) -> str | None:
    return None if number is None else keys.format_key(prefix, number)


def relay_incident_update(session: Session, event: StatusUpdatePosted) -> None:
    """A customer update on an incident reaches the requesters of every open ticket linked
    to it, as a reply on their ticket; internal updates never do."""
    if event.audience is not Audience.CUSTOMER:
        return
    number = keys.parse(event.key, incidents.PREFIX)
    linked = select(Ticket).where(Ticket.incident_number == number, Ticket.status.in_(domain.OPEN))
    for ticket in session.scalars(linked.options(selectinload(Ticket.messages))):
        ticket.messages.append(TicketMessage(author=event.key, body=event.body))
        _answered(ticket)
        tell_requester(session, ticket, event.body, occasion=f"{event.key}-{event.update_id}")

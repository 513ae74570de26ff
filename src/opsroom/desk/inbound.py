"""Tickets by email: who a sender is, a ticket opened from a requester's mail, a reply
threaded onto its ticket (the squad hears of it), and the files that came with them."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from opsroom.auth import service as users
from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.desk import domain, schemas
from opsroom.desk.domain import Status
from opsroom.desk.models import Ticket as Ticket
from opsroom.desk.models import TicketAttachment as TicketAttachment
from opsroom.desk.models import TicketMessage
from opsroom.desk.service import PREFIX, TICKET, get, open_ticket, restart_sla
from opsroom.infra import keys
from opsroom.infra.errors import Forbidden, NotFound
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind

TITLE_LIMIT = 300
BODY_LIMIT = 20_000
NO_SUBJECT = "(no subject)"


def requester_for(session: Session, address: str) -> Principal | None:
    """The requester an email address speaks for, or None: the one place the desk maps a
    sender to a requester."""
    try:
        user = users.get_user(session, address)
    except NotFound:
        return None
    if user.role != Role.REQUESTER or not user.is_active:
        return None
    return users.principal_for(session, user, via="email")


def ticket_from_mail(
    session: Session,
    *,
    actor: Principal,
    subject: str,
    body: str,
    service: str,
    requester: str | None = None,
    organisation: str | None = None,
) -> Ticket:
    """A ticket opened by a requester's email (`actor` the requester), or by staff taking
    in a mail from someone unknown (naming its requester and organisation)."""
    title = subject.strip()[:TITLE_LIMIT]
    data = schemas.TicketCreate(
        title=title if len(title) >= 3 else NO_SUBJECT,
        description=body[:BODY_LIMIT],
        service=service,
        requester=requester,
        organisation=organisation,
    )
    return open_ticket(session, actor=actor, data=data)


def customer_reply(session: Session, *, key: str, sender: str, body: str) -> Ticket:
    """A reply by email from the ticket's requester (or another requester of its
    organisation): it joins the conversation, puts the ticket back to work and its squad
    is told."""
    ticket = _ticket(session, key)
    sender = sender.lower()
    if sender != ticket.requester.lower():
        colleague = requester_for(session, sender)
        if colleague is None or colleague.organisation != ticket.organisation:
            refusal = f"{sender} is not a requester of {ticket.organisation}"
            raise Forbidden(refusal, fields={"from": refusal})
    before = TICKET.snapshot(ticket)
    status = domain.after_customer_reply(Status(ticket.status))
    if status != ticket.status:
        reopened = ticket.status == Status.RESOLVED
        ticket.status, ticket.resolved_at = status, None
        if reopened:
            restart_sla(session, ticket)
    ticket.messages.append(TicketMessage(author=sender, body=body[:BODY_LIMIT]))
    _tell_squad(session, ticket, sender, body)
    TICKET.event(session, ticket, sender, "replied", f"{sender} replied by email")
    return TICKET.saved(session, ticket, sender, "ticket.customer_replied", before)


def _ticket(session: Session, key: str) -> Ticket:
    query = select(Ticket).where(Ticket.number == keys.parse(key, PREFIX))
    ticket = session.scalar(query.options(selectinload(Ticket.messages)))
    if ticket is None:
        raise NotFound(f"no ticket {key}")
    return ticket


def _tell_squad(session: Session, ticket: Ticket, sender: str, body: str) -> None:
    for member in catalog.get_squad(session, ticket.squad).members:
        notify.notify_person(
            session,
            person=member.email,
            kind=NoticeKind.TICKET_UPDATE,
            subject=ticket.key,
            title=f"[{ticket.key}] {sender} replied: {ticket.title}",
            body=body[:BODY_LIMIT],
            path=f"/tickets/{ticket.key}",
            dedup=f"ticket:{ticket.key}:customer-{len(ticket.messages)}",
        )


def attach(
    ticket: Ticket, *, filename: str, content_type: str, content: bytes, by: str
) -> TicketAttachment:
    """Keep a file that came with a requester's mail on their ticket."""
    attachment = TicketAttachment(
        filename=filename,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        added_by=by,
    )
    ticket.attachments.append(attachment)
    return attachment


def attachment(
    session: Session, *, actor: Principal, key: str, attachment_id: int
) -> TicketAttachment:
    """A file on a ticket the caller may see (another organisation's is not found)."""
    ticket = get(session, actor=actor, key=key)
    query = select(TicketAttachment).where(
        TicketAttachment.ticket_id == ticket.id, TicketAttachment.id == attachment_id
    )
    found = session.scalar(query.options(undefer(TicketAttachment.content)))
    if found is None:
        raise NotFound(f"{ticket.key} has no attachment {attachment_id}")
    return found

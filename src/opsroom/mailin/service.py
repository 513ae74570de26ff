"""Inbound mail, however it arrives (opsroom's SMTP listener or a fetched mailbox), takes one
path: kept raw with its Message-ID in the transaction that acts on it, automatic mail set
aside unanswered, a reply threaded onto its ticket or vendor engagement, a requester's new
mail opened as a ticket, and anything else held for staff to accept or discard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.desk import inbound as desk
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import Conflict, NotFound, OpsroomError, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.mailin import domain, schemas
from opsroom.mailin.domain import Mail, Outcome
from opsroom.mailin.models import InboundMail
from opsroom.vendors import domain as vendor_domain
from opsroom.vendors import service as vendors

SUBJECT = "mail"


def known(session: Session, message_id: str) -> bool:
    query = select(InboundMail.id).where(InboundMail.message_id == message_id)
    return session.scalar(query) is not None


def receive(session: Session, raw: bytes, *, via: str) -> InboundMail:
    """Keep the mail and act on it; a mail already received is not acted on again."""
    message_id = domain.message_id_of(raw)
    existing = session.scalar(select(InboundMail).where(InboundMail.message_id == message_id))
    if existing is not None:
        return existing
    row = InboundMail(message_id=message_id, via=via, raw=raw, outcome=Outcome.HELD)
    session.add(row)
    session.flush()  # a second worker receiving the same mail fails here, acting on nothing
    try:
        mail = domain.parse(raw)
    except domain.Malformed as exc:
        row.outcome, row.reason = Outcome.MALFORMED, str(exc)
        return row
    row.sender, row.subject, row.text = mail.sender, mail.subject[:300], mail.text
    reason = mail.automatic or _flooding(session, mail.sender)
    if reason:
        row.outcome, row.reason = Outcome.LOOP, reason
        return row
    _act(session, row, mail)
    return row


def _flooding(session: Session, sender: str) -> str | None:
    since = clock.now() - timedelta(hours=1)
    query = select(func.count(InboundMail.id)).where(
        InboundMail.sender == sender, InboundMail.received_at >= since
    )
    most = settings_of(session).mail_sender_limit_per_hour
    return domain.flooding(session.scalar(query) or 0, most)


def _act(session: Session, row: InboundMail, mail: Mail) -> None:
    """Thread, open or hold; a refusal leaves nothing of the attempt behind (a savepoint)."""
    thread = domain.thread_of(mail, settings_of(session).signing_secret.get_secret_value())
    try:
        with session.begin_nested():
            if thread and thread.startswith(f"{vendor_domain.ENGAGEMENT_PREFIX}-"):
                _vendor_reply(session, row, mail, thread)
            elif thread:
                _ticket_reply(session, row, mail, thread)
            else:
                _new_ticket(session, row, mail)
    except OpsroomError as exc:
        row.outcome, row.reason, row.subject_key = Outcome.HELD, exc.message, thread


def _vendor_reply(session: Session, row: InboundMail, mail: Mail, key: str) -> None:
    text = domain.reply_text(mail.text)
    vendors.acknowledge_by_reply(session, key=key, sender=mail.sender, text=text)
    row.outcome, row.subject_key = Outcome.VENDOR_REPLY, key


def _ticket_reply(session: Session, row: InboundMail, mail: Mail, key: str) -> None:
    ticket = desk.customer_reply(
        session, key=key, sender=mail.sender, body=domain.reply_text(mail.text)
    )
    _kept_files(session, row, ticket, mail)
    row.outcome, row.subject_key = Outcome.REPLY, ticket.key


def _new_ticket(session: Session, row: InboundMail, mail: Mail) -> None:
    requester = desk.requester_for(session, mail.sender)
    if requester is None:
        raise NotFound(f"{mail.sender} is not a known requester")
    ticket = desk.ticket_from_mail(
        session, actor=requester, subject=mail.subject, body=mail.text, service=_service(session)
    )
    _kept_files(session, row, ticket, mail)
    row.outcome, row.subject_key = Outcome.TICKET_OPENED, ticket.key


def _service(session: Session) -> str:
    service = settings_of(session).mail_service
    if not service:
        raise ValidationFailed(
            "no service takes tickets by email (OPSROOM_MAIL_SERVICE)",
            fields={"service": "not configured"},
        )
    return service


def _kept_files(session: Session, row: InboundMail, ticket: desk.Ticket, mail: Mail) -> None:
    """Keep the files the settings take; the others are named in the mail's reason."""
    settings = settings_of(session)
    refused = []
    for attachment in mail.attachments:
        refusal = domain.refusal(
            attachment,
            most_bytes=settings.mail_attachment_max_bytes,
            types=settings.mail_attachment_types,
        )
        if refusal:
            refused.append(refusal)
            continue
        desk.attach(
            ticket,
            filename=attachment.filename,
            content_type=attachment.content_type,
            content=attachment.content,
            by=mail.sender,
        )
    row.reason = "; ".join(f"not kept: {r}" for r in refused)


# --- what staff see and do -------------------------------------------------------------


def listing(
    session: Session,
    *,
    actor: Principal,
    outcome: Sequence[Outcome] = (),
    limit: int = 50,
    cursor: str | None = None,
) -> Page[InboundMail]:
    require(actor, Action.WORK_INCIDENTS)
    query = select(InboundMail)
    if outcome:
        query = query.where(InboundMail.outcome.in_(list(outcome)))
    return paginate(session, query, InboundMail.id, limit=limit, cursor=cursor, descending=True)


def counts(session: Session, *, actor: Principal) -> dict[str, int]:
    """How many mails came to each outcome: loops and held mail at a glance."""
    require(actor, Action.WORK_INCIDENTS)
    query = select(InboundMail.outcome, func.count()).group_by(InboundMail.outcome)
    found: dict[str, int] = dict(session.execute(query).all())
    return {outcome.value: found.get(outcome.value, 0) for outcome in Outcome}


def get(session: Session, *, actor: Principal, mail_id: int) -> InboundMail:
    require(actor, Action.WORK_INCIDENTS)
    row = session.get(InboundMail, mail_id)
    if row is None:
        raise NotFound(f"no inbound mail {mail_id}")
    return row


def _held(session: Session, actor: Principal, mail_id: int) -> InboundMail:
    row = get(session, actor=actor, mail_id=mail_id)
    if row.outcome != Outcome.HELD:
        raise Conflict(f"mail {mail_id} is {row.outcome}, not held", fields={"mail": row.outcome})
    return row


def accept(
    session: Session, *, actor: Principal, mail_id: int, data: schemas.AcceptIn
) -> InboundMail:
    """Take a held mail in as a ticket from its sender, for the organisation staff name
    (about the service they name, or the one mail is configured for)."""
    row = _held(session, actor, mail_id)
    mail = domain.parse(row.raw)
    ticket = desk.ticket_from_mail(
        session,
        actor=actor,
        subject=mail.subject,
        body=mail.text,
        service=data.service or _service(session),
        requester=mail.sender,
        organisation=data.organisation,
    )
    _kept_files(session, row, ticket, mail)
    row.outcome, row.subject_key, row.handled_by = Outcome.ACCEPTED, ticket.key, str(actor)
    _audited(session, row, actor, "mail.accepted")
    return row


def discard(session: Session, *, actor: Principal, mail_id: int) -> InboundMail:
    row = _held(session, actor, mail_id)
    row.outcome, row.handled_by = Outcome.DISCARDED, str(actor)
    _audited(session, row, actor, "mail.discarded")
    return row


def _audited(session: Session, row: InboundMail, actor: Principal, action: str) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type=SUBJECT,
        subject_key=str(row.id),
        after={"sender": row.sender, "outcome": row.outcome, "ticket": row.subject_key},
    )

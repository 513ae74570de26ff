"""Contact methods, notification rules and the outbox: a page is written with its cause and
handed to its channel by the worker after commit, retried with backoff, every attempt on the
incident's timeline."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from opsroom import clock
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.config import Settings
from opsroom.errors import NotFound
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import channels, domain, schemas
from opsroom.notify.domain import Channel, Delivery, Message
from opsroom.notify.models import ContactMethod, NotificationRule, OutboxMessage
from opsroom.pagination import Page, paginate

DELIVER_TIMER = "notify.deliver"
INCIDENT = "incident"


def settings_of(session: Session) -> Settings:
    settings: Settings = session.info["settings"]
    return settings


# --- contact methods and rules ------------------------------------------------------------


def _may_edit(actor: Principal, person: str) -> None:
    require(actor, Action.SELF_SERVICE if actor.name == person else Action.ADMINISTER)


def add_contact_method(
    session: Session, *, actor: Principal, person: str, data: schemas.ContactMethodIn
) -> ContactMethod:
    _may_edit(actor, person)
    method = ContactMethod(person=person, kind=data.kind, address=data.address, label=data.label)
    session.add(method)
    session.flush()
    _audit(session, actor, "contact_method.added", person, {"kind": data.kind, "label": data.label})
    return method


def contact_methods(session: Session, *, actor: Principal, person: str) -> list[ContactMethod]:
    require(actor, Action.READ)
    query = select(ContactMethod).where(ContactMethod.person == person).order_by(ContactMethod.id)
    return list(session.scalars(query))


def add_rule(
    session: Session, *, actor: Principal, person: str, data: schemas.RuleIn
) -> NotificationRule:
    _may_edit(actor, person)
    method = session.get(ContactMethod, data.contact_method)
    if method is None or method.person != person:
        raise NotFound(f"{person} has no contact method {data.contact_method}")
    rule = NotificationRule(person=person, contact_method=method, delay_minutes=data.delay_minutes)
    session.add(rule)
    session.flush()
    _audit(
        session,
        actor,
        "notification_rule.added",
        person,
        {"contact_method": method.id, "delay_minutes": data.delay_minutes},
    )
    return rule


def rules(session: Session, *, actor: Principal, person: str) -> list[NotificationRule]:
    require(actor, Action.READ)
    query = select(NotificationRule).where(NotificationRule.person == person)
    return list(
        session.scalars(query.order_by(NotificationRule.delay_minutes, NotificationRule.id))
    )


def _audit(
    session: Session, actor: Principal, action: str, person: str, after: dict[str, Any]
) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type="person",
        subject_key=person,
        after=after,
    )


# --- paging -------------------------------------------------------------------------------


def _routes(session: Session, person: str) -> list[tuple[Channel, str, int]]:
    """(channel, address, delay in minutes) a page to this person goes out on. Without rules,
    every contact method at once; without contact methods, email to the account's address."""
    chosen = session.scalars(select(NotificationRule).where(NotificationRule.person == person))
    routes = [
        (Channel(r.contact_method.kind), r.contact_method.address, r.delay_minutes) for r in chosen
    ]
    if routes:
        return routes
    methods = session.scalars(select(ContactMethod).where(ContactMethod.person == person))
    return [(Channel(m.kind), m.address, 0) for m in methods] or [(Channel.EMAIL, person, 0)]


def message_for(
    session: Session, *, incident: str, priority: str, summary: str, person: str, reason: str = ""
) -> Message:
    settings = settings_of(session)
    token = domain.ack_token(
        settings.signing_secret.get_secret_value(), incident=incident, person=person
    )
    base = settings.base_url.rstrip("/")
    return Message(
        incident=incident,
        priority=priority,
        summary=summary,
        link=f"{base}/incidents/{incident}",
        ack_link=f"{base}/oncall/ack?incident={incident}&person={person}&token={token}",
        reason=reason,
    )


def page(
    session: Session, *, person: str, message: Message, dedup: str, incident: str | None
) -> list[OutboxMessage]:
    """Queue a page to one person on every route their rules name; the same `dedup` never
    queues twice. Returns the new outbox rows."""
    now = clock.now()
    queued = []
    for n, (channel, address, delay) in enumerate(_routes(session, person)):
        key = f"{dedup}:{person}:{n}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
            continue
        queued.append(
            _enqueue(
                session,
                key,
                channel,
                address,
                person,
                incident,
                message,
                now + timedelta(minutes=delay),
            )
        )
    return queued


def _enqueue(
    session: Session, key: str, channel: Channel, address: str, person: str,
    incident: str | None, message: Message, due_at: datetime,
) -> OutboxMessage:  # fmt: skip
    row = OutboxMessage(
        dedup_key=key, channel=channel, address=address, person=person, incident_key=incident,
        message=message.as_dict(), status=Delivery.PENDING, due_at=due_at,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _schedule_attempt(session, row, due_at)
    return row


def _schedule_attempt(session: Session, row: OutboxMessage, due_at: datetime) -> None:
    jobs.schedule(
        session,
        kind=DELIVER_TIMER,
        subject=f"outbox:{row.id}",
        due_at=due_at,
        payload={"id": row.id},
        dedup_key=f"outbox:{row.id}:{row.attempts}",
    )


def cancel_waiting(session: Session, *, incident: str) -> int:
    """An acknowledged or resolved incident needs no follow-up pages: drop those not yet due."""
    now = clock.now()
    waiting = list(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.incident_key == incident,
                OutboxMessage.status == Delivery.PENDING,
                OutboxMessage.due_at > now,
            )
        )
    )
    for row_id in waiting:
        jobs.cancel(session, subject=f"outbox:{row_id}")
    if waiting:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(waiting))
            .values(status=Delivery.CANCELLED)
        )
    return len(waiting)


# --- delivery (the worker) ----------------------------------------------------------------


@jobs.handles(DELIVER_TIMER)
def _deliver(session: Session, timer: Due) -> None:
    row = session.get(OutboxMessage, timer.payload["id"], with_for_update=True)
    if row is None or row.status != Delivery.PENDING:
        return
    row.attempts += 1
    try:
        channels.send(
            settings_of(session), Channel(row.channel), row.address, Message(**row.message)
        )
    except channels.DeliveryFailed as failure:
        _failed(session, row, failure)
        return
    row.status, row.sent_at, row.last_error = Delivery.SENT, clock.now(), None
    _timeline(
        session,
        row,
        "page_sent",
        f"Paged {row.person} by {row.channel}, delivered {row.sent_at:%H:%M:%S} UTC",
    )


def _failed(session: Session, row: OutboxMessage, failure: channels.DeliveryFailed) -> None:
    row.last_error = str(failure)[:2000]
    if domain.gives_up(row.attempts, permanent=failure.permanent):
        row.status = Delivery.FAILED
        _timeline(
            session,
            row,
            "page_failed",
            f"Page to {row.person} by {row.channel} failed for good after {row.attempts} attempt(s): {failure}",
        )
        return
    retry_at = clock.now() + domain.retry_delay(row.attempts)
    _schedule_attempt(session, row, retry_at)
    _timeline(
        session,
        row,
        "page_retry",
        f"Page to {row.person} by {row.channel} failed (attempt {row.attempts}): {failure}; retrying at {retry_at:%H:%M:%S} UTC",
    )


def _timeline(session: Session, row: OutboxMessage, kind: str, text: str) -> None:
    if row.incident_key:
        audit.add_event(
            session, subject_type=INCIDENT, subject_key=row.incident_key, actor="opsroom",
            kind=kind, text=text, data={"outbox": row.id, "channel": row.channel},
        )  # fmt: skip


# --- reading ------------------------------------------------------------------------------


def log(
    session: Session,
    *,
    actor: Principal,
    incident: str | None = None,
    person: str | None = None,
    status: Delivery | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[OutboxMessage]:
    require(actor, Action.READ)
    query = select(OutboxMessage)
    if incident:
        query = query.where(OutboxMessage.incident_key == incident)
    if person:
        query = query.where(OutboxMessage.person == person)
    if status:
        query = query.where(OutboxMessage.status == status)
    return paginate(session, query, OutboxMessage.id, limit=limit, cursor=cursor, descending=True)


def pages_received(
    session: Session, *, since: datetime, until: datetime | None = None
) -> dict[str, int]:
    """Distinct incidents each person was paged for since a moment (and before `until`): a
    fairness figure."""
    query = (
        select(OutboxMessage.person, func.count(func.distinct(OutboxMessage.incident_key)))
        .where(OutboxMessage.created_at >= since, OutboxMessage.status == Delivery.SENT)
        .group_by(OutboxMessage.person)
    )
    if until is not None:
        query = query.where(OutboxMessage.created_at < until)
    return {person: int(count) for person, count in session.execute(query)}


def import_history(
    session: Session, *, actor: Principal, entries: list[schemas.PastNotification]
) -> int:
    """Record pages sent elsewhere before (another paging tool's history), so fairness figures
    and the log start complete. Nothing is sent. Returns how many were new."""
    require(actor, Action.ADMINISTER)
    added = 0
    for e in entries:
        key = f"imported:{e.incident}:{e.person}:{e.sent_at.isoformat()}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
            continue
        session.add(OutboxMessage(
            dedup_key=key, channel=e.channel, address=e.address, person=e.person, incident_key=e.incident,
            message={"incident": e.incident, "priority": "", "summary": "", "link": "", "ack_link": ""},
            status=e.status, attempts=e.attempts, due_at=e.sent_at, created_at=e.sent_at,
            sent_at=e.sent_at if e.status == Delivery.SENT else None, last_error=e.error,
        ))  # fmt: skip
        added += 1
    return added

"""The outbox: a page or a notice is written with its cause and handed to its channel by the
worker after commit, retried with backoff, every attempt on the incident's timeline. Contact
methods and notification rules are edited in contacts.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.pagination import Page, paginate
from opsroom.notify import domain, schemas, subscriptions, twiml
from opsroom.notify.contacts import add_contact_method as add_contact_method
from opsroom.notify.contacts import add_rule as add_rule
from opsroom.notify.contacts import clear_quiet_hours as clear_quiet_hours
from opsroom.notify.contacts import contact_methods as contact_methods
from opsroom.notify.contacts import quiet_hours as quiet_hours
from opsroom.notify.contacts import remove_contact_method as remove_contact_method
from opsroom.notify.contacts import remove_rule as remove_rule
from opsroom.notify.contacts import rules as rules
from opsroom.notify.contacts import set_quiet_hours as set_quiet_hours
from opsroom.notify.contacts import update_contact_method as update_contact_method
from opsroom.notify.contacts import update_rule as update_rule
from opsroom.notify.domain import Channel, Delivery, Message, Notice, NoticeKind, Urgency
from opsroom.notify.models import (
    ContactMethod,
    NotificationRule,
    OutboxMessage,
    QuietHours,
    Subscription,
)

PAGE = Message.event
INCIDENT = "incident"


# --- paging -------------------------------------------------------------------------------


Route = tuple[Channel, str, int]
Routes = list[tuple[Urgency, Route]]  # each route with the urgency of the pages it is for
VERIFIED = ContactMethod.verified_at.is_not(None)


def _routes(session: Session, people: Iterable[str]) -> dict[str, Routes]:
    """(urgency, (channel, address, delay in minutes)) a page to each person may go out on.
    Without rules, every verified contact method at once; without any, email to the
    account's address."""
    people = set(people)
    chosen: dict[str, Routes] = {}
    rules = (
        select(NotificationRule)
        .join(NotificationRule.contact_method)
        .where(NotificationRule.person.in_(people), VERIFIED)
    )
    for r in session.scalars(rules.order_by(NotificationRule.id)):
        method = r.contact_method
        route = (Channel(method.kind), method.address, r.delay_minutes)
        chosen.setdefault(r.person, []).append((Urgency(r.urgency), route))
    every: dict[str, Routes] = {}
    methods = select(ContactMethod).where(ContactMethod.person.in_(people - set(chosen)), VERIFIED)
    for m in session.scalars(methods.order_by(ContactMethod.id)):
        every.setdefault(m.person, []).append((Urgency.ANY, (Channel(m.kind), m.address, 0)))
    fallback: Routes = []
    return {p: chosen.get(p) or every.get(p) or fallback for p in people}


def _routes_for(routes: Routes, person: str, urgency: Urgency) -> list[Route]:
    """The routes of a page of this urgency: email to the account when no rule is for it."""
    fitting = [route for applies, route in routes if domain.rule_applies(applies, urgency)]
    return fitting or [(Channel.EMAIL, person, 0)]


def _quiet_hours(session: Session, people: Iterable[str]) -> dict[str, domain.QuietHours]:
    query = select(QuietHours).where(QuietHours.person.in_(set(people)))
    return {
        q.person: domain.QuietHours(q.start, q.end, q.time_zone) for q in session.scalars(query)
    }


def message_for(
    session: Session,
    *,
    incident: str,
    priority: str,
    summary: str,
    person: str,
    reason: str = "",
    urgency: Urgency = Urgency.HIGH,
) -> Message:
    settings = settings_of(session)
    secret = settings.signing_secret.get_secret_value()
    token = domain.ack_token(secret, incident=incident, person=person)
    base = settings.base_url.rstrip("/")
    return Message(
        incident=incident,
        priority=priority,
        summary=summary,
        link=f"{base}/incidents/{incident}",
        ack_link=f"{base}/oncall/ack?incident={incident}&person={person}&token={token}",
        reason=reason,
        reply_code=domain.reply_code(secret, incident=incident, person=person),
        urgency=urgency,
    )


@dataclass(frozen=True)
class PageRequest:
    """A page (or a notice) to queue for one person; `dedup` keeps it from queuing twice.
    A low-urgency page waits out the person's `quiet` hours."""

    person: str
    message: domain.Sendable
    dedup: str
    incident: str | None
    quiet: domain.QuietHours | None = None


def page(
    session: Session, *, person: str, message: Message, dedup: str, incident: str | None
) -> int:
    """Queue a page to one person on every route their rules name; the same `dedup` never
    queues twice. Returns how many outbox rows are new."""
    return page_all(session, [PageRequest(person, message, dedup, incident)])


def page_all(session: Session, requests: Sequence[PageRequest]) -> int:
    """Queue many pages with one round of queries for all of them (routes, quiet hours,
    duplicates)."""
    people = {r.person for r in requests}
    routes, quiet = _routes(session, people), _quiet_hours(session, people)
    return _queue_all(
        session,
        [
            (
                replace(r, quiet=quiet.get(r.person)),
                _routes_for(routes[r.person], r.person, Urgency(r.message.urgency)),
            )
            for r in requests
        ],
    )


def queue_on(session: Session, request: PageRequest, routes: list[Route]) -> int:
    """Queue one page or notice on the routes given, whatever the person's rules say."""
    return _queue_all(session, [(request, routes)])


def _queue_all(session: Session, requests: Sequence[tuple[PageRequest, list[Route]]]) -> int:
    """Queue each request on each of its routes, skipping the (dedup, person, route) already
    queued, in one statement; returns how many rows are new."""
    wanted = {
        f"{r.dedup}:{r.person}:{n}": (r, route)
        for r, routes in requests
        for n, route in enumerate(routes)
    }
    taken = select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(wanted))
    new = wanted.keys() - set(session.scalars(taken))
    now = clock.now()
    rows = [
        {
            "dedup_key": key,
            "channel": channel,
            "kind": r.message.event,
            "address": address,
            "person": r.person,
            "incident_key": r.incident,
            "message": r.message.as_dict(),
            "status": Delivery.PENDING,
            "attempts": 0,
            "due_at": domain.page_due(
                now, timedelta(minutes=delay), Urgency(r.message.urgency), r.quiet
            ),
            "created_at": now,
        }
        for key, (r, (channel, address, delay)) in wanted.items()
        if key in new
    ]
    if rows:
        session.execute(insert(OutboxMessage), rows)
    return len(rows)


# --- notices: stakeholder status updates and reminders -------------------------------------


def link_to(session: Session, path: str) -> str:
    return settings_of(session).base_url.rstrip("/") + path


def _notice_routes(session: Session, person: str) -> list[Route]:
    """A notice reaches a person on each contact method at once (rule delays are for pages);
    without contact methods, by email to the account's address."""
    query = select(ContactMethod).where(ContactMethod.person == person, VERIFIED)
    methods = session.scalars(query.order_by(ContactMethod.id))
    return [(Channel(m.kind), m.address, 0) for m in methods] or [(Channel.EMAIL, person, 0)]


def notify_person(
    session: Session,
    *,
    person: str,
    kind: NoticeKind,
    subject: str,
    title: str,
    body: str,
    path: str,
    dedup: str,
    incident: str | None = None,
    thread: str | None = None,
    unsubscribe_path: str = "",
) -> int:
    """Queue a notice (a reminder, nothing to acknowledge) to one person; once per `dedup`.
    With `thread` (a key), a reply to its email is taken to be about that key."""
    secret = settings_of(session).signing_secret.get_secret_value()
    notice = Notice(
        kind=kind,
        subject=subject,
        title=title,
        body=body,
        link=link_to(session, path),
        thread=domain.thread_tag(secret, thread) if thread else "",
        unsubscribe_link=link_to(session, unsubscribe_path) if unsubscribe_path else "",
    )
    request = PageRequest(person, notice, dedup, incident)
    return _queue_all(session, [(request, _notice_routes(session, person))])


def _unsubscribe_link(session: Session, subscription: Subscription) -> str:
    secret = settings_of(session).signing_secret.get_secret_value()
    token = domain.unsubscribe_token(secret, subscription=subscription.id)
    return link_to(session, f"/subscriptions/unsubscribe?id={subscription.id}&token={token}")


def tell_stakeholders(session: Session, *, news: schemas.IncidentNews) -> int:
    """Queue the incident's news to everyone subscribed to an affected service or a journey
    through one who hears its audience, once per subscriber and occasion. Returns how many
    subscribers it reaches."""
    concerned = subscriptions.concerned(session, news.services, news.audience)
    for subscription in concerned:
        notice = Notice(
            kind=NoticeKind.STATUS_UPDATE,
            subject=news.key,
            body=news.body,
            title=f"[{news.priority}] {news.key} {news.headline}: {news.title}",
            link=link_to(session, f"/incidents/{news.key}"),
            unsubscribe_link=_unsubscribe_link(session, subscription),
        )
        routes = (
            _notice_routes(session, subscription.subscriber)
            if subscription.person
            else [(Channel.EMAIL, subscription.subscriber, 0)]
        )
        dedup = f"stakeholders:{news.key}:{news.occasion}"
        request = PageRequest(subscription.subscriber, notice, dedup, news.key)
        _queue_all(session, [(request, routes)])
    return len(concerned)


def cancel_waiting(session: Session, *, incident: str) -> int:
    """An acknowledged or resolved incident needs no follow-up pages: drop those not yet due."""
    waiting = (
        update(OutboxMessage)
        .where(
            OutboxMessage.incident_key == incident,
            OutboxMessage.status == Delivery.PENDING,
            OutboxMessage.due_at > clock.now(),
        )
        .values(status=Delivery.CANCELLED)
    )
    return int(session.execute(waiting).rowcount)  # type: ignore[attr-defined]


# --- answers from the phone: SMS delivery reports and replies ------------------------------


def record_receipt(session: Session, *, delivery: int, report: int) -> bool:
    """Put a gateway's delivery report for an SMS on its incident's timeline; whether the
    report named an SMS this opsroom sent and a report type it knows."""
    meaning = domain.SMS_REPORT_MEANINGS.get(report)
    return _received(session, delivery, meaning, failed=report in domain.SMS_FAILED_REPORTS)


def record_status(session: Session, *, delivery: int, status: str) -> bool:
    """The same for Twilio's status callback of an SMS it sent (MessageStatus)."""
    meaning = twiml.STATUS_MEANINGS.get(status)
    return _received(session, delivery, meaning, failed=status in twiml.FAILED_STATUSES)


def _received(session: Session, delivery: int, meaning: str | None, *, failed: bool) -> bool:
    row = session.get(OutboxMessage, delivery)
    if row is None or row.channel != Channel.SMS or meaning is None:
        return False
    if failed:
        row.last_error = f"SMS {meaning}"
    if row.incident_key:
        text = f"SMS to {row.person} {meaning}"
        data = {"outbox": row.id, "channel": row.channel, "receipt": meaning}
        audit.add_events(
            session, [audit.Event(INCIDENT, row.incident_key, "page_receipt", text, data)]
        )
    return True


def page_called(session: Session, *, delivery: int) -> tuple[str, str] | None:
    """(person, incident) of the voice page a keypress answers, while it may still act."""
    row = session.get(OutboxMessage, delivery)
    live = clock.now() - domain.REPLY_CODE_LIFETIME
    if row is None or (row.channel, row.kind) != (Channel.VOICE, PAGE) or row.created_at < live:
        return None
    return (row.person, row.incident_key) if row.incident_key else None


def person_with_number(session: Session, number: str) -> str | None:
    """Whose SMS contact method has this number (E.164), if anyone's."""
    query = select(ContactMethod.person).where(
        ContactMethod.kind == Channel.SMS, ContactMethod.address == number, VERIFIED
    )
    return session.scalars(query.order_by(ContactMethod.id)).first()


def page_replied_to(session: Session, *, person: str, code: str) -> str | None:
    """The incident of the person's own SMS page that `code` answers, while the code lives."""
    secret = settings_of(session).signing_secret.get_secret_value()
    query = select(OutboxMessage.incident_key).where(
        OutboxMessage.person == person,
        OutboxMessage.channel == Channel.SMS,
        OutboxMessage.kind == PAGE,
        OutboxMessage.incident_key.is_not(None),
        OutboxMessage.created_at > clock.now() - domain.REPLY_CODE_LIFETIME,
    )
    for incident in session.scalars(query.distinct()):
        if incident and domain.reply_code(secret, incident=incident, person=person) == code:
            return incident
    return None


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
        .where(
            OutboxMessage.created_at >= since,
            OutboxMessage.status == Delivery.SENT,
            OutboxMessage.kind == PAGE,
        )
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
        page = Message(incident=e.incident, priority="", summary="", link="", ack_link="")
        added += record_past(
            session,
            dedup=f"imported:{e.incident}:{e.person}:{e.sent_at.isoformat()}",
            person=e.person,
            channel=e.channel,
            address=e.address,
            message=page,
            incident=e.incident,
            at=e.sent_at,
            status=e.status,
            attempts=e.attempts,
            error=e.error,
        )
    return added


def record_past(
    session: Session,
    *,
    dedup: str,
    person: str,
    channel: Channel,
    address: str,
    message: domain.Sendable,
    incident: str | None,
    at: datetime,
    status: Delivery = Delivery.SENT,
    attempts: int = 1,
    error: str | None = None,
) -> bool:
    """Record a notification that went out before (nothing is sent); whether it was new."""
    if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup)):
        return False
    session.add(
        OutboxMessage(
            dedup_key=dedup,
            channel=channel,
            kind=message.event,
            address=address,
            person=person,
            incident_key=incident,
            message=message.as_dict(),
            status=status,
            attempts=attempts,
            due_at=at,
            created_at=at,
            sent_at=at if status == Delivery.SENT else None,
            last_error=error,
        )
    )
    return True


def last_queued(session: Session) -> int:
    """The id of the newest notification queued so far (0 when none)."""
    return session.scalar(select(func.max(OutboxMessage.id))) or 0


def record_as_sent(session: Session, *, after: int) -> int:
    """Record the notifications queued after `after` (an id from `last_queued`) that still
    wait as sent when they were due, sending nothing: a story told of the past, the demo's,
    is not news to deliver now. Returns how many."""
    waiting = (OutboxMessage.id > after) & (OutboxMessage.status == Delivery.PENDING)
    told = (
        update(OutboxMessage)
        .where(waiting)
        .values(status=Delivery.SENT, sent_at=OutboxMessage.due_at, attempts=1)
    )
    return int(session.execute(told).rowcount)  # type: ignore[attr-defined]


def delivery_counts(session: Session) -> dict[str, int]:
    """Outbox messages by delivery status (pending, sent, failed, cancelled)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {str(status): int(n) for status, n in session.execute(query)}

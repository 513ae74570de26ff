"""On-call for the demo platforms: a weekly rotation per squad (one squad covered in business
hours only, so the calendar shows gaps), a default escalation policy per squad, contact
methods, and a notification history for the recent incidents."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.incidents.models import Incident
from opsroom.infra.db import settings_of
from opsroom.infra.errors import NotFound
from opsroom.notify import codes, verification
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel, Delivery
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall

ZONE = "Europe/Amsterdam"
SMS_AFTER_MINUTES = 2
BUSINESS_HOURS_SQUAD_INDEX = -1  # the last squad is covered in business hours only
HISTORY = 40  # recent incidents given a page record


def load(session: Session, *, actor: Principal, now: datetime) -> int:
    """Schedules and policies for squads without them; how many schedules were created."""
    squads = catalog.list_squads(session)
    created = 0
    for n, squad in enumerate(squads):
        people = [m.email for m in squad.members]
        if not people or _exists(session, actor, f"{squad.slug}-primary"):
            continue
        restricted = n == len(squads) + BUSINESS_HOURS_SQUAD_INDEX
        _schedule(session, actor, squad.slug, squad.name, people, now, restricted)
        _policy(session, actor, squad.slug, squad.name, people)
        created += 1
    if created:
        _history(session, actor)
    return created


def _exists(session: Session, actor: Principal, slug: str) -> bool:
    try:
        oncall.get_schedule(session, actor=actor, slug=slug)
    except NotFound:
        return False
    return True


def _schedule(
    session: Session,
    actor: Principal,
    squad: str,
    name: str,
    people: list[str],
    now: datetime,
    restricted: bool,
) -> None:
    monday = (now - timedelta(days=now.weekday() + 28)).date()
    layer = schemas.LayerIn.model_validate(
        {
            "name": "weekly",
            "participants": people,
            "zone": ZONE,
            "start": datetime.combine(monday, time(9), tzinfo=ZoneInfo(ZONE)).isoformat(),
            "restrictions": [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}]
            if restricted
            else [],
        }
    )
    data = schemas.ScheduleCreate(
        slug=f"{squad}-primary", name=f"{name} primary", squad=squad, zone=ZONE, layers=[layer]
    )
    oncall.create_schedule(session, actor=actor, data=data)


def _policy(session: Session, actor: Principal, squad: str, name: str, people: list[str]) -> None:
    data = schemas.PolicyCreate.model_validate(
        {
            "slug": squad,
            "name": f"{name} default",
            "squad": squad,
            "squad_default": True,
            "repeats": 1,
            "levels": [
                {"targets": [{"kind": "squad", "ref": squad}], "timeout_minutes": 5},
                {"targets": [{"kind": "person", "ref": people[0]}], "timeout_minutes": 10},
            ],
        }
    )
    oncall.create_policy(session, actor=actor, data=data)
    for person in people:
        notify.add_contact_method(
            session,
            actor=actor,
            person=person,
            data=notify_schemas.ContactMethodIn(kind=Channel.EMAIL, address=person, label="work"),
        )
    _woken_by_sms(session, actor, people[0])


def _woken_by_sms(session: Session, actor: Principal, person: str) -> None:
    """The squad's first person carries a phone: email at once, SMS after 2 minutes."""
    email, *others = notify.contact_methods(session, actor=actor, person=person)
    if any(m.kind == Channel.SMS for m in others):
        return  # first of another squad too
    sms = notify.add_contact_method(
        session,
        actor=actor,
        person=person,
        data=notify_schemas.ContactMethodIn(
            kind=Channel.SMS, address=f"+2782555{len(person) % 100:04d}", label="pager phone"
        ),
    )
    _verified(session, actor, person, sms.id)
    for method, delay in ((email, 0), (sms, SMS_AFTER_MINUTES)):
        rule = notify_schemas.RuleIn(contact_method=method.id, delay_minutes=delay)
        notify.add_rule(session, actor=actor, person=person, data=rule)


def _verified(session: Session, actor: Principal, person: str, method_id: int) -> None:
    """The phone's owner names back the code texted to it, as they would on their settings."""
    method = verification.send_code(session, actor=actor, person=person, method_id=method_id)
    assert method.verification_sent_at is not None
    code = codes.verification_code(
        settings_of(session).signing_secret.get_secret_value(),
        method=method.id,
        address=method.address,
        sent_at=method.verification_sent_at,
    )
    verification.confirm(session, actor=actor, person=person, method_id=method_id, code=code)


def _history(session: Session, actor: Principal) -> None:
    """Who was paged for the recent incidents, as the paging tool before opsroom recorded it."""
    recent = incidents.search(session, actor=actor, limit=HISTORY).items
    entries = []
    for n, incident in enumerate(recent):
        on_call = oncall.on_call(
            session, actor=actor, squad=incident.services[0].owner_squad, at=incident.detected_at
        )
        person = next((o.person for o in on_call if o.person), None)
        if person is None:
            continue
        failed = n % 13 == 5
        entries.append(
            notify_schemas.PastNotification(
                incident=incident.key,
                person=person,
                channel=Channel.EMAIL,
                address=person,
                status=Delivery.FAILED if failed else Delivery.SENT,
                attempts=6 if failed else 1,
                sent_at=incident.detected_at + timedelta(seconds=4 + n % 9),
                error="SMTPRecipientsRefused: mailbox unavailable" if failed else None,
            )
        )
    notify.import_history(session, actor=actor, entries=entries)
    _acknowledged_by_sms(session, actor, recent)


def _acknowledged_by_sms(session: Session, actor: Principal, recent: list[Incident]) -> None:
    """One recent incident its on-call person acknowledged by answering the SMS page."""
    for incident in recent:
        on_call = oncall.on_call(
            session, actor=actor, squad=incident.services[0].owner_squad, at=incident.detected_at
        )
        person = next((o.person for o in on_call if o.person), None)
        methods = notify.contact_methods(session, actor=actor, person=person) if person else []
        number = next((m.address for m in methods if m.kind == Channel.SMS), None)
        if incident.acknowledged_at and person and number:
            _sms_story(session, incident, incident.acknowledged_at, person, number)
            return


def _sms_story(
    session: Session, incident: Incident, acknowledged: datetime, person: str, number: str
) -> None:
    """The SMS page, its delivery report and the reply that acknowledged the incident."""
    paged = max(incident.detected_at, acknowledged - timedelta(seconds=50))
    page = notify.message_for(
        session, incident=incident.key, priority="", summary=incident.title, person=person
    )
    notify.record_past(
        session,
        dedup=f"demo-sms:{incident.key}",
        person=person,
        channel=Channel.SMS,
        address=number,
        message=page,
        incident=incident.key,
        at=paged,
    )
    story = [
        ("opsroom", "page_sent", f"Paged {person} by sms, delivered {paged:%H:%M:%S} UTC", 0),
        ("opsroom", "page_receipt", f"SMS to {person} delivered to the phone", 6),
        (person, "sms_reply", f"Replied ACK {page.reply_code} by SMS", 40),
    ]
    for who, kind, text, seconds in story:
        audit.add_event(
            session,
            subject_type="incident",
            subject_key=incident.key,
            actor=who,
            kind=kind,
            text=text,
            at=paged + timedelta(seconds=seconds),
        )

"""The on-call demo: a schedule and a policy for every squad with people, once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.demo import oncall as demo
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel, Delivery
from opsroom.oncall import service as oncall
from tests import factories
from tests.conftest import DemoHistory
from tests.factories import ACTOR


def test_every_squad_gets_a_schedule_a_policy_and_a_page_history_once(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    factories.platform(session)
    people = [{"name": n.title(), "email": f"{n}@example.com"} for n in ("ann", "ben")]
    factories.squad(session, "identity", members=people)
    factories.squad(session, "search", members=people[:1])
    factories.service(session, "auth")
    data = incident_schemas.IncidentCreate(title="Slow", impact=3, urgency=3, services=["auth"])
    key = incidents.declare(session, actor=ACTOR, data=data).key
    frozen_clock.advance(timedelta(hours=1))

    assert demo.load(session, actor=ACTOR, now=clock.now()) == 2
    assert demo.load(session, actor=ACTOR, now=clock.now()) == 0
    assert [s.slug for s in oncall.list_schedules(session, actor=ACTOR)] == [
        "identity-primary",
        "search-primary",
    ]
    assert {
        p.squad_slug for p in oncall.list_policies(session, actor=ACTOR) if p.squad_default
    } == {"identity", "search"}
    coverage = oncall.coverage(session, actor=ACTOR, slug="search-primary", days=7)
    assert coverage.gap_hours == 7 * 24 - 5 * 8  # business hours only
    (page,) = notify.log(session, actor=ACTOR, incident=key).items
    assert page.status == "sent"


def test_the_demo_has_people_paged_by_sms_and_an_incident_acknowledged_by_reply(
    history: DemoHistory, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(history.settings) as s:
        demo.load(s, actor=ACTOR, now=clock.now())
        pages = notify.log(s, actor=ACTOR, limit=200).items
        (sms,) = [p for p in pages if p.channel == Channel.SMS and p.kind == "incident.page"]
        codes = [p for p in pages if p.kind == "contact.verification"]
        methods = notify.contact_methods(s, actor=ACTOR, person=sms.person)
        rules = notify.rules(s, actor=ACTOR, person=sms.person)
        timeline = audit.timeline(s, subject_type="incident", subject_key=sms.incident_key or "")
    assert sms.status == Delivery.SENT
    assert [(m.kind, m.address) for m in methods][1] == (Channel.SMS, sms.address)
    assert methods[1].verified_at is not None  # its owner named back the code texted to it
    assert sms.address in {c.address for c in codes if c.channel == Channel.SMS}
    assert [(r.contact_method.kind, r.delay_minutes) for r in rules] == [
        (Channel.EMAIL, 0),
        (Channel.SMS, 2),
    ]
    (reply,) = [e for e in timeline if e.kind == "sms_reply"]
    assert reply.actor == sms.person
    assert reply.text.startswith("Replied ACK ")

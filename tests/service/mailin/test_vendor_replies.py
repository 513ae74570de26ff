"""A vendor acknowledges its escalation by replying to the email: the response clock stops
as it would from the vendor's own view, and the reply is posted on the incident's timeline;
anyone else replying is refused and the mail held."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.mailin import service
from opsroom.mailin.domain import Outcome
from opsroom.vendors import service as vendors
from opsroom.vendors.domain import EngagementStatus
from tests.factories import ACTOR
from tests.mail import outgoing, reply_to
from tests.service.vendors.test_engagements import declared, engage

LEVEL_ONE = "desk@payflow.example.com"


def test_the_vendors_reply_acknowledges_the_engagement(
    db: Session, frozen_clock: clock.FrozenClock
) -> None:
    incident = declared(db)
    engagement = engage(db, incident)
    frozen_clock.advance(timedelta(minutes=12))
    escalation = outgoing(db, LEVEL_ONE)
    assert f"ENG-{engagement.id}." in str(escalation["Subject"])
    answer = reply_to(escalation, sender="Desk <DESK@payflow.example.com>", text="Looking now.")
    row = service.receive(db, answer, via="smtp")
    assert (row.outcome, row.subject_key) == (Outcome.VENDOR_REPLY, f"ENG-{engagement.id}")
    read = vendors.read(vendors.get(db, actor=ACTOR, engagement_id=engagement.id))
    assert (read.status, read.acknowledged_by) == (EngagementStatus.ACKNOWLEDGED, LEVEL_ONE)
    assert read.response.met is True
    texts = [e.text for e in incidents.timeline(db, actor=ACTOR, key=incident)]
    assert "Payflow replied by email: Looking now." in texts
    assert "payflow responded within the contract's response time" in texts


def test_a_later_reply_is_posted_without_acknowledging_again(db: Session) -> None:
    incident = declared(db)
    engagement = engage(db, incident)
    escalation = outgoing(db, LEVEL_ONE)
    service.receive(db, reply_to(escalation, sender=LEVEL_ONE, text="Looking now."), via="smtp")
    later = reply_to(escalation, sender="duty@payflow.example.com", text="Fix deployed.")
    assert service.receive(db, later, via="smtp").outcome == Outcome.VENDOR_REPLY
    read = vendors.read(vendors.get(db, actor=ACTOR, engagement_id=engagement.id))
    assert read.acknowledged_by == LEVEL_ONE
    texts = [e.text for e in incidents.timeline(db, actor=ACTOR, key=incident)]
    assert "Payflow replied by email: Fix deployed." in texts


def test_a_reply_from_someone_not_the_vendors_contact_is_held(db: Session) -> None:
    incident = declared(db)
    engagement = engage(db, incident)
    forwarded = reply_to(outgoing(db, LEVEL_ONE), sender="eve@evil.example", text="Ack")
    row = service.receive(db, forwarded, via="smtp")
    assert (row.outcome, row.reason) == (
        Outcome.HELD,
        "eve@evil.example is not a contact of Payflow",
    )
    read = vendors.read(vendors.get(db, actor=ACTOR, engagement_id=engagement.id))
    assert read.status is EngagementStatus.ENGAGED
    texts = [e.text for e in incidents.timeline(db, actor=ACTOR, key=incident)]
    assert not any("replied by email" in t for t in texts)

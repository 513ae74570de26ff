"""Who is woken when: notification rules by urgency, quiet hours holding back low-urgency
pages, and numbers nobody verified never texted."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.notify import schemas
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel, Urgency
from tests import factories
from tests.factories import ACTOR

ALICE = "alice@example.com"
PHONE = "+27821234567"


def _page(session: Session, urgency: Urgency, key: str = "INC-1") -> list[tuple[str, datetime]]:
    """Page alice about an incident; (channel, due) of each delivery queued."""
    message = notify.message_for(
        session, incident=key, priority="P3", summary="Slow", person=ALICE, urgency=urgency
    )
    notify.page(session, person=ALICE, message=message, dedup=key, incident=key)
    rows = notify.log(session, actor=ACTOR, incident=key, person=ALICE).items
    return sorted((r.channel, r.due_at) for r in rows if r.kind == "incident.page")


def _email_and_phone(session: Session) -> tuple[int, int]:
    data = schemas.ContactMethodIn(kind=Channel.EMAIL, address=ALICE)
    email = notify.add_contact_method(session, actor=ACTOR, person=ALICE, data=data)
    return email.id, factories.verified_contact(session, ALICE, PHONE)


def _rule(session: Session, method: int, urgency: Urgency, delay: int = 0) -> None:
    data = schemas.RuleIn(contact_method=method, delay_minutes=delay, urgency=urgency)
    notify.add_rule(session, actor=ACTOR, person=ALICE, data=data)


def test_high_urgency_texts_the_phone_low_urgency_only_mails(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    email, phone = _email_and_phone(session)
    _rule(session, email, Urgency.ANY)
    _rule(session, phone, Urgency.HIGH, delay=2)
    now = clock.now()
    high = _page(session, Urgency.HIGH, "INC-1")
    assert [c for c, _ in high] == [Channel.EMAIL, Channel.SMS]
    assert _page(session, Urgency.LOW, "INC-2") == [(Channel.EMAIL, now)]


def test_a_low_urgency_page_waits_out_the_quiet_hours_a_high_one_wakes_at_once(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    _, phone = _email_and_phone(session)
    _rule(session, phone, Urgency.ANY)
    # 09:00 UTC is 11:00 in Johannesburg: quiet from 10:00 to 13:00 local
    quiet = schemas.QuietHoursIn(start=time(10), end=time(13), time_zone="Africa/Johannesburg")
    notify.set_quiet_hours(session, actor=ACTOR, person=ALICE, data=quiet)
    assert _page(session, Urgency.LOW, "INC-1") == [
        (Channel.SMS, datetime(2026, 11, 2, 11, tzinfo=UTC))
    ]
    woken = _page(session, Urgency.HIGH, "INC-2")
    assert (Channel.SMS, clock.now()) in woken


def test_a_number_nobody_verified_is_never_paged_nor_heard(session: Session) -> None:
    data = schemas.ContactMethodIn(kind=Channel.SMS, address=PHONE)
    notify.add_contact_method(session, actor=ACTOR, person=ALICE, data=data)
    assert _page(session, Urgency.HIGH) == [(Channel.EMAIL, clock.now())]  # the account's mail
    assert notify.person_with_number(session, PHONE) is None

"""Every attempt at one delivery carries the same idempotency key, so that a receiver can
drop a repeat (a worker that died mid-send, its delivery sent again by another)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from opsroom.notify import domain
from opsroom.notify.domain import Channel, Message

PAGE = Message(
    incident="INC-7",
    priority="P1",
    summary="Checkout is down",
    link="https://ops.example.com/incidents/INC-7",
    ack_link="https://ops.example.com/oncall/ack?incident=INC-7&person=a@example.com&token=t",
    reason="Escalation level 1 of Payments",
)
KEY = domain.idempotency_key("page:INC-7:1:a@example.com:webhook")


@given(st.text(min_size=1), st.text(min_size=1))
def test_a_delivery_keeps_its_key_and_two_deliveries_never_share_one(a: str, b: str) -> None:
    assert domain.idempotency_key(a) == domain.idempotency_key(a)
    assert (domain.idempotency_key(a) == domain.idempotency_key(b)) == (a == b)


def test_the_key_names_no_person_and_fits_a_header() -> None:
    assert KEY.startswith("opsroom-") and len(KEY) == 40
    assert "example.com" not in KEY


def test_a_webhook_carries_the_key_in_its_body_and_chat_only_its_own_fields() -> None:
    assert domain.posted_body(Channel.WEBHOOK, PAGE, KEY) == {
        **domain.webhook_body(PAGE),
        "idempotency_key": KEY,
    }
    assert domain.posted_body(Channel.SLACK, PAGE, KEY) == domain.slack_body(PAGE)


def test_every_attempt_at_an_email_has_the_same_message_id_and_key() -> None:
    first, again = (
        domain.email(PAGE, sender="pager@example.com", to="a@example.com", key=KEY)
        for _ in range(2)
    )
    assert first["Message-ID"] == again["Message-ID"] == f"<{KEY}@example.com>"
    assert first[domain.IDEMPOTENCY_HEADER] == KEY


def test_a_threaded_email_keeps_its_thread_tag_in_the_stable_message_id() -> None:
    notice = domain.Notice(
        kind=domain.NoticeKind.TICKET_UPDATE,
        subject="TKT-12",
        title="Your request",
        body="We replied",
        link="https://ops.example.com/tickets/TKT-12",
        thread="TKT-12.0123456789abcdef0123",
    )
    mail = domain.email(notice, sender="desk@example.com", to="ann@acme.example", key=KEY)
    assert mail["Message-ID"] == f"<TKT-12.0123456789abcdef0123.{KEY}@example.com>"
    assert len(mail.get_all("Message-ID") or []) == 1

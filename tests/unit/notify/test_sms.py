"""SMS pages as pure rules: numbers, the text of one SMS, reply codes and replies."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.auth.domain import Principal, Role
from opsroom.notify import domain
from opsroom.notify.domain import Channel, Message, Reply, ReplyVerb

SECRET = "s3cret"


def test_a_phone_number_is_kept_in_international_form() -> None:
    assert domain.phone_number("+27 82 123 4567") == "+27821234567"
    assert domain.phone_number("+44 (20) 7946 0018") == "+442079460018"


@pytest.mark.parametrize("text", ["0821234567", "+27 12", "call me", "+999 1234567", ""])
def test_a_number_without_country_or_not_valid_is_refused(text: str) -> None:
    assert domain.phone_number(text) is None
    assert domain.address_problem(Channel.SMS, text) == domain.PHONE_PROBLEM


def test_a_number_is_masked_for_everyone_but_its_owner_and_administrators() -> None:
    alice, number = "alice@example.com", "+27821234567"
    bob = Principal(name="bob@example.com", role=Role.RESPONDER)
    admin = Principal(name="admin@example.com", role=Role.ADMIN)
    owner = Principal(name=alice, role=Role.RESPONDER)
    assert domain.address_seen_by(bob, alice, Channel.SMS, number) == "+27•••••4567"
    assert domain.address_seen_by(owner, alice, Channel.SMS, number) == number
    assert domain.address_seen_by(admin, alice, Channel.SMS, number) == number
    assert domain.address_seen_by(bob, alice, Channel.EMAIL, alice) == alice


def _page(summary: str, code: str = "4821") -> Message:
    return Message("INC-42", "P1", summary, "http://x/incidents/INC-42", "http://x/ack", "", code)


def test_an_sms_page_says_what_is_wrong_and_how_to_answer() -> None:
    assert _page("Checkout is down").short_text() == (
        "[P1] INC-42: Checkout is down Reply ACK 4821, ESC 4821 or RES 4821"
    )


@given(st.text(min_size=1, max_size=400))
def test_an_sms_page_fits_one_message_and_keeps_its_code(summary: str) -> None:
    text = domain.sms_text(_page(summary))
    assert len(text) <= domain.SMS_LENGTH
    assert text.endswith("Reply ACK 4821, ESC 4821 or RES 4821")


def test_reply_codes_differ_by_person_and_incident_and_are_four_digits() -> None:
    alice = domain.reply_code(SECRET, incident="INC-42", person="alice@example.com")
    bob = domain.reply_code(SECRET, incident="INC-42", person="bob@example.com")
    other = domain.reply_code(SECRET, incident="INC-43", person="alice@example.com")
    assert len(alice) == 4 and alice.isdigit()
    assert alice != bob and alice != other
    assert alice == domain.reply_code(SECRET, incident="INC-42", person="alice@example.com")


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("ACK 4821", Reply(ReplyVerb.ACK, "4821")),
        (" ack  0042 ", Reply(ReplyVerb.ACK, "0042")),
        ("Escalate 4821", Reply(ReplyVerb.ESC, "4821")),
        ("RES 4821", Reply(ReplyVerb.RES, "4821")),
        ("resolved 4821", Reply(ReplyVerb.RES, "4821")),
    ],
)
def test_a_reply_names_what_to_do_and_the_code(text: str, reply: Reply) -> None:
    assert domain.parse_reply(text) == reply


@pytest.mark.parametrize("text", ["ACK", "ACK 48", "ACK 48211", "OK 4821", "4821", "ACK 4821 pls"])
def test_anything_else_is_no_reply(text: str) -> None:
    assert domain.parse_reply(text) is None

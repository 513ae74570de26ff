"""Twilio's wire format: the webhook signature against Twilio's own documented example, and
the TwiML of a page's call."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from opsroom.notify import twiml
from opsroom.notify.domain import Message, Notice, NoticeKind

# Twilio's documented example ("Validating Signatures from Twilio"; the same values are the
# test vector of its RequestValidator): auth token 12345, this URL and these POST fields.
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
FIELDS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_signature_is_twilios_documented_example() -> None:
    assert twiml.signature("12345", URL, FIELDS) == EXPECTED
    assert twiml.signature_valid("12345", URL, FIELDS, EXPECTED)
    assert not twiml.signature_valid("12345", URL, {**FIELDS, "Digits": "1"}, EXPECTED)
    assert not twiml.signature_valid("54321", URL, FIELDS, EXPECTED)


def test_a_page_call_gathers_one_key_and_reads_the_title_escaped() -> None:
    page = Message(incident="INC-7", priority="P1", summary="A & B <down>", link="", ack_link="")
    root = ET.fromstring(twiml.call(page, keypress_url="https://o.example/k?delivery=3&x=1"))
    gather = root.find("Gather")
    assert gather is not None
    assert (gather.get("numDigits"), gather.get("action")) == (
        "1",
        "https://o.example/k?delivery=3&x=1",
    )
    assert [s.text for s in gather.iter("Say")] == ["[P1] INC-7: A & B <down>", twiml.PROMPT]


def test_a_code_is_read_digit_by_digit_and_asks_for_no_key() -> None:
    notice = Notice(NoticeKind.VERIFICATION, "m", "Your opsroom code is 482193.", "", "")
    root = ET.fromstring(twiml.call(notice, keypress_url="unused"))
    assert root.find("Gather") is None
    assert root.find("Say").text == "Your opsroom code is 4 8 2 1 9 3."  # type: ignore[union-attr]

"""What each channel carries, the webhook signature, acknowledge tokens and retries."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest

from opsroom.notify import domain
from opsroom.notify.domain import Message

PAGE = Message(
    incident="INC-7",
    priority="P1",
    summary="Checkout is down",
    link="https://ops.example.com/incidents/INC-7",
    ack_link="https://ops.example.com/oncall/ack?incident=INC-7&person=a@example.com&token=t",
    reason="Escalation level 1 of Payments",
)


def test_email_carries_key_priority_summary_link_and_ack_link() -> None:
    mail = domain.email(PAGE, sender="pager@example.com", to="a@example.com")
    assert mail["Subject"] == "[P1] INC-7: Checkout is down"
    assert PAGE.link in mail.get_content() and PAGE.ack_link in mail.get_content()


def test_slack_message_has_buttons_to_acknowledge_and_open() -> None:
    body = domain.slack_body(PAGE)
    assert body["text"] == "[P1] INC-7: Checkout is down"
    buttons = body["blocks"][1]["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("Acknowledge", PAGE.ack_link),
        ("Open incident", PAGE.link),
    ]


def test_teams_message_card_has_open_uri_actions() -> None:
    body = domain.teams_body(PAGE)
    assert (body["@type"], body["title"]) == ("MessageCard", "[P1] INC-7: Checkout is down")
    assert [a["targets"][0]["uri"] for a in body["potentialAction"]] == [PAGE.ack_link, PAGE.link]


def test_webhook_body_and_signature_as_documented() -> None:
    assert domain.webhook_body(PAGE) == {"event": "incident.page", **PAGE.as_dict()}
    expected = hmac.new(b"s3cret", b'{"a":1}', hashlib.sha256).hexdigest()
    assert domain.signature("s3cret", b'{"a":1}') == f"sha256={expected}"


def test_ack_tokens_bind_incident_and_person() -> None:
    token = domain.ack_token("k", incident="INC-7", person="a@example.com")
    assert domain.ack_token_valid("k", incident="INC-7", person="a@example.com", token=token)
    assert not domain.ack_token_valid("k", incident="INC-8", person="a@example.com", token=token)
    assert not domain.ack_token_valid(
        "other", incident="INC-7", person="a@example.com", token=token
    )
    assert not domain.ack_token_valid("k", incident="INC-7", person="a@example.com", token="é")


def test_backoff_doubles_and_is_capped() -> None:
    assert [domain.RETRY.delay(n).seconds for n in (1, 2, 3)] == [10, 20, 40]
    assert domain.RETRY.delay(30) == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("status", "permanent"), [(400, True), (404, True), (408, False), (429, False), (500, False)]
)
def test_which_answers_are_worth_retrying(status: int, permanent: bool) -> None:
    assert domain.permanent_status(status) is permanent


def test_delivery_gives_up_after_the_last_attempt_or_at_once_when_permanent() -> None:
    assert not domain.gives_up(1, permanent=False)
    assert domain.gives_up(domain.RETRY.attempts, permanent=False)
    assert domain.gives_up(1, permanent=True)

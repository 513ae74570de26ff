"""A notice (status update, reminder) on every channel: no acknowledge, an open link, and an
unsubscribe link where the notice comes from a subscription."""

from __future__ import annotations

from opsroom.notify import domain
from opsroom.notify.domain import Message, Notice, NoticeKind

UPDATE = Notice(
    kind=NoticeKind.STATUS_UPDATE,
    subject="INC-7",
    title="[P1] INC-7 update: Checkout is down",
    body="Payments provider failing over; next update 10:30.",
    link="https://ops.example.com/incidents/INC-7",
    unsubscribe_link="https://ops.example.com/subscriptions/unsubscribe?id=3&token=t",
)
REMINDER = Notice(
    kind=NoticeKind.ACTION_OVERDUE,
    subject="ACT-12",
    title="ACT-12 is overdue since 02 Nov",
    body="Add a circuit breaker (owner dev@example.com, P2)",
    link="https://ops.example.com/actions/ACT-12",
)


def test_email_of_a_status_update_carries_the_update_and_a_one_click_unsubscribe() -> None:
    mail = domain.email(UPDATE, sender="ops@example.com", to="cfo@example.com")
    body = mail.get_content()
    assert mail["Subject"] == UPDATE.title
    assert UPDATE.body in body and f"Open: {UPDATE.link}" in body
    assert f"Unsubscribe: {UPDATE.unsubscribe_link}" in body
    assert "Acknowledge" not in body
    assert mail["List-Unsubscribe"] == f"<{UPDATE.unsubscribe_link}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_reminder_email_has_no_unsubscribe_header() -> None:
    mail = domain.email(REMINDER, sender="ops@example.com", to="dev@example.com")
    assert mail["List-Unsubscribe"] is None
    assert "Unsubscribe" not in mail.get_content()


def test_webhook_body_names_the_notice_kind_as_its_event() -> None:
    body = domain.webhook_body(REMINDER)
    assert body["event"] == "action.overdue"
    assert (body["subject"], body["title"], body["link"]) == (
        "ACT-12",
        REMINDER.title,
        REMINDER.link,
    )
    assert "ack_link" not in body


def test_slack_notice_has_only_an_open_button() -> None:
    body = domain.slack_body(UPDATE)
    assert body["text"] == UPDATE.title
    assert UPDATE.body in body["blocks"][0]["text"]["text"]
    buttons = body["blocks"][1]["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [("Open INC-7", UPDATE.link)]


def test_teams_notice_card_opens_the_subject() -> None:
    body = domain.teams_body(REMINDER)
    assert (body["title"], body["text"]) == (REMINDER.title, REMINDER.body)
    assert [(a["name"], a["targets"][0]["uri"]) for a in body["potentialAction"]] == [
        ("Open ACT-12", REMINDER.link)
    ]


def test_pages_and_notices_come_back_from_the_outbox_as_they_went_in() -> None:
    page = Message(incident="INC-7", priority="P1", summary="Down", link="l", ack_link="a")
    assert domain.from_dict(page.as_dict()) == page
    assert domain.from_dict(UPDATE.as_dict()) == UPDATE


def test_unsubscribe_tokens_bind_the_subscription_and_the_secret() -> None:
    token = domain.unsubscribe_token("k", subscription=3)
    assert domain.unsubscribe_token_valid("k", subscription=3, token=token)
    assert not domain.unsubscribe_token_valid("k", subscription=4, token=token)
    assert not domain.unsubscribe_token_valid("other", subscription=3, token=token)
    assert not domain.unsubscribe_token_valid("k", subscription=3, token="ünsubscribe")

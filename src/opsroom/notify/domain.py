"""Notifications as pure rules: the message every channel carries, each channel's wire
format, the webhook signature, the one-click acknowledge token and the retry policy."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass
from datetime import timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

MAX_ATTEMPTS = 6
# How long a worker holds a delivery it is sending: longer than a batch of sends can take
# (connect and send timeouts), so a live worker never loses a row to another one.
DELIVERY_LEASE = timedelta(minutes=3)
SIGNATURE_HEADER = "X-Opsroom-Signature"


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    SLACK = "slack"
    TEAMS = "teams"


class Delivery(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Message:
    """What every page says, whatever the channel."""

    incident: str
    priority: str
    summary: str
    link: str
    ack_link: str
    reason: str = ""

    @property
    def title(self) -> str:
        return f"[{self.priority}] {self.incident}: {self.summary}"

    def text(self) -> str:
        lines = [self.title, self.reason, f"Open: {self.link}", f"Acknowledge: {self.ack_link}"]
        return "\n".join(line for line in lines if line)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def email(message: Message, *, sender: str, to: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = message.title, sender, to
    mail.set_content(message.text())
    return mail


def webhook_body(message: Message) -> dict[str, Any]:
    return {"event": "incident.page", **message.as_dict()}


def slack_body(message: Message) -> dict[str, Any]:
    """Slack incoming-webhook format (Mattermost and Rocket.Chat accept it too)."""
    return {
        "text": message.title,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{message.title}*\n{message.reason}".strip()}},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Acknowledge"}, "url": message.ack_link, "style": "primary"},
                    {"type": "button", "text": {"type": "plain_text", "text": "Open incident"}, "url": message.link},
                ],
            },
        ],
    }  # fmt: skip


def teams_body(message: Message) -> dict[str, Any]:
    """Microsoft Teams incoming-webhook MessageCard."""
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": message.title,
        "themeColor": "D93F0B",
        "title": message.title,
        "text": message.reason or message.summary,
        "potentialAction": [
            {"@type": "OpenUri", "name": "Acknowledge", "targets": [{"os": "default", "uri": message.ack_link}]},
            {"@type": "OpenUri", "name": "Open incident", "targets": [{"os": "default", "uri": message.link}]},
        ],
    }  # fmt: skip


CHAT_BODIES = {Channel.WEBHOOK: webhook_body, Channel.SLACK: slack_body, Channel.TEAMS: teams_body}


def signature(secret: str, body: bytes) -> str:
    """The webhook header value: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def ack_token(secret: str, *, incident: str, person: str) -> str:
    digest = hmac.new(secret.encode(), f"ack:{incident}:{person}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def ack_token_valid(secret: str, *, incident: str, person: str, token: str) -> bool:
    return hmac.compare_digest(ack_token(secret, incident=incident, person=person), token)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: 10 s, 20 s, 40 s ... capped at 30 min."""
    return timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 1800))


def gives_up(attempts: int, *, permanent: bool) -> bool:
    return permanent or attempts >= MAX_ATTEMPTS


def permanent_status(status: int) -> bool:
    """A 4xx other than 408/429 will fail the same way every time; 5xx and timeouts may pass."""
    return 400 <= status < 500 and status not in (408, 429)

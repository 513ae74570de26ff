"""Twilio's wire format as pure rules: the signature its webhooks carry, the TwiML a call and
a reply answer with, what a keypress in a call means, and what a message status says."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping
from xml.sax.saxutils import escape, quoteattr

from opsroom.notify.domain import Message, ReplyVerb, Sendable

SIGNATURE_HEADER = "X-Twilio-Signature"
KEYS = {"1": ReplyVerb.ACK, "2": ReplyVerb.ESC}
PROMPT = "Press 1 to acknowledge, 2 to escalate."
# Twilio's MessageStatus in a status callback, in the words of the Kannel reports
STATUS_MEANINGS = {
    "sent": "accepted by the operator",
    "delivered": "delivered to the phone",
    "undelivered": "not delivered to the phone",
    "failed": "rejected by the operator",
}
FAILED_STATUSES = frozenset({"undelivered", "failed"})


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's documented scheme: the full URL, then each POST parameter sorted by name as
    name and value, HMAC-SHA1 under the auth token, in base64."""
    signed = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(auth_token: str, url: str, params: Mapping[str, str], given: str) -> bool:
    return hmac.compare_digest(signature(auth_token, url, params).encode(), given.encode())


def spoken(text: str) -> str:
    """Text to speech: a code or key read digit by digit (4 8 2 1, not four thousand ...)."""
    return re.sub(r"\d{4,}", lambda m: " ".join(m[0]), text)


def call(message: Sendable, *, keypress_url: str) -> str:
    """The TwiML of a call: a page is read out and asks for a key; anything else is read."""
    said = f"<Say>{escape(spoken(message.title))}</Say>"
    if not isinstance(message, Message):
        return f"<Response>{said}{said}</Response>"
    gather = (
        f'<Gather numDigits="1" method="POST" action={quoteattr(keypress_url)}>'
        f"{said}<Say>{PROMPT}</Say></Gather>"
    )
    return f"<Response>{gather}<Say>No key was pressed. Goodbye.</Say></Response>"


def say(text: str) -> str:
    return f"<Response><Say>{escape(spoken(text))}</Say></Response>"


def reply(text: str) -> str:
    """The answer to an SMS, sent back by Twilio."""
    return f"<Response><Message>{escape(text)}</Message></Response>"

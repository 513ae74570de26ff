"""Codes that prove a contact method reaches its owner: six digits sent to the number,
named back within their lifetime and a few tries. Pure rules."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opsroom.notify.domain import Channel

# A number (or push topic) someone typed is sent nothing but its verification code until
# its owner has named that code back: a typo must not page a stranger.
VERIFIED_KINDS = frozenset({Channel.SMS, Channel.VOICE, Channel.PUSH})
VERIFICATION_LIFETIME = timedelta(minutes=15)
VERIFICATION_TRIES = 5
VERIFICATION_RESEND = timedelta(minutes=1)


def needs_verification(kind: Channel) -> bool:
    return kind in VERIFIED_KINDS


def verification_code(secret: str, *, method: int, address: str, sent_at: datetime) -> str:
    """Six digits sent to a contact method's address; a new request makes a new code."""
    stamp = sent_at.astimezone(UTC).isoformat(timespec="seconds")
    digest = hmac.new(secret.encode(), f"verify:{method}:{address}:{stamp}".encode(), "sha256")
    return f"{int.from_bytes(digest.digest()[:4], 'big') % 1_000_000:06d}"


@dataclass(frozen=True)
class VerificationSent:
    """The code a contact method was last sent: when, and how many tries named one since."""

    method: int
    address: str
    sent_at: datetime | None
    tries: int


def verification_problem(
    secret: str, sent: VerificationSent, *, code: str, now: datetime
) -> str | None:
    """Why `code` does not verify the contact method, if it does not."""
    if sent.sent_at is None:
        return "no code has been sent to this contact method: ask for one first"
    if now >= sent.sent_at + VERIFICATION_LIFETIME or sent.tries >= VERIFICATION_TRIES:
        return "this code has expired or been tried too often: ask for a new one"
    expected = verification_code(
        secret, method=sent.method, address=sent.address, sent_at=sent.sent_at
    )
    if not hmac.compare_digest(expected, code.strip()):
        return "that is not the code sent to this contact method"
    return None

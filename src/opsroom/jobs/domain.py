"""Durable timers: what is due, and when a failed run is tried again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)


class TimerStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt: 5 s, 10 s, 20 s ... capped at 1 h."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS


@dataclass(frozen=True)
class Due:
    """A timer as its handler sees it."""

    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

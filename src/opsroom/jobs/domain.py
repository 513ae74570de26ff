"""Durable timers: what is due, and when a failed run is tried again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from opsroom.infra.retry import Backoff

# 5 s, 10 s, 20 s ... at most an hour between attempts; eight attempts in all.
RETRY = Backoff(first=timedelta(seconds=5), cap=timedelta(hours=1), attempts=8)
LEASE = timedelta(seconds=60)


class TimerStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True)
class Due:
    """A timer as its handler sees it."""

    kind: str
    subject: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

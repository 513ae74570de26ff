"""Action items as pure rules: the lifecycle, who may verify, due dates by priority,
overdue and escalation, aging buckets and the closure figures."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from opsroom.auth.domain import Principal
from opsroom.improvement.domain import DEFAULT_ACTION_POLICY as DEFAULT_POLICY
from opsroom.improvement.domain import ActionPolicy as Policy
from opsroom.incidents.domain import Priority
from opsroom.infra.errors import Conflict, InvalidTransition, ValidationFailed
from opsroom.infra.events import Event


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WONT_DO_REQUESTED = "wont_do_requested"
    DONE = "done"
    VERIFIED = "verified"
    WONT_DO = "wont_do"


OUTSTANDING = frozenset({Status.OPEN, Status.IN_PROGRESS, Status.WONT_DO_REQUESTED})
FINISHED = frozenset({Status.DONE, Status.VERIFIED, Status.WONT_DO})


class Transition(StrEnum):
    START = "start"
    COMPLETE = "complete"
    VERIFY = "verify"
    REOPEN = "reopen"
    REQUEST_WONT_DO = "request_wont_do"
    ACCEPT_WONT_DO = "accept_wont_do"
    REJECT_WONT_DO = "reject_wont_do"


TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.START: (frozenset({Status.OPEN}), Status.IN_PROGRESS),
    Transition.COMPLETE: (frozenset({Status.OPEN, Status.IN_PROGRESS}), Status.DONE),
    Transition.VERIFY: (frozenset({Status.DONE}), Status.VERIFIED),
    Transition.REOPEN: (frozenset({Status.DONE, Status.VERIFIED, Status.WONT_DO}), Status.OPEN),
    Transition.REQUEST_WONT_DO: (
        frozenset({Status.OPEN, Status.IN_PROGRESS}),
        Status.WONT_DO_REQUESTED,
    ),
    Transition.ACCEPT_WONT_DO: (frozenset({Status.WONT_DO_REQUESTED}), Status.WONT_DO),
    Transition.REJECT_WONT_DO: (frozenset({Status.WONT_DO_REQUESTED}), Status.OPEN),
}


class Kind(StrEnum):
    MITIGATE = "mitigate"
    PREVENT = "prevent"
    DETECT = "detect"
    PROCESS = "process"


class Source(StrEnum):
    INCIDENT = "incident"
    REVIEW = "review"
    PROBLEM = "problem"
    RISK = "risk"
    DRILL = "drill"
    READINESS = "readiness"
    AUDIT_FINDING = "audit_finding"
    OTHER = "other"


# Sources whose keys name records opsroom keeps, by the prefix of those keys (a review goes
# by its incident's key); the other sources are free references.
KEYED_SOURCES = {
    Source.INCIDENT: "INC",
    Source.REVIEW: "INC",
    Source.PROBLEM: "PRB",
    Source.RISK: "RSK",
}


@dataclass(frozen=True)
class SourceCited(Event):
    """An action item names a review, a problem or a risk (where it comes from, or the
    problem it fixes): the domain keeping those refuses a key it does not have."""

    kind: Source
    key: str
    actor: Principal


@dataclass(frozen=True)
class ActionRaised(Event):
    """A new action item: where its platform tracks engineering work may want it too."""

    key: str
    platform: str
    raised_by: str


def next_status(current: Status, transition: Transition) -> Status:
    sources, target = TRANSITIONS[transition]
    if current not in sources:
        allowed_now = sorted(t.value for t in allowed(current))
        raise InvalidTransition(
            f"cannot {transition.value.replace('_', ' ')} an action item that is "
            f"{current.value.replace('_', ' ')}; allowed now: {', '.join(allowed_now)}",
            fields={"status": current.value},
        )
    return target


def allowed(current: Status) -> list[Transition]:
    return [t for t, (sources, _) in TRANSITIONS.items() if current in sources]


def check_reason(transition: Transition, reason: str) -> None:
    if transition is Transition.REQUEST_WONT_DO and len(reason.strip()) < 3:
        raise ValidationFailed(
            "say why this will not be done", fields={"reason": "required for won't do"}
        )


def check_verifier(*, independent: bool, implementer: str | None, verifier: str) -> None:
    """Items from P1 reviews are verified by someone other than whoever completed them."""
    if independent and implementer == verifier:
        raise Conflict(
            f"{verifier} completed this item; someone else must verify it",
            fields={"verifier": "must differ from the implementer"},
        )


def default_due(priority: Priority, today: date, policy: Policy = DEFAULT_POLICY) -> date:
    return today + policy.due_in[priority]


def is_overdue(status: Status, due_on: date, today: date) -> bool:
    return status in OUTSTANDING and due_on < today


def escalation_due(due_on: date, policy: Policy = DEFAULT_POLICY) -> date:
    return due_on + timedelta(days=1) + policy.escalate_after


# --- age and figures ----------------------------------------------------------------------

AGE_BUCKETS = ((7, "0-7 days"), (30, "8-30 days"), (90, "31-90 days"))
OLDEST_BUCKET = "over 90 days"


def age_bucket(age: timedelta) -> str:
    for days, label in AGE_BUCKETS:
        if age < timedelta(days=days + 1):
            return label
    return OLDEST_BUCKET


def bucket_labels() -> list[str]:
    return [label for _, label in AGE_BUCKETS] + [OLDEST_BUCKET]


def bucket_days(label: str) -> tuple[int, int | None]:
    """The whole days of age a bucket holds: (from, to inclusive, None for no end)."""
    start = 0
    for days, name in AGE_BUCKETS:
        if name == label:
            return start, days
        start = days + 1
    if label == OLDEST_BUCKET:
        return start, None
    raise ValidationFailed(
        f"no age bucket '{label}'", fields={"age": f"one of: {', '.join(bucket_labels())}"}
    )


def aging(ages: Iterable[timedelta]) -> dict[str, int]:
    """How many outstanding items fall in each age bucket, every bucket present."""
    counts = dict.fromkeys(bucket_labels(), 0)
    for age in ages:
        counts[age_bucket(age)] += 1
    return counts


def median_days(durations: Sequence[timedelta]) -> float | None:
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() / 86400 for d in durations), 1)


def share(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide."""
    return round(100 * part / whole, 1) if whole else None

"""The major-incident process as pure rules: priority, lifecycle, timestamps, SLAs, cadence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from opsroom.auth.domain import Principal
from opsroom.infra.errors import InvalidTransition, ValidationFailed
from opsroom.infra.events import Event


class Status(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN = frozenset({Status.TRIGGERED, Status.ACKNOWLEDGED, Status.MITIGATED})


class Transition(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"


# transition -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.ACKNOWLEDGE: (frozenset({Status.TRIGGERED}), Status.ACKNOWLEDGED),
    Transition.MITIGATE: (frozenset({Status.TRIGGERED, Status.ACKNOWLEDGED}), Status.MITIGATED),
    Transition.RESOLVE: (OPEN, Status.RESOLVED),
    Transition.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
    Transition.REOPEN: (frozenset({Status.RESOLVED}), Status.ACKNOWLEDGED),
    Transition.CANCEL: (OPEN, Status.CANCELLED),
}


class Priority(IntEnum):
    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4
    P5 = 5

    @property
    def label(self) -> str:
        return f"P{self.value}"


class Role(StrEnum):
    COMMANDER = "commander"
    COMMUNICATIONS_LEAD = "communications_lead"
    SCRIBE = "scribe"
    TECHNICAL_LEAD = "technical_lead"
    VENDOR_LIAISON = "vendor_liaison"


class LinkKind(StrEnum):
    DUPLICATE_OF = "duplicate_of"
    RELATED = "related"
    PARENT_OF = "parent_of"


class Audience(StrEnum):
    INTERNAL = "internal"
    CUSTOMER = "customer"


# What the customer audience hears of a declaration: the description is for responders.
DECLARED_FOR_CUSTOMERS = "We are investigating; updates follow here."


def declaration_body(description: str, audience: Audience) -> str:
    return description if audience == Audience.INTERNAL else DECLARED_FOR_CUSTOMERS


# What an edit of the incident may change, as its timeline names it.
EDITABLE = {
    "title": "title",
    "impact": "impact",
    "urgency": "urgency",
    "priority": "priority",
    "services": "services",
    "bridge_url": "bridge",
}


def _shown(name: str, value: object) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return f"P{value}" if name == "priority" else str(value or "none")


def describe_edits(before: Mapping[str, object], after: Mapping[str, object]) -> str:
    """What an edit changed, for the timeline: 'impact 2 → 1; priority P3 → P2'."""
    return "; ".join(
        f"{label} {_shown(name, before.get(name))} → {_shown(name, after.get(name))}"
        for name, label in EDITABLE.items()
        if before.get(name) != after.get(name)
    )


# The canonical KPI timestamps, in the order they must hold.
TIMESTAMPS = (
    "impact_started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
)
# The timestamp each transition sets, and those it fills when steps were skipped.
STAMPS: dict[Transition, tuple[str, ...]] = {
    Transition.ACKNOWLEDGE: ("acknowledged_at",),
    Transition.MITIGATE: ("acknowledged_at", "mitigated_at"),
    Transition.RESOLVE: ("acknowledged_at", "mitigated_at", "resolved_at"),
    Transition.CLOSE: ("closed_at",),
}


@dataclass(frozen=True)
class Policy:
    """What an operations manager tunes; the defaults are ITIL's and common SLAs."""

    # (impact, urgency) -> priority
    matrix: Mapping[tuple[int, int], Priority] = field(
        default_factory=lambda: {
            (1, 1): Priority.P1,
            (1, 2): Priority.P2,
            (1, 3): Priority.P3,
            (2, 1): Priority.P2,
            (2, 2): Priority.P3,
            (2, 3): Priority.P4,
            (3, 1): Priority.P3,
            (3, 2): Priority.P4,
            (3, 3): Priority.P5,
        }
    )
    major: frozenset[Priority] = frozenset({Priority.P1, Priority.P2})
    response_target: Mapping[Priority, timedelta | None] = field(
        default_factory=lambda: {
            Priority.P1: timedelta(minutes=15),
            Priority.P2: timedelta(minutes=30),
            Priority.P3: timedelta(hours=4),
            Priority.P4: timedelta(days=1),
            Priority.P5: None,
        }
    )
    resolution_target: Mapping[Priority, timedelta | None] = field(
        default_factory=lambda: {
            Priority.P1: timedelta(hours=4),
            Priority.P2: timedelta(hours=8),
            Priority.P3: timedelta(days=3),
            Priority.P4: timedelta(days=10),
            Priority.P5: None,
        }
    )
    update_cadence: Mapping[Priority, timedelta | None] = field(
        default_factory=lambda: {
            Priority.P1: timedelta(minutes=30),
            Priority.P2: timedelta(minutes=60),
            Priority.P3: None,
            Priority.P4: None,
            Priority.P5: None,
        }
    )


DEFAULT_POLICY = Policy()


def priority(impact: int, urgency: int, policy: Policy = DEFAULT_POLICY) -> Priority:
    try:
        return policy.matrix[(impact, urgency)]
    except KeyError:
        raise ValidationFailed(
            "impact and urgency run from 1 (high) to 3 (low)",
            fields={"impact": "1-3", "urgency": "1-3"},
        ) from None


def is_major(p: Priority, policy: Policy = DEFAULT_POLICY) -> bool:
    return p in policy.major


def next_status(current: Status, transition: Transition) -> Status:
    sources, target = TRANSITIONS[transition]
    if current not in sources:
        allowed = sorted(t.value for t, (froms, _) in TRANSITIONS.items() if current in froms)
        raise InvalidTransition(
            f"cannot {transition.value} an incident that is {current.value}; "
            f"allowed now: {', '.join(allowed) or 'nothing (it is final)'}",
            fields={"status": current.value},
        )
    return target


def stamp(
    timestamps: Mapping[str, datetime | None], transition: Transition, at: datetime
) -> dict[str, datetime | None]:
    """The timestamps after a transition at `at`: the step's own, and any skipped before it.
    Reopening clears mitigation and resolution: the incident is live again."""
    after = dict(timestamps)
    if transition is Transition.REOPEN:
        after.update(mitigated_at=None, resolved_at=None)
        return after
    for name in STAMPS.get(transition, ()):
        if after.get(name) is None:
            after[name] = at
    return after


def timestamp_problems(timestamps: Mapping[str, datetime | None]) -> dict[str, str]:
    """Field -> problem for every timestamp that comes before one it must follow."""
    problems: dict[str, str] = {}
    latest_name, latest = None, None
    for name in TIMESTAMPS:
        value = timestamps.get(name)
        if value is None:
            continue
        if value.tzinfo is None:
            problems[name] = "needs a time zone"
            continue
        if latest is not None and value < latest:
            problems[name] = f"is before {latest_name}"
        else:
            latest_name, latest = name, value
    return problems


def check_timestamps(timestamps: Mapping[str, datetime | None]) -> None:
    problems = timestamp_problems(timestamps)
    if problems:
        first = next(iter(problems))
        raise ValidationFailed(f"{first} {problems[first]}", fields=problems)


AT_RISK_SHARE = 0.25


@dataclass(frozen=True)
class SlaClock:
    kind: str  # response or resolution
    target: timedelta
    due_at: datetime
    met_at: datetime | None

    def breached(self, now: datetime) -> bool:
        return (self.met_at or now) > self.due_at

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - (self.met_at or now)

    def state(self, now: datetime) -> str:
        """ok, at_risk (under a quarter of the target left), breached or met."""
        if self.breached(now):
            return "breached"
        if self.met_at is not None:
            return "met"
        return "at_risk" if self.remaining(now) < self.target * AT_RISK_SHARE else "ok"


def sla_clocks(
    p: Priority, timestamps: Mapping[str, datetime | None], policy: Policy = DEFAULT_POLICY
) -> list[SlaClock]:
    """Response runs from detection to acknowledgement, resolution from detection to resolution."""
    detected = timestamps.get("detected_at")
    if detected is None:
        return []
    clocks = []
    for kind, targets, met in (
        ("response", policy.response_target, "acknowledged_at"),
        ("resolution", policy.resolution_target, "resolved_at"),
    ):
        target = targets.get(p)
        if target is not None:
            clocks.append(SlaClock(kind, target, detected + target, timestamps.get(met)))
    return clocks


def next_update_due(
    p: Priority, last_update: datetime, policy: Policy = DEFAULT_POLICY
) -> datetime | None:
    cadence = policy.update_cadence.get(p)
    return last_update + cadence if cadence else None


def next_update_reminder(
    p: Priority, due: datetime, now: datetime, policy: Policy = DEFAULT_POLICY
) -> datetime | None:
    """While an update is overdue since `due`, the communications lead is reminded again at
    the cadence: the first of due + cadence, due + 2 x cadence ... after `now`."""
    cadence = policy.update_cadence.get(p)
    if not cadence:
        return None
    return due + (max(now - due, timedelta(0)) // cadence + 1) * cadence


# --- events: what other domains react to (opsroom.runtime.wiring) -------------------------


@dataclass(frozen=True)
class IncidentDeclared(Event):
    key: str


@dataclass(frozen=True)
class IncidentServicesAdded(Event):
    """Services joined the incident's blast radius after it was declared."""

    key: str
    services: tuple[str, ...]


@dataclass(frozen=True)
class IncidentReprioritised(Event):
    key: str
    before: Priority
    after: Priority


@dataclass(frozen=True)
class IncidentMoved(Event):
    """An incident moved through its lifecycle (acknowledged, resolved, reopened ...)."""

    key: str
    move: Transition
    status: Status
    actor: Principal

    @property
    def response_over(self) -> bool:
        """Acknowledged, or no longer open: nobody else needs to be paged for it."""
        return self.move is Transition.ACKNOWLEDGE or self.status not in OPEN


@dataclass(frozen=True)
class IncidentResolved(Event):
    key: str
    resolved_at: datetime | None
    actor: Principal


@dataclass(frozen=True)
class StatusUpdatePosted(Event):
    key: str
    update_id: int
    body: str
    audience: Audience


@dataclass(frozen=True)
class StakeholderUpdateDue(Event):
    """A stakeholder update is overdue: `whom` (communications lead or commander) is told,
    once per reminder `moment`."""

    key: str
    moment: datetime
    whom: str | None


# --- impact windows --------------------------------------------------------------------------

Timestamps = Mapping[str, datetime | None]
Window = tuple[datetime, datetime]


def impact_window(times: Timestamps, now: datetime) -> Window:
    """Users are affected from impact start (else detection) until mitigation (else
    resolution); an incident that is neither is still affecting them now."""
    start = times.get("impact_started_at") or times["detected_at"]
    assert start is not None
    end = times.get("mitigated_at") or times.get("resolved_at") or max(now, start)
    return start, end


def merge(windows: Iterable[Window]) -> list[Window]:
    """Overlapping or touching windows become one; empty ones disappear."""
    merged: list[Window] = []
    for start, end in sorted(w for w in windows if w[1] > w[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def total(windows: Iterable[Window]) -> timedelta:
    return sum((end - start for start, end in merge(windows)), timedelta())

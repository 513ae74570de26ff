"""Change governance as pure rules: the lifecycle, the explained risk score, collisions,
freeze windows, suspects and figures (the approval policy is in approvals.py)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from opsroom.infra.errors import Conflict, InvalidTransition, ValidationFailed
from opsroom.infra.events import Event


class ChangeType(StrEnum):
    STANDARD = "standard"  # from a pre-approved template, within its bounds
    NORMAL = "normal"
    EMERGENCY = "emergency"  # may run before approval; reviewed after


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    CLOSED = "closed"


class Transition(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    SCHEDULE = "schedule"
    START = "start"
    COMPLETE = "complete"
    FAIL = "fail"
    ROLL_BACK = "roll_back"
    CLOSE = "close"


# transition -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.SUBMIT: (frozenset({Status.DRAFT}), Status.SUBMITTED),
    Transition.APPROVE: (frozenset({Status.SUBMITTED}), Status.APPROVED),
    Transition.REJECT: (frozenset({Status.SUBMITTED}), Status.REJECTED),
    Transition.SCHEDULE: (frozenset({Status.APPROVED}), Status.SCHEDULED),
    Transition.START: (frozenset({Status.SCHEDULED}), Status.IN_PROGRESS),
    Transition.COMPLETE: (frozenset({Status.IN_PROGRESS}), Status.COMPLETED),
    # A completed change found to have caused an incident fails after the fact.
    Transition.FAIL: (frozenset({Status.IN_PROGRESS, Status.COMPLETED}), Status.FAILED),
    Transition.ROLL_BACK: (frozenset({Status.IN_PROGRESS, Status.FAILED}), Status.ROLLED_BACK),
    Transition.CLOSE: (
        frozenset({Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK, Status.REJECTED}),
        Status.CLOSED,
    ),
}
# Emergency changes may start as soon as they are submitted.
EMERGENCY_STARTS_FROM = frozenset({Status.SUBMITTED, Status.APPROVED, Status.SCHEDULED})
# Statuses whose planned window still claims its services (for collisions and calendars).
ACTIVE = frozenset({Status.SUBMITTED, Status.APPROVED, Status.SCHEDULED, Status.IN_PROGRESS})
DONE = frozenset({Status.COMPLETED, Status.FAILED, Status.ROLLED_BACK, Status.CLOSED})


class BudgetRule(StrEnum):
    """What a spent error budget does to a normal change to its service."""

    APPROVE = "approve"  # it also needs the approvers of `exhausted_budget`
    HOLD = "hold"  # it waits until the budget recovers


def next_status(current: Status, move: Transition, change_type: ChangeType) -> Status:
    sources, target = TRANSITIONS[move]
    if move is Transition.START and change_type is ChangeType.EMERGENCY:
        sources = EMERGENCY_STARTS_FROM
    if current not in sources:
        allowed = sorted(t.value for t, (froms, _) in TRANSITIONS.items() if current in froms)
        raise InvalidTransition(
            f"cannot {move.value.replace('_', ' ')} a change that is {current.value.replace('_', ' ')}; "
            f"allowed now: {', '.join(allowed) or 'nothing (it is final)'}",
            fields={"status": current.value},
        )
    return target


# --- risk ---------------------------------------------------------------------------------


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class RiskInputs:
    """What is known about a change when it is assessed."""

    change_type: ChangeType
    tier: int  # the most critical tier among the affected services (1 = business critical)
    downstream_services: int  # services that depend on them, directly or not
    critical_journeys: int  # critical journeys through them or their dependants
    recent_changes: int  # finished changes on these services in the look-back window
    recent_failures: int  # of which failed or were rolled back
    recent_incidents: int  # incidents on these services in the look-back window
    in_freeze: bool
    collisions: int
    exhausted_budgets: tuple[str, ...] = ()  # SLOs on these services with no budget left


@dataclass(frozen=True)
class RiskPolicy:
    """Points per factor and the level thresholds: data an operations manager tunes."""

    tier_points: Mapping[int, int] = field(default_factory=lambda: {1: 30, 2: 20, 3: 10, 4: 0})
    type_points: Mapping[ChangeType, int] = field(
        default_factory=lambda: {
            ChangeType.STANDARD: 0,
            ChangeType.NORMAL: 10,
            ChangeType.EMERGENCY: 20,
        }
    )
    per_downstream: int = 2
    max_downstream: int = 16
    per_critical_journey: int = 10
    max_journeys: int = 20
    failure_rate_points: int = 30  # at a 100 % change failure rate
    min_changes_for_rate: int = 3  # fewer finished changes say nothing about the rate
    per_incident: int = 5
    max_incidents: int = 15
    freeze_points: int = 25
    per_collision: int = 10
    max_collisions: int = 20
    exhausted_budget_points: int = 20
    medium_from: int = 35
    high_from: int = 70
    look_back_days: int = 90


DEFAULT_RISK_POLICY = RiskPolicy()


@dataclass(frozen=True)
class Factor:
    name: str
    detail: str
    points: int


@dataclass(frozen=True)
class Risk:
    score: int
    level: RiskLevel
    factors: tuple[Factor, ...]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _failure_factor(i: RiskInputs, p: RiskPolicy) -> Factor:
    if i.recent_changes < p.min_changes_for_rate:
        detail = f"{_plural(i.recent_changes, 'recent change')}: too few to judge"
        return Factor("change failure rate", detail, 0)
    rate = i.recent_failures / i.recent_changes
    detail = f"{i.recent_failures} of {i.recent_changes} recent changes failed ({rate:.0%})"
    return Factor("change failure rate", detail, round(rate * p.failure_rate_points))


def assess(i: RiskInputs, p: RiskPolicy = DEFAULT_RISK_POLICY) -> Risk:
    """The risk score as the sum of its factors' points, each factor explained."""
    factors = (
        Factor("service tier", f"tier {i.tier}", p.tier_points.get(i.tier, 0)),
        Factor("change type", i.change_type.value, p.type_points[i.change_type]),
        Factor(
            "blast radius",
            f"{_plural(i.downstream_services, 'downstream service')}",
            min(i.downstream_services * p.per_downstream, p.max_downstream),
        ),
        Factor(
            "critical journeys",
            f"{_plural(i.critical_journeys, 'critical journey')} touched",
            min(i.critical_journeys * p.per_critical_journey, p.max_journeys),
        ),
        _failure_factor(i, p),
        Factor(
            "recent incidents",
            f"{_plural(i.recent_incidents, 'incident')} in {p.look_back_days} days",
            min(i.recent_incidents * p.per_incident, p.max_incidents),
        ),
        Factor(
            "freeze",
            "inside a freeze window" if i.in_freeze else "outside freezes",
            p.freeze_points if i.in_freeze else 0,
        ),
        Factor(
            "collisions",
            _plural(i.collisions, "overlapping change"),
            min(i.collisions * p.per_collision, p.max_collisions),
        ),
        _budget_factor(i, p),
    )
    score = sum(f.points for f in factors)
    return Risk(score, level_of(score, p), factors)


def _budget_factor(i: RiskInputs, p: RiskPolicy) -> Factor:
    if not i.exhausted_budgets:
        return Factor("error budget", "no SLO on these services has spent its budget", 0)
    spent = ", ".join(i.exhausted_budgets)
    return Factor("error budget", f"exhausted: {spent}", p.exhausted_budget_points)


def level_of(score: int, p: RiskPolicy = DEFAULT_RISK_POLICY) -> RiskLevel:
    if score >= p.high_from:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if score >= p.medium_from else RiskLevel.LOW


# --- windows, collisions and freezes ------------------------------------------------------


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end


def check_window(start: datetime | None, end: datetime | None) -> Window:
    if start is None or end is None:
        raise ValidationFailed(
            "a change needs a planned window",
            fields={"planned_start" if start is None else "planned_end": "required"},
        )
    if end <= start:
        raise ValidationFailed(
            "the planned window ends before it starts",
            fields={"planned_end": "must be after planned_start"},
        )
    return Window(start, end)


@dataclass(frozen=True)
class Planned:
    """A change as collisions see it: where, by whom and when."""

    key: str
    services: frozenset[str]
    squad: str
    window: Window


@dataclass(frozen=True)
class Collision:
    key: str  # the other change
    reason: str


def _collision_reason(
    mine: Planned, other: Planned, neighbours: Mapping[str, Collection[str]]
) -> str | None:
    shared = sorted(mine.services & other.services)
    if shared:
        return f"same service: {', '.join(shared)}"
    for service in sorted(mine.services):
        linked = sorted(other.services.intersection(neighbours.get(service, ())))
        if linked:
            return f"{service} and {', '.join(linked)} depend on each other directly"
    if mine.squad and mine.squad == other.squad:
        return f"same implementer squad: {mine.squad}"
    return None


def collisions(
    mine: Planned, others: Iterable[Planned], neighbours: Mapping[str, Collection[str]]
) -> list[Collision]:
    """Other changes whose window overlaps this one on the same service, a direct dependency
    or dependant (`neighbours`: service -> both), or by the same squad."""
    found = []
    for other in others:
        if other.key == mine.key or not mine.window.overlaps(other.window):
            continue
        reason = _collision_reason(mine, other, neighbours)
        if reason:
            found.append(Collision(other.key, reason))
    return sorted(found, key=lambda c: c.key)


@dataclass(frozen=True)
class Freeze:
    name: str
    window: Window
    services: frozenset[str]  # those of its platforms, its journeys and the ones it names
    everything: bool = False  # every service of every platform

    def covers(self, services: Collection[str], window: Window) -> bool:
        touched = self.everything or bool(self.services.intersection(services))
        return touched and self.window.overlaps(window)


def check_freeze_scope(
    platforms: Collection[str],
    services: Collection[str],
    journeys: Collection[str],
    everything: bool,
) -> None:
    """A freeze names what it freezes (platforms, services, journeys) or says it freezes
    everything; never both, never neither."""
    named = bool(platforms or services or journeys)
    if everything and named:
        raise ValidationFailed(
            "a freeze of everything names no platforms, services or journeys",
            fields={"everything": "leave it out, or the platforms, services and journeys"},
        )
    if not everything and not named:
        raise ValidationFailed(
            "name the platforms, services or journeys the freeze covers, or freeze everything",
            fields={"platforms": "name at least one platform, service or journey"},
        )


def freeze_window(starts_on: date, ends_on: date, timezone: str) -> Window:
    """From the first day's midnight to the midnight after the last day, in the freeze's zone."""
    if ends_on < starts_on:
        raise ValidationFailed(
            "a freeze ends before it starts", fields={"ends_on": "must not be before starts_on"}
        )
    zone = ZoneInfo(timezone)
    start = datetime.combine(starts_on, time(), zone)
    end = datetime.combine(ends_on + timedelta(days=1), time(), zone)
    return Window(start.astimezone(UTC), end.astimezone(UTC))


def freezes_hit(
    freezes: Iterable[Freeze], services: Collection[str], window: Window
) -> list[Freeze]:
    return [f for f in freezes if f.covers(services, window)]


def check_freeze(change_type: ChangeType, freezes: Collection[str], exception: bool) -> bool:
    """May a change inside these freezes (their names) go ahead? Emergency changes may, and
    are flagged (True: it runs inside a freeze); others only with an approved exception."""
    if not freezes:
        return False
    if change_type is ChangeType.EMERGENCY or exception:
        return True
    names = ", ".join(f"'{name}'" for name in freezes)
    raise Conflict(
        f"the planned window falls inside the freeze {names}; only emergency changes or an "
        "exception approved by the operations manager may go ahead",
        fields={"planned_start": f"inside freeze {names}"},
    )


# --- standard change templates ------------------------------------------------------------


def template_problems(
    services: Collection[str], window: Window, allowed: Collection[str], max_minutes: int
) -> dict[str, str]:
    """Why a change stays outside its standard template's bounds (empty when within them)."""
    problems = {}
    outside = sorted(set(services) - set(allowed))
    if outside:
        problems["services"] = f"not covered by the template: {', '.join(outside)}"
    if window.end - window.start > timedelta(minutes=max_minutes):
        problems["planned_end"] = f"the template allows at most {max_minutes} minutes"
    return problems


# --- suspects -----------------------------------------------------------------------------


SUSPECT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Candidate:
    key: str
    services: frozenset[str]
    at: datetime  # when it ran (started, or its planned start)
    failed: bool


@dataclass(frozen=True)
class Suspect:
    key: str
    score: float
    reasons: tuple[str, ...]


def rank_suspects(
    candidates: Iterable[Candidate],
    affected: Collection[str],
    upstream: Collection[str],
    impact_start: datetime,
) -> list[Suspect]:
    """Changes in the 24 h before impact on the affected services or what they depend on,
    most suspicious first: on an affected service, closer in time, already failed."""
    ranked = []
    for c in candidates:
        if not impact_start - SUSPECT_WINDOW <= c.at <= impact_start:
            continue
        direct = sorted(c.services.intersection(affected))
        via = sorted(c.services.intersection(upstream))
        if not direct and not via:
            continue
        hours = (impact_start - c.at).total_seconds() / 3600
        reasons = [f"on {', '.join(direct)}" if direct else f"upstream: {', '.join(via)}"]
        reasons.append(f"{hours:.1f} h before impact")
        if c.failed:
            reasons.append("failed")
        score = (2.0 if direct else 1.0) + (1 - hours / 24) + (1.0 if c.failed else 0.0)
        ranked.append(Suspect(c.key, round(score, 3), tuple(reasons)))
    return sorted(ranked, key=lambda s: (-s.score, s.key))


# --- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    group: str
    change_type: ChangeType
    status: Status
    in_freeze: bool
    failed: bool  # failed or rolled back, even if closed since


@dataclass(frozen=True)
class Figures:
    group: str
    volume: int
    finished: int
    succeeded: int
    failed: int
    emergency: int
    during_freeze: int

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.finished if self.finished else None

    @property
    def change_failure_rate(self) -> float | None:
        return self.failed / self.finished if self.finished else None

    @property
    def emergency_share(self) -> float | None:
        return self.emergency / self.volume if self.volume else None


def figures(outcomes: Iterable[Outcome]) -> list[Figures]:
    """Volume, success and DORA change failure rate, emergency share and changes during
    freezes per group; a change counts as finished once it completed, failed or rolled back."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.group, []).append(o)
    result = []
    for group, items in sorted(groups.items()):
        finished = [o for o in items if o.status in DONE]
        failed = sum(o.failed for o in finished)
        result.append(
            Figures(
                group=group,
                volume=len(items),
                finished=len(finished),
                succeeded=len(finished) - failed,
                failed=failed,
                emergency=sum(o.change_type is ChangeType.EMERGENCY for o in items),
                during_freeze=sum(o.in_freeze for o in items),
            )
        )
    return result


@dataclass(frozen=True)
class ChangeMoved(Event):
    """A change moved through its lifecycle (approved, scheduled, started, finished ...)."""

    key: str
    status: Status

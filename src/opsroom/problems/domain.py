"""Problem management as pure rules: the lifecycle, root-cause categories, known-error
matching and the detection of recurring incidents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rapidfuzz import fuzz

from opsroom.improvement.domain import DEFAULT_RECURRENCE, Recurrence
from opsroom.infra.errors import InvalidTransition


class Status(StrEnum):
    NEW = "new"
    INVESTIGATING = "investigating"
    ROOT_CAUSE_IDENTIFIED = "root_cause_identified"
    KNOWN_ERROR = "known_error"
    FIX_IN_PROGRESS = "fix_in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN = frozenset(set(Status) - {Status.RESOLVED, Status.CLOSED})


class Transition(StrEnum):
    INVESTIGATE = "investigate"
    IDENTIFY_ROOT_CAUSE = "identify_root_cause"
    MARK_KNOWN_ERROR = "mark_known_error"
    START_FIX = "start_fix"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


# transition -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.INVESTIGATE: (frozenset({Status.NEW}), Status.INVESTIGATING),
    Transition.IDENTIFY_ROOT_CAUSE: (
        frozenset({Status.INVESTIGATING}),
        Status.ROOT_CAUSE_IDENTIFIED,
    ),
    Transition.MARK_KNOWN_ERROR: (
        frozenset({Status.INVESTIGATING, Status.ROOT_CAUSE_IDENTIFIED}),
        Status.KNOWN_ERROR,
    ),
    Transition.START_FIX: (
        frozenset({Status.ROOT_CAUSE_IDENTIFIED, Status.KNOWN_ERROR}),
        Status.FIX_IN_PROGRESS,
    ),
    Transition.RESOLVE: (frozenset({Status.FIX_IN_PROGRESS}), Status.RESOLVED),
    Transition.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
    Transition.REOPEN: (frozenset({Status.RESOLVED, Status.CLOSED}), Status.INVESTIGATING),
}


def next_status(current: Status, transition: Transition) -> Status:
    sources, target = TRANSITIONS[transition]
    if current not in sources:
        allowed = sorted(t.value for t, (froms, _) in TRANSITIONS.items() if current in froms)
        raise InvalidTransition(
            f"cannot {transition.value.replace('_', ' ')} a problem that is "
            f"{current.value.replace('_', ' ')}; allowed now: {', '.join(allowed) or 'nothing'}",
            fields={"status": current.value},
        )
    return target


def allowed(current: Status) -> list[Transition]:
    return [t for t, (sources, _) in TRANSITIONS.items() if current in sources]


# --- known errors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchRule:
    """When an incident shows a known error: every criterion given must hold."""

    services: frozenset[str] = frozenset()  # any of these is affected
    labels: Mapping[str, str] | None = None  # one alert carries all of these labels
    title_contains: str = ""  # case-insensitive text in the incident title

    @property
    def empty(self) -> bool:
        return not (self.services or self.labels or self.title_contains.strip())


@dataclass(frozen=True)
class Symptoms:
    """What an incident shows that a known error can be recognised by."""

    services: frozenset[str]
    title: str
    alert_labels: Sequence[Mapping[str, str]] = ()


def matches(rule: MatchRule, seen: Symptoms) -> bool:
    if rule.empty:
        return False
    if rule.services and not rule.services & seen.services:
        return False
    if (
        rule.title_contains.strip()
        and rule.title_contains.strip().lower() not in seen.title.lower()
    ):
        return False
    wanted = dict(rule.labels or {})
    return not wanted or any(
        all(labels.get(k) == v for k, v in wanted.items()) for labels in seen.alert_labels
    )


# --- recurring incidents ----------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    key: str
    service: str
    title: str
    detected_at: datetime


def similar(a: str, b: str) -> float:
    return float(fuzz.token_set_ratio(a.lower(), b.lower()))


def _clusters(items: Sequence[Occurrence], threshold: float) -> list[list[Occurrence]]:
    """Single-link clusters: an incident joins every cluster it is alike to, merging them."""
    clusters: list[list[Occurrence]] = []
    for item in items:
        alike = [c for c in clusters if any(similar(item.title, o.title) >= threshold for o in c)]
        merged = [*(o for c in alike for o in c), item]
        clusters = [c for c in clusters if c not in alike] + [merged]
    return clusters


def _densest(cluster: Sequence[Occurrence], rule: Recurrence) -> list[Occurrence]:
    """The longest run of the cluster that fits in the window."""
    ordered = sorted(cluster, key=lambda o: o.detected_at)
    best: list[Occurrence] = []
    start = 0
    for end, last in enumerate(ordered):
        while last.detected_at - ordered[start].detected_at > rule.window:
            start += 1
        if end + 1 - start > len(best):
            best = ordered[start : end + 1]
    return best


def recurring(
    occurrences: Sequence[Occurrence], rule: Recurrence = DEFAULT_RECURRENCE
) -> list[list[Occurrence]]:
    """Groups of alike incidents on one service, each at least `rule.count` within the window,
    oldest first within a group."""
    by_service: dict[str, list[Occurrence]] = {}
    for o in sorted(occurrences, key=lambda o: (o.service, o.detected_at, o.key)):
        by_service.setdefault(o.service, []).append(o)
    groups = []
    for items in by_service.values():
        for cluster in _clusters(items, rule.similarity):
            run = _densest(cluster, rule)
            if len(run) >= rule.count:
                groups.append(run)
    return groups


def already_proposed(keys: frozenset[str], earlier: Sequence[frozenset[str]]) -> bool:
    """A group adds nothing new when an earlier proposal (accepted or dismissed) held all of it."""
    return any(keys <= seen for seen in earlier)


def sharing(keys: frozenset[str], pending: Sequence[frozenset[str]]) -> int | None:
    """The first pending proposal holding any of `keys`: a group that overlaps it grows it
    rather than being proposed beside it."""
    return next((i for i, held in enumerate(pending) if keys & held), None)

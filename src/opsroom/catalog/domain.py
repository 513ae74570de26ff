"""The catalog's rules: tiers, lifecycles, the dependency graph and RACI completeness."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from enum import IntEnum, StrEnum

import networkx as nx

from opsroom.infra.events import Event

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Tier(IntEnum):
    BUSINESS_CRITICAL = 1
    HIGH = 2
    MEDIUM = 3
    LOW = 4


class Lifecycle(StrEnum):
    PLANNED = "planned"
    LIVE = "live"
    DEPRECATED = "deprecated"


class RunBy(StrEnum):
    PLATFORM = "platform"
    SQUAD = "squad"


class Criticality(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Activity(StrEnum):
    INCIDENT_RESPONSE = "incident_response"
    CHANGE_APPROVAL = "change_approval"
    DISASTER_RECOVERY = "disaster_recovery"
    CAPACITY = "capacity"
    VENDOR_ESCALATION = "vendor_escalation"


class Raci(StrEnum):
    RESPONSIBLE = "R"
    ACCOUNTABLE = "A"
    SUPPORT = "S"
    CONSULTED = "C"
    INFORMED = "I"


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# --- dependency graph -----------------------------------------------------------------
# An edge (a, b) means "a depends on b": b is upstream of a, a is downstream of b.

Edge = tuple[str, str]


def dependency_graph(services: Iterable[str], edges: Iterable[Edge]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(services)
    graph.add_edges_from(edges)
    return graph


def cycle_if_added(edges: Iterable[Edge], new_edge: Edge) -> list[str] | None:
    """The dependency loop that adding new_edge would close, as a path, or None."""
    dependant, dependency = new_edge
    if dependant == dependency:
        return [dependant, dependant]
    graph = dependency_graph((), edges)
    if dependency not in graph or dependant not in graph:
        return None
    try:
        path: list[str] = nx.shortest_path(graph, dependency, dependant)
    except nx.NetworkXNoPath:
        return None
    return [dependant, *path]


def first_cycle(edges: Iterable[Edge]) -> list[str] | None:
    """Any loop in a whole set of edges (used when a catalog file is applied at once)."""
    graph = dependency_graph((), edges)
    try:
        loop = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return None
    return [a for a, _ in loop] + [loop[0][0]]


def upstream(graph: nx.DiGraph, service: str) -> set[str]:
    """Everything the service depends on, directly or transitively."""
    return set(nx.descendants(graph, service))


def downstream(graph: nx.DiGraph, service: str) -> set[str]:
    """Everything that depends on the service, directly or transitively: its blast radius."""
    return set(nx.ancestors(graph, service))


@dataclass(frozen=True)
class BlastRadius:
    service: str
    services: dict[str, int]  # affected service -> hops from the failing one
    journeys: list[str]


def blast_radius(
    graph: nx.DiGraph, service: str, journeys: Mapping[str, Sequence[str]]
) -> BlastRadius:
    """Who is hurt if `service` fails: every transitive dependant (with distance) and journey."""
    hops = nx.single_source_shortest_path_length(graph.reverse(copy=False), service)
    hops.pop(service, None)
    hit = {service, *hops}
    touched = sorted(slug for slug, steps in journeys.items() if hit.intersection(steps))
    return BlastRadius(service, dict(sorted(hops.items(), key=lambda kv: (kv[1], kv[0]))), touched)


def degraded_journeys(
    journeys: Mapping[str, Sequence[str]], degraded_services: Iterable[str]
) -> list[str]:
    """A journey is degraded as soon as any one of its services is."""
    bad = set(degraded_services)
    return sorted(slug for slug, steps in journeys.items() if bad.intersection(steps))


# --- RACI -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaciGap:
    service: str
    activity: Activity
    problem: str


def raci_gaps(
    services: Iterable[str], assignments: Iterable[tuple[str, Activity, Raci]]
) -> list[RaciGap]:
    """Every service x activity must have exactly one Accountable and at least one Responsible."""
    letters: dict[tuple[str, Activity], list[Raci]] = {}
    for service, activity, letter in assignments:
        letters.setdefault((service, activity), []).append(letter)
    gaps: list[RaciGap] = []
    for service in sorted(services):
        for activity in Activity:
            held = letters.get((service, activity), [])
            accountable = held.count(Raci.ACCOUNTABLE)
            if accountable == 0:
                gaps.append(RaciGap(service, activity, "nobody is accountable"))
            elif accountable > 1:
                gaps.append(
                    RaciGap(service, activity, f"{accountable} parties are accountable; keep one")
                )
            if Raci.RESPONSIBLE not in held:
                gaps.append(RaciGap(service, activity, "nobody is responsible"))
    return gaps


@dataclass(frozen=True)
class ServiceMoved(Event):
    """A service was given to another platform: the records open on it hear of it, and may
    refuse the move."""

    service: str
    left: str  # the platform it was on
    joined: str  # the platform it is on now
    actor: str


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WorkingHours:
    """When a platform's people work: these weekdays (0 = Monday), from start to end local
    time (an end at 00:00 is midnight), in `zone` (None: the zone opsroom is configured with)."""

    zone: str | None
    weekdays: frozenset[int]
    start: time
    end: time


DEFAULT_WORKING_HOURS = WorkingHours(None, frozenset(range(5)), time(9), time(17))

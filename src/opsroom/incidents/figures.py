"""Aggregates over incidents for the KPI engine, answered by the database: counts, SLA
outcomes and duration statistics per group (opsroom.infra.sqlstats gives the median and p90), and
the impact times of outages. The definitions they implement are in opsroom.kpis.domain."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from opsroom.incidents.domain import Priority, Status
from opsroom.incidents.models import DURATIONS, Incident, IncidentParticipant, IncidentService
from opsroom.infra.sqlstats import medians_and_p90s
from opsroom.infra.sqltime import seconds_between


@dataclass(frozen=True)
class Scope:
    """Incidents detected in [start, end), not cancelled, optionally of one platform or
    engaging one squad; `now` decides SLA clocks still running."""

    start: datetime
    end: datetime
    now: datetime
    platform: str | None = None
    squad: str | None = None


@dataclass(frozen=True)
class GroupCounts:
    incidents: int
    major: int
    response: tuple[int, int]  # SLA clocks (met, breached)
    resolution: tuple[int, int]


# (count, mean, median, p90) of a set of durations in seconds
Summary = tuple[int, float | None, float | None, float | None]


def _conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [
        Incident.detected_at >= scope.start,
        Incident.detected_at < scope.end,
        Incident.status != Status.CANCELLED,
    ]
    if scope.platform:
        conditions.append(Incident.platform_slug == scope.platform)
    if scope.squad:
        engaged = select(IncidentParticipant.incident_id).where(
            IncidentParticipant.kind == "squad", IncidentParticipant.ref == scope.squad
        )
        conditions.append(Incident.id.in_(engaged))
    return conditions


def _at(moment: datetime) -> Any:
    """A time as a bound value stored the way incident times are (naive UTC on SQLite)."""
    return literal(moment, Incident.detected_at.type)


def _key(by: str, scope: Scope) -> Any:
    """The group of each row: all (a number: the durations sort on it), its priority, a squad
    engaged on it, its own platform, or its week (0 is the week starting at scope.start; plain comparisons keep
    to the detection index). _group names them."""
    if by == "priority":
        return Incident.priority
    if by == "squad":
        return IncidentParticipant.ref
    if by == "platform":
        return Incident.platform_slug
    if by == "week":
        weeks = int((scope.end - scope.start) / timedelta(weeks=1))
        bounds = [scope.start + timedelta(weeks=i + 1) for i in range(weeks)]
        return case(*((Incident.detected_at < _at(b), i) for i, b in enumerate(bounds)))
    return literal_column("0")


def _group(by: str, grp: Any) -> str:
    return "all" if by == "all" else str(grp)


def _select(by: str, scope: Scope, *columns: Any) -> Select[Any]:
    query = select(_key(by, scope).label("grp"), *columns).select_from(Incident)
    if by == "squad":
        query = query.join(
            IncidentParticipant,
            and_(
                IncidentParticipant.incident_id == Incident.id, IncidentParticipant.kind == "squad"
            ),
        )
    return query.where(*_conditions(scope))


# --- counts and SLA outcomes ----------------------------------------------------------------


def _target_seconds(targets: Mapping[Priority, timedelta | None]) -> ColumnElement[Any]:
    whens = {int(p): t.total_seconds() for p, t in targets.items() if t is not None}
    return case(whens, value=Incident.priority, else_=None)


def _sla_sums(targets: Mapping[Priority, timedelta | None], stop: str, now: datetime) -> list[Any]:
    """Clocks met and breached, running from detection to `stop` (see kpis.domain.sla_met)."""
    target = _target_seconds(targets)
    stopped = _seconds(("detected_at", stop))
    running = func.coalesce(stopped, seconds_between(Incident.detected_at, _at(now)))
    met = and_(target.is_not(None), stopped <= target)
    breached = and_(target.is_not(None), running > target)
    return [func.sum(case((met, 1), else_=0)), func.sum(case((breached, 1), else_=0))]


def _grouped(by: str, scope: Scope, *columns: Any) -> Select[Any]:
    """The rows of one grouping, each labelled with its grouping (`by`) and group (grouped by
    the label: a week's bounds are bound values, which would differ between the clauses)."""
    query = _select(by, scope, literal(by).label("by"), *columns)
    return query.group_by(literal_column("grp")) if by != "all" else query


def group_counts(
    session: Session,
    *,
    groupings: Sequence[str],
    scope: Scope,
    response_targets: Mapping[Priority, timedelta | None],
    resolution_targets: Mapping[Priority, timedelta | None],
) -> dict[tuple[str, str], GroupCounts]:
    """(grouping, group) -> incidents, major incidents and SLA outcomes; one query per
    grouping (all, priority, squad, week) for every figure."""
    columns = (
        func.count(),
        func.sum(case((Incident.major.is_(True), 1), else_=0)),
        *_sla_sums(response_targets, "acknowledged_at", scope.now),
        *_sla_sums(resolution_targets, "resolved_at", scope.now),
    )
    rows = [row for by in groupings for row in session.execute(_grouped(by, scope, *columns))]
    return {
        (by, _group(by, grp)): GroupCounts(
            int(n), int(major or 0), (int(rm or 0), int(rb or 0)), (int(sm or 0), int(sb or 0))
        )
        for grp, by, n, major, rm, rb, sm, sb in rows
        if n
    }


# --- duration statistics --------------------------------------------------------------------


STORED: dict[tuple[str, str], InstrumentedAttribute[float | None]] = {
    span: getattr(Incident, name) for name, span in DURATIONS.items()
}


def _seconds(span: tuple[str, str]) -> InstrumentedAttribute[float | None]:
    """The stored seconds between the span's two timestamps (None while either is unknown)."""
    return STORED[span]


def _summaries(by: str, scope: Scope, spans: Mapping[str, tuple[str, str]]) -> Select[Any]:
    """Per group, for each measure: how many incidents have it, the sum, median and p90 of
    its seconds."""
    values = [_seconds(span) for span in spans.values()]
    ranked = iter(medians_and_p90s(values))
    columns = [f for v in values for f in (func.count(v), func.sum(v), next(ranked), next(ranked))]
    return _grouped(by, scope, *columns)


def group_durations(
    session: Session,
    *,
    groupings: Sequence[str],
    scope: Scope,
    spans: Mapping[str, tuple[str, str]],
) -> dict[tuple[str, str, str], Summary]:
    """(grouping, group, measure) -> count, mean, median and nearest-rank p90 of the seconds
    between each measure's two timestamps, where both are known; one query per grouping."""
    found: dict[tuple[str, str, str], Summary] = {}
    for by in groupings:
        for grp, _, *row in session.execute(_summaries(by, scope, spans)):
            for i, measure in enumerate(spans):
                n, total, median, p90 = row[4 * i : 4 * i + 4]
                if n:
                    found[by, _group(by, grp), measure] = (n, total / n, median, p90)
    return found


# --- counts by service, journey and source --------------------------------------------------


def count_by_service(session: Session, *, scope: Scope) -> dict[str, int]:
    key = IncidentService.service_slug
    query = (
        select(key, func.count())
        .join(Incident, Incident.id == IncidentService.incident_id)
        .where(*_conditions(scope))
        .group_by(key)
    )
    return {str(k): int(n) for k, n in session.execute(query)}


def count_by_source(session: Session, *, scope: Scope) -> dict[str, int]:
    query = select(Incident.source, func.count()).where(*_conditions(scope))
    return {str(k): int(n) for k, n in session.execute(query.group_by(Incident.source))}


def count_by_journey(
    session: Session, *, scope: Scope, journeys: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    """Journey -> incidents affecting at least one of its services (one scan of the period)."""
    if not journeys:
        return {}
    affecting = [
        func.count(func.distinct(case((IncidentService.service_slug.in_(steps), Incident.id))))
        for steps in journeys.values()
    ]
    query = (
        select(*affecting)
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .where(*_conditions(scope))
    )
    return dict(zip(journeys, map(int, session.execute(query).one()), strict=True))


# --- outages --------------------------------------------------------------------------------

IMPACT_TIMES = ("impact_started_at", "detected_at", "mitigated_at", "resolved_at")


def _impact_overlaps(
    query: Select[Any],
    priorities: Sequence[int],
    start: datetime,
    end: datetime,
    lookback: timedelta,
) -> Select[Any]:
    """Incidents of these priorities whose impact may overlap [start, end): detected up to
    `lookback` before it, their impact starting before its end."""
    began = func.coalesce(Incident.impact_started_at, Incident.detected_at)
    return query.where(
        Incident.priority.in_(list(priorities)),
        Incident.status != Status.CANCELLED,
        Incident.detected_at >= start - lookback,
        Incident.detected_at < end + lookback,
        began < end,
    )


def outage_times(
    session: Session,
    *,
    priorities: Sequence[int],
    start: datetime,
    end: datetime,
    lookback: timedelta,
    platform: str | None = None,
) -> list[tuple[str, dict[str, datetime | None]]]:
    """(service, impact timestamps) of incidents of these priorities whose impact may overlap
    [start, end)."""
    query = select(IncidentService.service_slug, *(getattr(Incident, n) for n in IMPACT_TIMES))
    query = _impact_overlaps(
        query.join(Incident, Incident.id == IncidentService.incident_id),
        priorities,
        start,
        end,
        lookback,
    )
    if platform:
        query = query.where(Incident.platform_slug == platform)
    return [
        (service, dict(zip(IMPACT_TIMES, stamps, strict=True)))
        for service, *stamps in session.execute(query)
    ]


@dataclass(frozen=True)
class Impact:
    service: str
    number: int
    title: str
    priority: int
    times: dict[str, datetime | None]


def impact_on(
    session: Session,
    *,
    services: Sequence[str] | None,
    priorities: Sequence[int],
    start: datetime,
    end: datetime,
    lookback: timedelta,
    other_than: str = "",
) -> list[Impact]:
    """Each incident on each of `services` (None: any service; an incident on two, twice) of
    these priorities whose impact may overlap [start, end); none that came from the source
    `other_than`."""
    query = select(
        IncidentService.service_slug,
        Incident.number,
        Incident.title,
        Incident.priority,
        *(getattr(Incident, n) for n in IMPACT_TIMES),
    ).join(Incident, Incident.id == IncidentService.incident_id)
    if services is not None:
        query = query.where(IncidentService.service_slug.in_(list(services)))
    query = _impact_overlaps(
        query.where(Incident.source != other_than),
        priorities,
        start,
        end,
        lookback,
    )
    return [
        Impact(service, number, title, priority, dict(zip(IMPACT_TIMES, stamps, strict=True)))
        for service, number, title, priority, *stamps in session.execute(
            query.order_by(Incident.number)
        )
    ]


def count_by_week_and_priority(session: Session, *, scope: Scope) -> dict[tuple[int, int], int]:
    """(week index from scope.start, priority) -> incidents detected."""
    rows = _select("week", scope, Incident.priority.label("priority")).subquery()
    query = select(rows.c.grp, rows.c.priority, func.count()).group_by(rows.c.grp, rows.c.priority)
    return {(int(w), int(p)): int(n) for w, p, n in session.execute(query)}


def open_by_priority(session: Session, *, platform: str | None = None) -> dict[int, int]:
    """Priority -> incidents open now (triggered, acknowledged or mitigated)."""
    query = select(Incident.priority, func.count()).where(
        Incident.status.in_([Status.TRIGGERED, Status.ACKNOWLEDGED, Status.MITIGATED])
    )
    if platform:
        query = query.where(Incident.platform_slug == platform)
    return {int(p): int(n) for p, n in session.execute(query.group_by(Incident.priority))}

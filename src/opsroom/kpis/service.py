"""Operations KPIs computed by the database: counts, time-to-X statistics (window functions
for the median and p90), SLA compliance in SQL aggregates; availability from the impact
windows of the period's outages, merged by the pure rules in kpis.domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    union_all,
)
from sqlalchemy.orm import Session

from opsroom import clock
from opsroom.alerts import domain as alerts_domain
from opsroom.alerts import service as alerts_service
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog_service
from opsroom.incidents import service as incidents_service
from opsroom.incidents.domain import Priority, Status
from opsroom.incidents.models import Incident, IncidentParticipant, IncidentService
from opsroom.kpis import domain, schemas
from opsroom.kpis.domain import Better, Measure, Period
from opsroom.kpis.sql import seconds_between

# Outages are looked for among incidents detected up to this long before the period (and
# every one still open): longer outages are not expected, and the bound keeps the search
# on the detection-time index.
LONGEST_OUTAGE = timedelta(days=31)
# Figures the issue asks for whose sources live in domains opsroom does not have yet.
NOT_YET_MEASURED = [
    "change failure rate and emergency-change share (changes)",
    "post-incident reviews on time (reviews)",
    "action-item closure rate and overdue actions (actions)",
    "pages per on-call person (on-call)",
]


@dataclass(frozen=True)
class Scope:
    period: Period
    platform: str | None
    squad: str | None
    now: datetime


def _scope_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [
        Incident.detected_at >= scope.period.start,
        Incident.detected_at < scope.period.end,
        Incident.status != Status.CANCELLED,
    ]
    if scope.platform:
        conditions.append(Incident.platform_slug == scope.platform)
    if scope.squad:
        conditions.append(Incident.id.in_(_engaged(scope.squad)))
    return conditions


def _engaged(squad: str) -> Select[Any]:
    return select(IncidentParticipant.incident_id).where(
        IncidentParticipant.kind == "squad", IncidentParticipant.ref == squad
    )


# --- groupings: all incidents, per priority, per squad engaged, per week -------------------


@dataclass(frozen=True)
class Grouping:
    key: Any  # a column or SQL expression
    per_squad: bool = False


ALL = Grouping(literal_column("'all'"))
BY_PRIORITY = Grouping(Incident.priority)
BY_SQUAD = Grouping(IncidentParticipant.ref, per_squad=True)


def _weekly(first: datetime, weeks: int) -> Grouping:
    """Week 0 starts at `first`; the bounds are plain comparisons on the detection index."""
    bounds = [first + timedelta(weeks=i + 1) for i in range(weeks)]
    return Grouping(case(*((Incident.detected_at < _at(b), i) for i, b in enumerate(bounds))))


def _select(grouping: Grouping, scope: Scope, *columns: Any) -> Select[Any]:
    query = select(grouping.key.label("grp"), *columns).select_from(Incident)
    if grouping.per_squad:
        query = query.join(
            IncidentParticipant,
            and_(
                IncidentParticipant.incident_id == Incident.id, IncidentParticipant.kind == "squad"
            ),
        )
    return query.where(*_scope_conditions(scope))


def _at(moment: datetime) -> Any:
    """A time as a bound value stored the way incident times are (naive UTC on SQLite)."""
    return literal(moment, Incident.detected_at.type)


def _column(name: str) -> Any:
    return getattr(Incident, name)


# --- counts and SLA compliance --------------------------------------------------------------


def _target_seconds(targets: dict[Priority, timedelta | None]) -> ColumnElement[Any]:
    whens = {int(p): t.total_seconds() for p, t in targets.items() if t is not None}
    return case(whens, value=Incident.priority, else_=None)


def _sla_sums(target: ColumnElement[Any], stop: str, now: datetime) -> list[Any]:
    """met and breached counts of one SLA clock (from detection to `stop`)."""
    start, end = Incident.detected_at, _column(stop)
    elapsed = seconds_between(start, func.coalesce(end, _at(now)))
    met = case(
        (and_(target.is_not(None), end.is_not(None), seconds_between(start, end) <= target), 1),
        else_=0,
    )
    breached = case((and_(target.is_not(None), elapsed > target), 1), else_=0)
    return [func.sum(met), func.sum(breached)]


def _counts(session: Session, grouping: Grouping, scope: Scope) -> dict[str, dict[str, Any]]:
    rules = incidents_service.current_policy(session)
    query = _select(
        grouping, scope, func.count(),
        func.sum(case((Incident.major.is_(True), 1), else_=0)),
        *_sla_sums(_target_seconds(dict(rules.response_target)), "acknowledged_at", scope.now),
        *_sla_sums(_target_seconds(dict(rules.resolution_target)), "resolved_at", scope.now),
    )  # fmt: skip
    if grouping is not ALL:  # PostgreSQL refuses a constant in GROUP BY
        query = query.group_by(grouping.key)
    return {
        str(grp): {
            "incidents": int(n),
            "major": int(major or 0),
            "response_sla": _share(r_met, r_breached),
            "resolution_sla": _share(s_met, s_breached),
        }
        for grp, n, major, r_met, r_breached, s_met, s_breached in session.execute(query)
    }


def _share(met: int | None, breached: int | None) -> float | None:
    decided = (met or 0) + (breached or 0)
    return (met or 0) / decided if decided else None


# --- time-to-X statistics -------------------------------------------------------------------


def _durations(
    session: Session, grouping: Grouping, scope: Scope
) -> dict[tuple[str, str], domain.Stats]:
    """(group, measure) -> count, mean, median and nearest-rank p90, in one query."""
    parts = []
    for measure, (start_name, end_name) in domain.SPANS.items():
        start, end = _column(start_name), _column(end_name)
        parts.append(
            _select(grouping, scope, literal_column(f"'{measure.value}'").label("measure"),
                    seconds_between(start, end).label("v"))
            .where(start.is_not(None), end.is_not(None))
        )  # fmt: skip
    values = union_all(*parts).subquery()
    partition = (values.c.measure, values.c.grp)
    ranked = select(
        values.c.grp, values.c.measure, values.c.v,
        func.row_number().over(partition_by=partition, order_by=values.c.v).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery()  # fmt: skip
    rn, n, v = ranked.c.rn, ranked.c.n, ranked.c.v
    query = select(
        ranked.c.grp, ranked.c.measure, func.count(), func.avg(v),
        # the middle rank, or the mean of the two middle ones: 2 rn in [n, n + 2]
        func.avg(case((and_(2 * rn >= n, 2 * rn <= n + 2), v))),
        # the first rank with rn >= 0.9 n
        func.max(case((and_(10 * rn >= 9 * n, 10 * rn < 9 * n + 10), v))),
    ).group_by(ranked.c.grp, ranked.c.measure)  # fmt: skip
    return {
        (str(grp), measure): domain.Stats(int(count), _float(mean), _float(median), _float(p90))
        for grp, measure, count, mean, median, p90 in session.execute(query)
    }


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _stats_read(stats: domain.Stats | None) -> schemas.StatsRead:
    stats = stats or domain.Stats()
    return schemas.StatsRead(count=stats.count, mean=stats.mean, median=stats.median, p90=stats.p90)


def _groups(
    session: Session, grouping: Grouping, scope: Scope, label: Any = str
) -> list[schemas.GroupRead]:
    counts = _counts(session, grouping, scope)
    durations = _durations(session, grouping, scope)
    return [
        schemas.GroupRead(
            key=label(grp), **figures,
            times={m.value: _stats_read(durations.get((grp, m.value))) for m in Measure},
        )
        for grp, figures in sorted(counts.items(), key=lambda kv: _sort_key(kv[0]))
    ]  # fmt: skip


def _sort_key(group: str) -> tuple[int, str]:
    return (int(group), "") if group.isdigit() else (0, group)


def _priority_label(group: str) -> str:
    return Priority(int(group)).label


def _overall(session: Session, scope: Scope) -> schemas.GroupRead:
    found = _groups(session, ALL, scope)
    return found[0] if found else schemas.GroupRead(
        key="all", incidents=0, major=0, response_sla=None, resolution_sla=None,
        times={m.value: _stats_read(None) for m in Measure},
    )  # fmt: skip


# --- counts by service, journey and source --------------------------------------------------


def _count_rows(session: Session, query: Any) -> list[schemas.CountRead]:
    rows = [schemas.CountRead(key=str(key), incidents=int(n)) for key, n in session.execute(query)]
    return sorted(rows, key=lambda r: (-r.incidents, r.key))


def _by_service(session: Session, scope: Scope) -> list[schemas.CountRead]:
    key = IncidentService.service_slug
    query = (
        select(key, func.count())
        .join(Incident, Incident.id == IncidentService.incident_id)
        .where(*_scope_conditions(scope))
        .group_by(key)
    )
    return _count_rows(session, query)


def _by_source(session: Session, scope: Scope) -> list[schemas.CountRead]:
    query = select(Incident.source, func.count()).where(*_scope_conditions(scope))
    return _count_rows(session, query.group_by(Incident.source))


def _by_journey(
    session: Session, scope: Scope, journeys: dict[str, list[str]]
) -> list[schemas.CountRead]:
    if not journeys:
        return []
    parts: list[Any] = [
        select(literal(slug).label("journey"), func.count(func.distinct(Incident.id)))
        .join(IncidentService, IncidentService.incident_id == Incident.id)
        .where(IncidentService.service_slug.in_(steps), *_scope_conditions(scope))
        for slug, steps in journeys.items()
    ]  # fmt: skip
    return _count_rows(session, union_all(*parts))


# --- availability and MTBF ------------------------------------------------------------------


def _outages(
    session: Session, scope: Scope, policy: domain.KpiPolicy
) -> dict[str, list[domain.Window]]:
    """Service -> impact windows of its outage-priority incidents that overlap the period."""
    names = ("impact_started_at", "detected_at", "mitigated_at", "resolved_at")
    start = func.coalesce(Incident.impact_started_at, Incident.detected_at)
    query = (
        select(IncidentService.service_slug, *(_column(n) for n in names))
        .join(Incident, Incident.id == IncidentService.incident_id)
        .where(
            Incident.priority.in_(sorted(policy.outage_priorities)),
            Incident.status != Status.CANCELLED,
            Incident.detected_at >= scope.period.start - LONGEST_OUTAGE,
            Incident.detected_at < scope.period.end + LONGEST_OUTAGE,
            start < scope.period.end,
        )
    )
    if scope.platform:
        query = query.where(Incident.platform_slug == scope.platform)
    windows: dict[str, list[domain.Window]] = {}
    for service, *stamps in session.execute(query):
        window = domain.impact_window(dict(zip(names, stamps, strict=True)), scope.now)
        windows.setdefault(service, []).append(window)
    return windows


def _uptime_read(
    key: str, name: str, up: domain.Uptime, target: float | None
) -> schemas.UptimeRead:
    availability = up.availability
    return schemas.UptimeRead(
        key=key, name=name, target=target, availability=availability,
        down_minutes=up.down.total_seconds() / 60, failures=up.failures,
        mtbf_hours=up.mtbf.total_seconds() / 3600 if up.mtbf else None,
        meets_target=None if availability is None or target is None else availability >= target,
    )  # fmt: skip


def _availability(
    session: Session, scope: Scope, journeys: dict[str, list[str]], policy: domain.KpiPolicy
) -> tuple[list[schemas.UptimeRead], list[schemas.UptimeRead]]:
    outages = _outages(session, scope, policy)
    planned = alerts_service.maintenance_windows(
        session, since=scope.period.start, until=scope.period.end
    )
    services = catalog_service.all_services(session, platform=scope.platform, owner=scope.squad)
    per_service = [
        _uptime_read(s.slug, s.name, domain.uptime(outages.get(s.slug, []), planned.get(s.slug, []), scope.period),
                     policy.availability_target.get(s.tier))
        for s in services
    ]  # fmt: skip
    names = {
        j.slug: j.name for j in catalog_service.list_journeys(session, platform=scope.platform)
    }
    per_journey = [
        _uptime_read(slug, names[slug], domain.journey_uptime(
            {s: (outages.get(s, []), planned.get(s, [])) for s in steps}, scope.period), None)
        for slug, steps in journeys.items()
    ]  # fmt: skip
    return per_service, per_journey


def _journeys(session: Session, platform: str | None) -> dict[str, list[str]]:
    return {j.slug: j.services for j in catalog_service.list_journeys(session, platform=platform)}


# --- alert noise ----------------------------------------------------------------------------


def _noise(session: Session, actor: Principal, period: Period) -> list[schemas.NoiseRead]:
    rows = alerts_service.noise(session, actor=actor, since=period.start, until=period.end)
    found = [
        schemas.NoiseRead(key=r.key, received=r.received, incidents_opened=r.incidents_opened,
                          noise_reduction_pct=r.noise_reduction_pct)
        for r in rows
    ]  # fmt: skip
    return sorted(found, key=lambda r: (-r.received, r.key))


def _noise_reduction(rows: Sequence[schemas.NoiseRead]) -> float | None:
    received = sum(r.received for r in rows)
    return alerts_domain.noise_reduction(received, sum(r.incidents_opened for r in rows))


# --- the report -----------------------------------------------------------------------------


def _tiles(current: schemas.GroupRead, previous: schemas.GroupRead) -> list[schemas.TileRead]:
    specs: list[tuple[str, str, str, Better, Callable[[schemas.GroupRead], float | None]]] = [
        ("incidents", "Incidents", "count", Better.LOWER, lambda g: g.incidents),
        ("major", "Major incidents", "count", Better.LOWER, lambda g: g.major),
        ("mtta", "MTTA (median)", "seconds", Better.LOWER, lambda g: g.times["mtta"].median),
        ("mttr", "MTTR (median)", "seconds", Better.LOWER, lambda g: g.times["mttr"].median),
        ("response_sla", "Response SLA met", "share", Better.HIGHER, lambda g: g.response_sla),
        (
            "resolution_sla",
            "Resolution SLA met",
            "share",
            Better.HIGHER,
            lambda g: g.resolution_sla,
        ),
    ]
    tiles = []
    for key, label, unit, better, value in specs:
        now, before = value(current), value(previous)
        moved = domain.trend(now, before, better)
        tiles.append(schemas.TileRead(key=key, label=label, unit=unit, value=now, previous=before,
                                      direction=moved.direction, improved=moved.improved))  # fmt: skip
    return tiles


def report(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    platform: str | None = None,
    squad: str | None = None,
    policy: domain.KpiPolicy = domain.DEFAULT_POLICY,
) -> schemas.KpiReport:
    """Every figure of a period, by priority, squad, service, journey and source, with the
    headline figures against the previous period."""
    require(actor, Action.READ)
    if platform:
        catalog_service.get_platform(session, platform)
    if squad:
        catalog_service.get_squad(session, squad)
    scope = Scope(period, platform, squad, clock.now())
    before = Scope(period.previous(), platform, squad, scope.now)
    overall = _overall(session, scope)
    journeys = _journeys(session, platform)
    services, journey_uptimes = _availability(session, scope, journeys, policy)
    noise = _noise(session, actor, period)
    return schemas.KpiReport(
        period=period.label, start=period.start, end=period.end,
        previous_period=before.period.label, platform=platform, squad=squad,
        generated_at=scope.now, overall=overall,
        by_priority=_groups(session, BY_PRIORITY, scope, _priority_label),
        by_squad=_groups(session, BY_SQUAD, scope),
        by_service=_by_service(session, scope), by_journey=_by_journey(session, scope, journeys),
        by_source=_by_source(session, scope), services=services, journeys=journey_uptimes,
        noise=noise, noise_reduction_pct=_noise_reduction(noise),
        tiles=_tiles(overall, _overall(session, before)), not_yet_measured=NOT_YET_MEASURED,
    )  # fmt: skip


def weekly_trend(
    session: Session, *, actor: Principal, weeks: int = 12, platform: str | None = None
) -> schemas.WeeklyTrend:
    """Incidents per week by priority and the weekly median MTTR, for the last `weeks` weeks
    (the current one included)."""
    require(actor, Action.READ)
    now = clock.now()
    monday = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) - timedelta(
        days=now.weekday()
    )
    first = monday - timedelta(weeks=weeks - 1)
    scope = Scope(Period("weeks", first, monday + timedelta(weeks=1)), platform, None, now)
    week = _weekly(first, weeks)
    counts = session.execute(
        _select(week, scope, Incident.priority, func.count()).group_by(week.key, Incident.priority)
    )
    by_priority = {p.label: [0] * weeks for p in Priority}
    for index, priority, n in counts:
        by_priority[Priority(priority).label][int(index)] = int(n)
    durations = _durations(session, week, scope)
    return schemas.WeeklyTrend(
        weeks=[f"{first + timedelta(weeks=i):%Y-%m-%d}" for i in range(weeks)],
        incidents_by_priority=by_priority,
        mttr_median=[
            _stats_read(durations.get((str(i), Measure.MTTR.value))).median for i in range(weeks)
        ],
    )

"""Operations KPIs over a period: incident figures aggregated by the database (through the
incidents service), availability and MTBF from the period's impact windows merged by the
pure rules in kpis.domain, alert noise from the alerts service."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial

from sqlalchemy.orm import Session

from opsroom.alerts import domain as alerts_domain
from opsroom.alerts import service as alerts_service
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog_service
from opsroom.incidents import service as incidents_service
from opsroom.incidents.domain import Priority
from opsroom.infra import clock
from opsroom.kpis import domain, practices, schemas
from opsroom.kpis import targets as availability
from opsroom.kpis.domain import Better, Measure, Period
from opsroom.kpis.targets import AVAILABILITY_TARGETS as AVAILABILITY_TARGETS
from opsroom.kpis.targets import check_own as check_own

# Outages are looked for among incidents detected up to this long before the period (and
# after it, for impact that began earlier): longer outages are not expected, and the bound
# keeps the search on the detection-time index.
LONGEST_OUTAGE = timedelta(days=31)
SPANS = {measure.value: span for measure, span in domain.SPANS.items()}
# What the dashboard's tiles show of the durations.
HEADLINE_SPANS = {m: SPANS[m] for m in (Measure.MTTA.value, Measure.MTTR.value)}
Scope = incidents_service.FigureScope
# The report's groupings: each is counted in one query and timed in another.
GROUPINGS = ("all", "priority", "squad")


def scope_of(period: Period, now: datetime, platform: str | None, squad: str | None) -> Scope:
    return Scope(start=period.start, end=period.end, now=now, platform=platform, squad=squad)


# --- incident figures per group -------------------------------------------------------------


def _stats_read(stats: domain.Stats | None) -> schemas.StatsRead:
    stats = stats or domain.Stats()
    return schemas.StatsRead(count=stats.count, mean=stats.mean, median=stats.median, p90=stats.p90)


def _share(met_breached: tuple[int, int]) -> float | None:
    met, breached = met_breached
    return met / (met + breached) if met + breached else None


def group_read(
    key: str, c: incidents_service.GroupCounts, times: Mapping[str, domain.Stats]
) -> schemas.GroupRead:
    return schemas.GroupRead(
        key=key,
        incidents=c.incidents,
        major=c.major,
        response_sla=_share(c.response),
        resolution_sla=_share(c.resolution),
        times={m: _stats_read(times.get(m)) for m in SPANS},
    )


def grouped_figures(
    session: Session,
    scope: Scope,
    counted: Sequence[str],
    timed: Sequence[str] = (),
    spans: Mapping[str, tuple[str, str]] = SPANS,
) -> dict[str, list[schemas.GroupRead]]:
    """Grouping -> its groups' figures: counts for every grouping in `counted`, duration
    statistics for those in `timed` (one query per grouping for each)."""
    rules = incidents_service.current_policy(session, scope.platform)
    counts = incidents_service.group_counts(
        session,
        groupings=counted,
        scope=scope,
        response_targets=rules.response_target,
        resolution_targets=rules.resolution_target,
    )
    durations = (
        incidents_service.group_durations(session, groupings=timed, scope=scope, spans=spans)
        if timed
        else {}
    )
    times: dict[tuple[str, str], dict[str, domain.Stats]] = {}
    for (by, grp, measure), summary in durations.items():
        times.setdefault((by, grp), {})[measure] = domain.Stats(*summary)
    found: dict[str, list[schemas.GroupRead]] = {by: [] for by in counted}
    for (by, grp), c in sorted(counts.items(), key=lambda kv: (kv[0][0], _sort_key(kv[0][1]))):
        found[by].append(group_read(GROUP_LABELS.get(by, str)(grp), c, times.get((by, grp), {})))
    return found


def _sort_key(group: str) -> tuple[int, str]:
    return (int(group), "") if group.isdigit() else (0, group)


def _priority_label(group: str) -> str:
    return Priority(int(group)).label


GROUP_LABELS: dict[str, Callable[[str], str]] = {"priority": _priority_label}
NO_INCIDENTS = incidents_service.GroupCounts(0, 0, (0, 0), (0, 0))


def overall_of(found: Mapping[str, list[schemas.GroupRead]]) -> schemas.GroupRead:
    return found["all"][0] if found["all"] else group_read("all", NO_INCIDENTS, {})


def _count_rows(counts: Mapping[str, int]) -> list[schemas.CountRead]:
    rows = [schemas.CountRead(key=key, incidents=n) for key, n in counts.items()]
    return sorted(rows, key=lambda r: (-r.incidents, r.key))


# --- availability and MTBF ------------------------------------------------------------------


def outages(
    session: Session, scope: Scope, policy: domain.KpiPolicy
) -> dict[str, list[domain.Window]]:
    """Service -> impact windows of its outage-priority incidents that may overlap the period."""
    rows = incidents_service.outage_times(
        session,
        priorities=sorted(policy.outage_priorities),
        start=scope.start,
        end=scope.end,
        lookback=LONGEST_OUTAGE,
        platform=scope.platform,
    )
    windows: dict[str, list[domain.Window]] = {}
    for service, times in rows:
        windows.setdefault(service, []).append(domain.impact_window(times, scope.now))
    return windows


def _uptime_read(
    key: str, name: str, up: domain.Uptime, target: float | None
) -> schemas.UptimeRead:
    availability = up.availability
    return schemas.UptimeRead(
        key=key,
        name=name,
        target=target,
        availability=availability,
        down_minutes=up.down.total_seconds() / 60,
        failures=up.failures,
        mtbf_hours=up.mtbf.total_seconds() / 3600 if up.mtbf else None,
        meets_target=None if availability is None or target is None else availability >= target,
    )


def uptimes(
    session: Session, scope: Scope, journeys: dict[str, list[str]], policy: domain.KpiPolicy
) -> tuple[list[schemas.UptimeRead], list[schemas.UptimeRead]]:
    impact = outages(session, scope, policy)
    planned = alerts_service.maintenance_windows(session, since=scope.start, until=scope.end)
    period = Period("", scope.start, scope.end)
    # Each service and journey is held to the targets of its own platform.
    targets_of = cache(partial(availability.targets, session))
    services = catalog_service.all_services(session, platform=scope.platform, owner=scope.squad)
    per_service = [
        _uptime_read(
            s.slug,
            s.name,
            domain.uptime(impact.get(s.slug, []), planned.get(s.slug, []), period),
            targets_of(s.platform.slug).of_service(s.slug, s.tier),
        )
        for s in services
    ]
    found = {j.slug: j for j in catalog_service.list_journeys(session, platform=scope.platform)}
    tiers = {s.slug: s.tier for s in catalog_service.all_services(session)} if journeys else {}
    per_journey = [
        _uptime_read(
            slug,
            found[slug].name,
            domain.journey_uptime(
                {s: (impact.get(s, []), planned.get(s, [])) for s in steps}, period
            ),
            targets_of(found[slug].platform.slug).of_journey(slug, [tiers[s] for s in steps]),
        )
        for slug, steps in journeys.items()
    ]
    return per_service, per_journey


def journeys_of(session: Session, platform: str | None) -> dict[str, list[str]]:
    return {j.slug: j.services for j in catalog_service.list_journeys(session, platform=platform)}


# --- alert noise ----------------------------------------------------------------------------


def _noise(session: Session, actor: Principal, period: Period) -> list[schemas.NoiseRead]:
    rows = alerts_service.noise(session, actor=actor, since=period.start, until=period.end)
    found = [
        schemas.NoiseRead(
            key=r.key,
            received=r.received,
            incidents_opened=r.incidents_opened,
            noise_reduction_pct=r.noise_reduction_pct,
        )
        for r in rows
    ]
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
        tiles.append(
            schemas.TileRead(
                key=key,
                label=label,
                unit=unit,
                value=now,
                previous=before,
                direction=moved.direction,
                improved=moved.improved,
            )
        )
    return tiles


@dataclass(frozen=True)
class _Selection:
    """What one report covers: a period, optionally one platform or one squad."""

    period: Period
    platform: str | None
    squad: str | None
    policy: domain.KpiPolicy


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
    headline figures against the previous period; a squad's with its scorecard."""
    if squad:
        return scorecard(
            session, actor=actor, period=period, squad=squad, platform=platform, policy=policy
        )[0]
    return _report(session, actor=actor, chosen=_Selection(period, platform, None, policy))


def _report(session: Session, *, actor: Principal, chosen: _Selection) -> schemas.KpiReport:
    require(actor, Action.READ)
    period, platform, squad, policy = chosen.period, chosen.platform, chosen.squad, chosen.policy
    if platform:
        catalog_service.get_platform(session, platform)
    if squad:
        catalog_service.get_squad(session, squad)
    scope = scope_of(period, clock.now(), platform, squad)
    before = scope_of(period.previous(), scope.now, platform, squad)
    found = grouped_figures(session, scope, GROUPINGS, GROUPINGS)
    overall = overall_of(found)
    journeys = journeys_of(session, platform)
    services, journey_uptimes = uptimes(session, scope, journeys, policy)
    noise = _noise(session, actor, period)
    return schemas.KpiReport(
        period=period.label,
        start=period.start,
        end=period.end,
        previous_period=period.previous().label,
        platform=platform,
        squad=squad,
        generated_at=scope.now,
        overall=overall,
        by_priority=found["priority"],
        by_squad=found["squad"],
        by_service=_count_rows(incidents_service.count_by_service(session, scope=scope)),
        by_journey=_count_rows(
            incidents_service.count_by_journey(session, scope=scope, journeys=journeys)
        ),
        by_source=_count_rows(incidents_service.count_by_source(session, scope=scope)),
        services=services,
        journeys=journey_uptimes,
        noise=noise,
        noise_reduction_pct=_noise_reduction(noise),
        tiles=_tiles(
            overall, overall_of(grouped_figures(session, before, ["all"], ["all"], HEADLINE_SPANS))
        ),
        scorecard=[],
        **practices.practice_figures(
            session, actor=actor, period=period, platform=platform, squad=squad
        ),
    )


def scorecard(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    squad: str,
    platform: str | None = None,
    policy: domain.KpiPolicy = domain.DEFAULT_POLICY,
) -> tuple[schemas.KpiReport, schemas.KpiReport]:
    """A squad's report with its scorecard, and the platform's report it is set against."""
    mine = _report(session, actor=actor, chosen=_Selection(period, platform, squad, policy))
    beside = _report(session, actor=actor, chosen=_Selection(period, platform, None, policy))
    squads = len(catalog_service.list_squads(session, platform=platform))
    lines = practices.scorecard(mine, beside, squads)
    return mine.model_copy(update={"scorecard": lines}), beside


def dashboard_summary(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    platform: str | None = None,
    policy: domain.KpiPolicy = domain.DEFAULT_POLICY,
) -> schemas.KpiReport:
    """What the dashboard shows of a period (headline tiles, SLA by squad, availability by
    journey, alert noise); the lists it does not show are left empty."""
    require(actor, Action.READ)
    scope = scope_of(period, clock.now(), platform, None)
    before = scope_of(period.previous(), scope.now, platform, None)
    found = grouped_figures(session, scope, ["all", "squad"], ["all"], HEADLINE_SPANS)
    overall = overall_of(found)
    _, journey_uptimes = uptimes(session, scope, journeys_of(session, platform), policy)
    noise = _noise(session, actor, period)
    return schemas.KpiReport(
        period=period.label,
        start=period.start,
        end=period.end,
        previous_period=period.previous().label,
        platform=platform,
        squad=None,
        generated_at=scope.now,
        overall=overall,
        by_priority=[],
        by_squad=found["squad"],
        by_service=[],
        by_journey=[],
        by_source=[],
        services=[],
        journeys=journey_uptimes,
        noise=noise,
        noise_reduction_pct=_noise_reduction(noise),
        tiles=_tiles(
            overall, overall_of(grouped_figures(session, before, ["all"], ["all"], HEADLINE_SPANS))
        ),
        scorecard=[],
        **practices.practice_figures(
            session, actor=actor, period=period, platform=platform, squad=None
        ),
    )


def weekly_trend(
    session: Session, *, actor: Principal, weeks: int = 12, platform: str | None = None
) -> schemas.WeeklyTrend:
    """Incidents per week by priority and the weekly median MTTR, for the last `weeks` weeks
    (the current one included)."""
    require(actor, Action.READ)
    if platform:
        catalog_service.get_platform(session, platform)
    now = clock.now()
    monday = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) - timedelta(
        days=now.weekday()
    )
    first = monday - timedelta(weeks=weeks - 1)
    scope = Scope(start=first, end=monday + timedelta(weeks=1), now=now, platform=platform)
    counts = incidents_service.count_by_week_and_priority(session, scope=scope)
    mttr = {Measure.MTTR.value: SPANS[Measure.MTTR.value]}
    durations = incidents_service.group_durations(
        session, groupings=["week"], scope=scope, spans=mttr
    )
    return schemas.WeeklyTrend(
        weeks=[f"{first + timedelta(weeks=i):%Y-%m-%d}" for i in range(weeks)],
        incidents_by_priority={
            p.label: [counts.get((week, int(p)), 0) for week in range(weeks)] for p in Priority
        },
        mttr_median=[
            durations["week", str(week), Measure.MTTR.value][2]
            if ("week", str(week), Measure.MTTR.value) in durations
            else None
            for week in range(weeks)
        ],
    )


def monthly_trend(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    months: int = 12,
    platform: str | None = None,
    squad: str | None = None,
) -> schemas.MonthlyTrend:
    """Month by month, up to the one `period` ends in: incidents, major incidents, median
    MTTA and MTTR, and the share of SLAs met (of a squad's incidents, with `squad`)."""
    require(actor, Action.READ)
    if platform:
        catalog_service.get_platform(session, platform)
    if squad:
        catalog_service.get_squad(session, squad)
    now = clock.now()
    spans = domain.months_up_to(period, months)
    found = [
        overall_of(
            grouped_figures(
                session, scope_of(m, now, platform, squad), ["all"], ["all"], HEADLINE_SPANS
            )
        )
        for m in spans
    ]
    return schemas.MonthlyTrend(
        months=[m.label for m in spans],
        incidents=[g.incidents for g in found],
        major=[g.major for g in found],
        mtta_median=[g.times[Measure.MTTA.value].median for g in found],
        mttr_median=[g.times[Measure.MTTR.value].median for g in found],
        response_sla=[g.response_sla for g in found],
        resolution_sla=[g.resolution_sla for g in found],
    )


def open_incidents(
    session: Session, *, actor: Principal, platform: str | None = None
) -> dict[str, int]:
    """Incidents open now per priority label, P1 to P5."""
    require(actor, Action.READ)
    counts = incidents_service.open_by_priority(session, platform=platform)
    return {p.label: counts.get(int(p), 0) for p in Priority}

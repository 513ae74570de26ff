"""The SQL path of the KPI report against the pure definitions, on random incident histories,
on every database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from opsroom.alerts import schemas as alert_schemas
from opsroom.alerts import silences
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import DEFAULT_POLICY, Priority, Status
from opsroom.infra import clock
from opsroom.infra.clock import FrozenClock
from opsroom.infra.errors import NotFound
from opsroom.kpis import domain
from opsroom.kpis import service as kpis
from opsroom.kpis.domain import Measure
from tests import factories
from tests.factories import ACTOR

OCT = domain.parse_period("2026-10")
OWNERS = {"gateway": "identity", "auth": "identity", "pay": "payments", "db": "payments"}
JOURNEYS = {"login": ["gateway", "auth"], "checkout": ["gateway", "pay", "db"]}
MAINTENANCE = (
    "db",
    datetime(2026, 10, 10, 0, 0, tzinfo=UTC),
    datetime(2026, 10, 10, 6, 0, tzinfo=UTC),
)


@pytest.fixture
def platform(session: Session) -> Session:
    factories.platform(session)
    for squad in ("identity", "payments"):
        factories.squad(session, squad)
    for slug, owner in OWNERS.items():
        factories.service(session, slug, owner=owner, tier=1 if owner == "identity" else 2)
    for slug, steps in JOURNEYS.items():
        factories.journey(session, slug, steps, criticality="high")
    service, start, end = MAINTENANCE
    previous = clock.use(FrozenClock(start - timedelta(days=1)))  # planned ahead, as it was
    silences.schedule_maintenance(
        session,
        actor=ACTOR,
        data=alert_schemas.MaintenanceCreate(
            service=service, starts_at=start, ends_at=end, comment="upgrade"
        ),
    )
    clock.use(previous)
    session.commit()
    return session


@dataclass(frozen=True)
class Generated:
    ref: str
    priority: int
    cancelled: bool
    times: dict[str, datetime | None]
    squads: list[str]
    services: list[str]


minutes = st.integers(min_value=0, max_value=3 * 24 * 60)


@st.composite
def incident(draw: Any, n: int) -> Generated:
    detected = datetime(2026, 9, 20, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(0, 50 * 24 * 60))
    )
    times: dict[str, datetime | None] = {"detected_at": detected}
    times["impact_started_at"] = (
        detected - timedelta(minutes=draw(minutes)) if draw(st.booleans()) else None
    )
    latest = detected
    for name in ("acknowledged_at", "mitigated_at", "resolved_at", "closed_at"):
        step = draw(st.one_of(st.none(), minutes))
        times[name] = None if step is None else latest + timedelta(minutes=step)
        latest = times[name] or latest
        if times[name] is None:
            break
    for name in ("acknowledged_at", "mitigated_at", "resolved_at", "closed_at"):
        times.setdefault(name, None)
    return Generated(
        ref=f"X{n}",
        priority=draw(st.integers(1, 5)),
        cancelled=draw(st.integers(0, 9)) == 0,
        times=times,
        squads=draw(st.lists(st.sampled_from(["identity", "payments"]), max_size=2, unique=True)),
        services=draw(st.lists(st.sampled_from(sorted(OWNERS)), max_size=2, unique=True)),
    )


histories = st.integers(0, 12).flatmap(lambda k: st.tuples(*(incident(i) for i in range(k))))


def _status(g: Generated) -> Status:
    if g.cancelled:
        return Status.CANCELLED
    for name, status in (
        ("closed_at", Status.CLOSED),
        ("resolved_at", Status.RESOLVED),
        ("mitigated_at", Status.MITIGATED),
        ("acknowledged_at", Status.ACKNOWLEDGED),
    ):
        if g.times.get(name):
            return status
    return Status.TRIGGERED


def _store(session: Session, history: tuple[Generated, ...]) -> None:
    for g in history:
        data = incident_schemas.IncidentImport(
            external_ref=g.ref,
            title=f"incident {g.ref}",
            platform="procurement",
            source="test",
            status=_status(g),
            impact=2,
            urgency=2,
            priority=Priority(g.priority),
            squads=g.squads,
            **g.times,
        )
        found, _ = incidents.import_record(session, actor=ACTOR, data=data)
        if g.services:
            incidents.add_services(session, actor=ACTOR, key=found.key, services=g.services)


def _squads(g: Generated) -> set[str]:
    return set(g.squads) | {OWNERS[s] for s in g.services}


def _expected_group(members: list[Generated], now: datetime) -> dict[str, Any]:
    def sla(targets: Any, stop: str) -> float | None:
        return domain.compliance(
            domain.sla_met(
                targets[Priority(g.priority)], g.times["detected_at"], g.times[stop], now
            )  # type: ignore[arg-type]
            for g in members
        )

    return {
        "incidents": len(members),
        "major": sum(g.priority <= 2 for g in members),
        "response_sla": sla(DEFAULT_POLICY.response_target, "acknowledged_at"),
        "resolution_sla": sla(DEFAULT_POLICY.resolution_target, "resolved_at"),
        "times": {
            m.value: domain.stats(domain.duration(g.times, m) for g in members) for m in Measure
        },
    }


def _check_group(actual: Any, expected: dict[str, Any]) -> None:
    assert actual.incidents == expected["incidents"]
    assert actual.major == expected["major"]
    assert actual.response_sla == pytest.approx(expected["response_sla"])
    assert actual.resolution_sla == pytest.approx(expected["resolution_sla"])
    for measure, stats in expected["times"].items():
        got = actual.times[measure]
        assert got.count == stats.count, measure
        for figure in ("mean", "median", "p90"):
            assert getattr(got, figure) == pytest.approx(getattr(stats, figure), abs=0.01), (
                measure,
                figure,
            )


def _expected_uptime(history: tuple[Generated, ...], now: datetime) -> dict[str, domain.Uptime]:
    outages: dict[str, list[domain.Window]] = {s: [] for s in OWNERS}
    for g in history:
        if g.priority <= 2 and not g.cancelled:
            for s in g.services:
                outages[s].append(domain.impact_window(g.times, now))
    planned = {s: [MAINTENANCE[1:]] if s == MAINTENANCE[0] else [] for s in OWNERS}
    result = {s: domain.uptime(outages[s], planned[s], OCT) for s in OWNERS}
    for journey, steps in JOURNEYS.items():
        result[journey] = domain.journey_uptime({s: (outages[s], planned[s]) for s in steps}, OCT)
    return result


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_the_sql_report_agrees_with_the_pure_definitions(
    platform: Session, frozen_clock: FrozenClock, history: tuple[Generated, ...]
) -> None:
    session, now = platform, frozen_clock.now()
    try:
        _store(session, history)
        report = kpis.report(session, actor=ACTOR, period=OCT)
    finally:
        session.rollback()
    counted = [
        g for g in history if not g.cancelled and OCT.start <= g.times["detected_at"] < OCT.end
    ]  # type: ignore[operator]
    _check_group(report.overall, _expected_group(counted, now))
    by_priority = {g.key: g for g in report.by_priority}
    assert set(by_priority) == {Priority(g.priority).label for g in counted}
    for label, group in by_priority.items():
        _check_group(
            group, _expected_group([g for g in counted if Priority(g.priority).label == label], now)
        )
    by_squad = {g.key: g for g in report.by_squad}
    assert set(by_squad) == set().union(*(_squads(g) for g in counted))
    for squad, group in by_squad.items():
        _check_group(group, _expected_group([g for g in counted if squad in _squads(g)], now))
    services = Counter(s for g in counted for s in g.services)
    assert {r.key: r.incidents for r in report.by_service} == services
    journeys = {
        j: sum(bool(set(steps) & set(g.services)) for g in counted) for j, steps in JOURNEYS.items()
    }
    assert {r.key: r.incidents for r in report.by_journey} == journeys
    expected = _expected_uptime(history, now)
    for row in [*report.services, *report.journeys]:
        assert row.availability == pytest.approx(expected[row.key].availability), row.key
        assert row.failures == expected[row.key].failures, row.key


def test_median_and_p90_are_read_at_their_ranks_for_every_count(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    # the middle one or two and the nearest rank move with the count: odd and even, 1 to 11
    day = datetime(2026, 10, 5, tzinfo=UTC)
    stored: list[Generated] = []
    for n, hours in enumerate((7, 2, 9, 4, 1, 10, 5, 3, 11, 8, 6)):
        g = Generated(
            f"R{n}",
            3,
            False,
            {"detected_at": day, "resolved_at": day + timedelta(hours=hours)},
            [],
            [],
        )
        _store(platform, (g,))
        stored.append(g)
        got = kpis.report(platform, actor=ACTOR, period=OCT).overall.times[Measure.MTTR.value]
        expected = domain.stats(domain.duration(s.times, Measure.MTTR) for s in stored)
        assert (got.count, got.median, got.p90) == (expected.count, expected.median, expected.p90)


def test_availability_is_against_the_tier_target(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    g = Generated(
        "A1",
        1,
        False,
        {
            "detected_at": datetime(2026, 10, 5, 10, tzinfo=UTC),
            "resolved_at": datetime(2026, 10, 5, 11, tzinfo=UTC),
        },
        [],
        ["auth"],
    )
    _store(platform, (g,))
    report = kpis.report(platform, actor=ACTOR, period=OCT)
    auth = next(s for s in report.services if s.key == "auth")
    assert auth.target == 0.9995
    assert auth.down_minutes == 60
    assert auth.availability == pytest.approx(1 - 1 / (31 * 24))
    assert auth.meets_target is False
    assert next(s for s in report.services if s.key == "pay").meets_target is True


def test_a_squads_report_counts_only_incidents_it_was_engaged_on(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    day = datetime(2026, 10, 5, 10, tzinfo=UTC)
    _store(
        platform,
        (
            Generated("S1", 3, False, {"detected_at": day}, ["payments"], []),
            Generated("S2", 3, False, {"detected_at": day}, [], ["gateway"]),
        ),
    )
    report = kpis.report(platform, actor=ACTOR, period=OCT, squad="payments")
    assert report.overall.incidents == 1
    assert {s.key for s in report.services} == {"pay", "db"}


def test_headline_figures_compare_with_the_previous_period(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    def resolved(ref: str, detected: datetime, hours: int) -> Generated:
        return Generated(
            ref,
            3,
            False,
            {
                "detected_at": detected,
                "acknowledged_at": detected,
                "resolved_at": detected + timedelta(hours=hours),
            },
            [],
            [],
        )

    _store(
        platform,
        (
            resolved("P1", datetime(2026, 9, 3, tzinfo=UTC), 10),
            resolved("P2", datetime(2026, 9, 4, tzinfo=UTC), 10),
            resolved("C1", datetime(2026, 10, 3, tzinfo=UTC), 2),
        ),
    )
    tiles = {t.key: t for t in kpis.report(platform, actor=ACTOR, period=OCT).tiles}
    assert (tiles["incidents"].value, tiles["incidents"].previous) == (1, 2)
    assert tiles["incidents"].improved is True
    assert tiles["mttr"].value == 2 * 3600 and tiles["mttr"].direction == "down"


def test_weekly_trend_counts_incidents_per_week_and_priority(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    # the clock stands at Monday 2026-11-02: that week is the last of the twelve
    _store(
        platform,
        (
            Generated(
                "W1",
                1,
                False,
                {
                    "detected_at": datetime(2026, 11, 2, 8, tzinfo=UTC),
                    "resolved_at": datetime(2026, 11, 2, 9, tzinfo=UTC),
                },
                [],
                [],
            ),
            Generated("W2", 3, False, {"detected_at": datetime(2026, 10, 28, tzinfo=UTC)}, [], []),
            Generated("W3", 3, False, {"detected_at": datetime(2026, 1, 1, tzinfo=UTC)}, [], []),
        ),
    )
    trend = kpis.weekly_trend(platform, actor=ACTOR, weeks=12)
    assert trend.weeks[-1] == "2026-11-02"
    assert trend.incidents_by_priority["P1"][-1] == 1
    assert trend.incidents_by_priority["P3"][-2] == 1
    assert sum(map(sum, trend.incidents_by_priority.values())) == 2
    assert trend.mttr_median[-1] == 3600 and trend.mttr_median[-2] is None


def test_unknown_squad_or_platform_is_not_found(platform: Session) -> None:
    with pytest.raises(NotFound):
        kpis.report(platform, actor=ACTOR, period=OCT, squad="nobody")
    with pytest.raises(NotFound):
        kpis.report(platform, actor=ACTOR, period=OCT, platform="nowhere")


def test_monthly_trend_has_each_months_figures_up_to_the_period(platform: Session) -> None:
    def resolved(ref: str, detected: datetime, hours: int, priority: int = 3) -> Generated:
        times = {"detected_at": detected, "resolved_at": detected + timedelta(hours=hours)}
        return Generated(ref, priority, False, times, [], [])

    _store(
        platform,
        (
            resolved("A1", datetime(2026, 8, 3, tzinfo=UTC), 4, priority=1),
            resolved("S1", datetime(2026, 9, 3, tzinfo=UTC), 10),
            resolved("S2", datetime(2026, 9, 4, tzinfo=UTC), 2),
            resolved("N1", datetime(2026, 11, 1, tzinfo=UTC), 1),
        ),
    )
    trend = kpis.monthly_trend(platform, actor=ACTOR, period=OCT, months=3)
    assert trend.months == ["2026-08", "2026-09", "2026-10"]
    assert (trend.incidents, trend.major) == ([1, 2, 0], [1, 0, 0])
    assert trend.mttr_median == [4 * 3600, 6 * 3600, None]


def test_monthly_trend_of_an_unknown_squad_is_not_found(platform: Session) -> None:
    with pytest.raises(NotFound):
        kpis.monthly_trend(platform, actor=ACTOR, period=OCT, squad="nobody")

"""Alerts into incidents: opening, grouping within the window, topology across integrations,
auto-resolve, the reopen window and the opening threshold. Every decision is explained."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.alerts import reports
from opsroom.alerts.domain import Severity
from opsroom.alerts.models import Alert
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Status
from opsroom.infra.clock import FrozenClock
from tests.factories import ACTOR
from tests.service.alerts.conftest import alert, integration, resolved, send


def timeline(session: Session, key: str) -> list[str]:
    return [e.text for e in incidents.timeline(session, actor=ACTOR, key=key)]


def test_a_firing_alert_opens_an_incident_detected_at_its_arrival(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform)
    started = frozen_clock.now() - timedelta(minutes=12)
    frozen_clock.advance(timedelta(seconds=30))
    first = alert("DiskFull", service="db", pod="db-0")
    result = send(platform, prom, replace(first, starts_at=started))
    assert result.incidents == ["INC-1"]
    incident = incidents.get(platform, actor=ACTOR, key="INC-1")
    assert (incident.detected_at, incident.impact_started_at) == (frozen_clock.now(), started)
    assert (incident.title, incident.source, incident.service_slugs) == (
        "DiskFull db db-0",
        "integration:prom",
        ["db"],
    )
    assert (incident.impact, incident.urgency, incident.priority) == (2, 1, 2)  # tier 2, critical
    assert incident.declared_by == "integration:prom"
    assert "Opened by integration prom: alert “DiskFull db db-0” fired" in timeline(
        platform, "INC-1"
    )


def test_alerts_group_within_the_window_and_not_after_it(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(
        platform, group_by=["alertname"], grouping_window_minutes=10, auto_resolve=False
    )
    send(platform, prom, alert("Latency", service="db", pod="a"))
    send(platform, prom, resolved("Latency", service="db", pod="a"))
    frozen_clock.advance(timedelta(minutes=5))
    joined = send(platform, prom, alert("Latency", service="db", pod="b"))
    assert joined.incidents == ["INC-1"]
    assert (
        'Alert “Latency db b” joined because it is in the same group {alertname="Latency"} '
        "as alerts already on this incident"
    ) in timeline(platform, "INC-1")
    send(platform, prom, resolved("Latency", service="db", pod="b"))
    frozen_clock.advance(timedelta(minutes=11))
    assert send(platform, prom, alert("Latency", service="db", pod="c")).incidents == ["INC-2"]


def test_a_group_still_firing_keeps_joining_its_open_incident(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform, group_by=["alertname"], grouping_window_minutes=5)
    send(platform, prom, alert("Errors", service="db", pod="a"))
    frozen_clock.advance(timedelta(hours=2))
    assert send(platform, prom, alert("Errors", service="db", pod="b")).incidents == ["INC-1"]


def test_topology_joins_alerts_from_another_integration_and_names_the_probable_cause(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    edge = integration(platform, "edge", service="gateway")
    dbmon = integration(platform, "dbmon", service="db")
    send(platform, edge, alert("Http5xx", service="gateway"))
    frozen_clock.advance(timedelta(minutes=2))
    assert send(platform, dbmon, alert("Replication", service="db")).incidents == ["INC-1"]
    entries = timeline(platform, "INC-1")
    assert (
        "Alert “Replication db” joined because gateway depends on db (gateway → auth → db), "
        "and gateway alerted on this incident 2 min ago, within the grouping window"
    ) in entries
    assert (
        "Probable cause: db, the most upstream alerting service (gateway depends on it)" in entries
    )
    assert incidents.get(platform, actor=ACTOR, key="INC-1").service_slugs == ["db", "gateway"]
    read = reports.incident_alerts(platform, actor=ACTOR, key="INC-1")
    assert (read.probable_cause, [a.service for a in read.alerts]) == ("db", ["gateway", "db"])


def test_topology_needs_a_dependency_path_and_the_window(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    searchmon = integration(platform, "searchmon", service="search")
    authmon = integration(platform, "authmon", service="auth", grouping_window_minutes=10)
    send(platform, searchmon, alert("Slow", service="search"))
    # auth and search both depend on db, but neither depends on the other
    assert send(platform, authmon, alert("Slow", service="auth")).incidents == ["INC-2"]
    frozen_clock.advance(timedelta(minutes=11))
    dbmon = integration(platform, "dbmon", service="db", grouping_window_minutes=10)
    assert send(platform, dbmon, alert("Down", service="db")).incidents == ["INC-3"]


def test_incident_resolves_when_all_its_alerts_resolve(platform: Session) -> None:
    prom = integration(platform, group_by=["alertname"])
    send(platform, prom, alert("Down", service="db", pod="a"), alert("Down", service="db", pod="b"))
    send(platform, prom, resolved("Down", service="db", pod="a"))
    assert incidents.get(platform, actor=ACTOR, key="INC-1").status == Status.TRIGGERED
    send(platform, prom, resolved("Down", service="db", pod="b"))
    incident = incidents.get(platform, actor=ACTOR, key="INC-1")
    assert incident.status == Status.RESOLVED
    assert "Resolved: resolved automatically: all 2 of its alerts resolved" in timeline(
        platform, "INC-1"
    )


def test_auto_resolve_can_be_turned_off(platform: Session) -> None:
    prom = integration(platform, auto_resolve=False)
    send(platform, prom, alert("Down", service="db"))
    send(platform, prom, resolved("Down", service="db"))
    assert incidents.get(platform, actor=ACTOR, key="INC-1").status == Status.TRIGGERED


def test_a_resolved_incident_reopens_within_the_reopen_window_only(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform, reopen_window_minutes=30)
    send(platform, prom, alert("Flapping", service="db"))
    send(platform, prom, resolved("Flapping", service="db"))
    frozen_clock.advance(timedelta(minutes=10))
    assert send(platform, prom, alert("Flapping", service="db")).incidents == ["INC-1"]
    incident = incidents.get(platform, actor=ACTOR, key="INC-1")
    assert (incident.status, incident.reopen_count) == (Status.ACKNOWLEDGED, 1)
    assert (
        "Acknowledged: its alerts fired again 10 min after it was resolved (reopen window 30 min)"
        in timeline(platform, "INC-1")
    )
    send(platform, prom, resolved("Flapping", service="db"))
    frozen_clock.advance(timedelta(minutes=31))
    assert send(platform, prom, alert("Flapping", service="db")).incidents == ["INC-2"]


def test_without_a_reopen_window_a_new_incident_opens(platform: Session) -> None:
    prom = integration(platform)
    send(platform, prom, alert("Flapping", service="db"))
    send(platform, prom, resolved("Flapping", service="db"))
    assert send(platform, prom, alert("Flapping", service="db")).incidents == ["INC-2"]


def test_an_incident_opens_once_the_group_reaches_its_threshold(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(
        platform, group_by=["alertname"], alerts_to_open=3, grouping_window_minutes=10
    )
    first_arrival = frozen_clock.now()
    assert send(platform, prom, alert("Oom", service="db", pod="a")).incidents == []
    frozen_clock.advance(timedelta(minutes=2))
    assert send(platform, prom, alert("Oom", service="db", pod="b")).incidents == []
    frozen_clock.advance(timedelta(minutes=2))
    assert send(platform, prom, alert("Oom", service="db", pod="c")).incidents == ["INC-1"]
    incident = incidents.get(platform, actor=ACTOR, key="INC-1")
    assert incident.detected_at == first_arrival
    assert len(reports.incident_alerts(platform, actor=ACTOR, key="INC-1").alerts) == 3
    assert (
        'Opened by integration prom: 3 alerts in group {alertname="Oom"} within 10 min reached '
        "the threshold of 3 (“Oom db a”, “Oom db b”, “Oom db c”)"
    ) in timeline(platform, "INC-1")


def test_alerts_below_the_threshold_expire_from_the_window(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(
        platform, group_by=["alertname"], alerts_to_open=2, grouping_window_minutes=5
    )
    send(platform, prom, alert("Oom", service="db", pod="a"))
    frozen_clock.advance(timedelta(minutes=6))
    assert send(platform, prom, alert("Oom", service="db", pod="b")).incidents == []


def test_one_batch_explains_its_joins_once(platform: Session) -> None:
    prom = integration(platform, group_by=["alertname"])
    batch = [alert("Down", service="db", pod=str(n)) for n in range(4)]
    assert send(platform, prom, *batch).incidents == ["INC-1"]
    joins = [t for t in timeline(platform, "INC-1") if "joined because" in t]
    assert joins == [
        "3 alerts (“Down db 1”, “Down db 2”, “Down db 3”) joined because it is in the same "
        'group {alertname="Down"} as alerts already on this incident'
    ]


def test_a_more_severe_alert_joining_raises_urgency_and_priority(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform, group_by=["alertname"])
    send(platform, prom, alert("Latency", severity=Severity.WARNING, service="db", pod="a"))
    before = incidents.get(platform, actor=ACTOR, key="INC-1")
    assert (before.urgency, before.priority) == (3, 4)  # tier 2 service, warning
    frozen_clock.advance(timedelta(minutes=1))
    send(platform, prom, alert("Latency", severity=Severity.CRITICAL, service="db", pod="b"))
    after = incidents.get(platform, actor=ACTOR, key="INC-1")
    assert (after.urgency, after.priority) == (1, 2)
    assert (
        "Urgency raised to 1, priority now P2: a critical alert joined (Latency db b)"
        in timeline(platform, "INC-1")
    )
    # A milder alert joining later never lowers it again.
    send(platform, prom, alert("Latency", severity=Severity.INFO, service="db", pod="c"))
    assert incidents.get(platform, actor=ACTOR, key="INC-1").urgency == 1


def test_alerts_of_a_merged_duplicate_follow_it_into_the_primary(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform, group_by=["alertname"])
    send(platform, prom, alert("Errors", service="db", pod="a"))
    frozen_clock.advance(timedelta(minutes=20))  # past the window: no topology join
    send(platform, prom, alert("Latency", service="auth", pod="b"))
    duplicate = incidents.get(platform, actor=ACTOR, key="INC-2")
    primary = incidents.get(platform, actor=ACTOR, key="INC-1")
    incidents.merge_duplicate(platform, actor=ACTOR, duplicate=duplicate, primary=primary)
    shown = reports.incident_alerts(platform, actor=ACTOR, key="INC-1")
    assert sorted(a.summary for a in shown.alerts) == ["Errors db a", "Latency auth b"]
    # The duplicate's group keeps joining the primary instead of opening a new incident.
    frozen_clock.advance(timedelta(minutes=1))
    assert send(platform, prom, alert("Latency", service="auth", pod="c")).incidents == ["INC-1"]
    # The primary resolves itself only once the duplicate's alerts have resolved too.
    send(platform, prom, resolved("Errors", service="db", pod="a"))
    assert incidents.get(platform, actor=ACTOR, key="INC-1").status != Status.RESOLVED
    send(
        platform,
        prom,
        resolved("Latency", service="auth", pod="b"),
        resolved("Latency", service="auth", pod="c"),
    )
    assert incidents.get(platform, actor=ACTOR, key="INC-1").status == Status.RESOLVED


def test_one_batch_joins_known_groups_and_opens_new_ones_keeping_the_order_of_arrival(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform, service=None, group_by=["alertname"])
    send(platform, prom, alert("Disk", service="auth", pod="a"))
    frozen_clock.advance(timedelta(minutes=1))
    batch = [
        alert("Disk", service="auth", pod="b"),
        alert("Slow", service="search"),  # search and auth are not linked: a new incident
        alert("Disk", service="auth", pod="c"),
    ]
    assert send(platform, prom, *batch).incidents == ["INC-1", "INC-2"]
    stored = platform.execute(
        select(Alert.summary, Alert.incident_number, Alert.opened_incident).order_by(Alert.id)
    ).all()
    assert [tuple(row) for row in stored] == [
        ("Disk auth a", 1, True),
        ("Disk auth b", 1, False),
        ("Slow search", 2, True),
        ("Disk auth c", 1, False),
    ]
    assert (
        "2 alerts (“Disk auth b”, “Disk auth c”) joined because it is in the same group "
        '{alertname="Disk"} as alerts already on this incident'
    ) in timeline(platform, "INC-1")

"""The demo's monitoring traffic: it goes through the real parsers and ingest, and tells the
stories the alert pages are there to show."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from opsroom.alerts import reports
from opsroom.catalog import manifest
from opsroom.demo import DEMO_CATALOG
from opsroom.demo import alerts as demo_history
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Status
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.conftest import ADMIN, Templates

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _load_traffic(settings: Settings) -> int:
    with session_scope(settings) as s:
        manifest.apply_text(s, actor=ADMIN, text=DEMO_CATALOG.read_text())
    with session_scope(settings) as s:
        return demo_history.load(s, actor=ADMIN, now=NOW)


@pytest.fixture
def settings(dialect: str, templates: Templates, tmp_path: Path) -> Settings:
    """The demo catalog and the traffic up to NOW, in one committed load (made once per
    session, then copied for each test)."""
    copied, requests = templates.copy(dialect, tmp_path, "demo_alert_traffic", _load_traffic)
    assert requests > 100
    return copied


@pytest.fixture
def demo(settings: Settings) -> Iterator[Session]:
    with session_scope(settings, write=False) as s:
        yield s


def alert_incidents(session: Session) -> list[object]:
    found = incidents.search(session, actor=ADMIN, limit=500).items
    return [i for i in found if i.source.startswith("integration:")]


def test_the_redis_storm_became_one_incident_and_checks_opened_one(demo: Session) -> None:
    session = demo
    [storm] = [i for i in alert_incidents(session) if i.title == "Redis primary unreachable"]
    shown = reports.incident_alerts(session, actor=ADMIN, key=storm.key)
    assert len(shown.alerts) == 30
    assert shown.probable_cause == "redis-cache"
    assert set(storm.service_slugs) == {
        "redis-cache",
        "auth-service",
        "search-api",
        "pricing-service",
        "api-gateway",
    }
    assert storm.status == Status.RESOLVED  # its alerts resolved, and it with them
    assert storm.detected_at == min(a.first_received_at for a in shown.alerts)
    # Synthetic checks open an incident only when three locations fail.
    checks = [i for i in alert_incidents(session) if i.source == "integration:synthetic-checks"]
    assert len(checks) == 1
    assert checks[0].detected_at.date() == (NOW - timedelta(days=2, hours=6)).date()


def test_noise_is_folded_and_suppressed_and_loading_again_changes_nothing(
    settings: Settings, demo: Session
) -> None:
    session = demo
    figures = {row.key: row for row in reports.noise(session, actor=ADMIN)}
    prometheus = figures[demo_history.PROMETHEUS]
    assert prometheus.deduplicated > prometheus.alerts  # Alertmanager re-sends are folded
    assert prometheus.suppressed >= 5  # maintenance and the LDAP silence
    assert prometheus.noise_reduction_pct is not None and prometheus.noise_reduction_pct > 90
    suppressed = reports.search(session, actor=ADMIN, suppressed=True, limit=50).items
    assert {a.service_slug for a in suppressed} == {"postgres-finance", "legacy-ldap-sync"}
    assert all(a.incident_number is None for a in suppressed)
    with session_scope(settings) as again:
        assert demo_history.load(again, actor=ADMIN, now=NOW) == 0

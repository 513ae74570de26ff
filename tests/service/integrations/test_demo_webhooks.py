"""The demo's webhook traffic: three integrations of shipped webhook types, read by their
templates through the real intake, and one payload kept raw because it could not be read."""

from __future__ import annotations

from pathlib import Path

from opsroom.alerts import reports, webhooks
from opsroom.catalog import manifest
from opsroom.demo import DEMO_CATALOG
from opsroom.demo import webhooks as demo_webhooks
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.conftest import ADMIN, TEST_NOW, Templates


def test_the_demo_webhooks_become_alerts_incidents_and_one_unread_payload(
    dialect: str, templates: Templates, tmp_path: Path
) -> None:
    settings: Settings = templates.copy(dialect, tmp_path)[0]
    with session_scope(settings) as s:
        manifest.apply_text(s, actor=ADMIN, text=DEMO_CATALOG.read_text())
    with session_scope(settings) as s:
        assert demo_webhooks.load(s, actor=ADMIN, now=TEST_NOW) == 11
    with session_scope(settings) as s:
        assert demo_webhooks.load(s, actor=ADMIN, now=TEST_NOW) == 0  # loaded once
        by_type = {
            slug: reports.search(s, actor=ADMIN, integration=slug, limit=50).items
            for slug in (demo_webhooks.GRAFANA, demo_webhooks.ZABBIX, demo_webhooks.CLOUDWATCH)
        }
        [unread] = webhooks.unread(s, demo_webhooks.ZABBIX)
    assert [len(found) for found in by_type.values()] == [2, 2, 1]
    every = [alert for found in by_type.values() for alert in found]
    assert all(alert.status == "resolved" and alert.incident_number for alert in every)
    assert {alert.service_slug for alert in every} == {
        "search-api",
        "checkout-service",
        "postgres-core",
        "redis-cache",
        "edi-gateway",
    }
    assert "no summary" in unread.problem and "Test message" in unread.body

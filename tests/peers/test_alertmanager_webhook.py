"""A real Alertmanager sends its webhook to a real opsroom server: the incident opens, and
resolves once Alertmanager reports the alerts resolved."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from opsroom.alerts import reports, schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests import factories
from tests.conftest import ADMIN
from tests.peers import alertmanager

CONFIG = """\
route:
  receiver: opsroom
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: opsroom
    webhook_configs:
      - url: {url}/api/v1/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {key}
"""
WAIT_SECONDS = 30
POLL_SECONDS = 0.2


def wait_for(what: str, check: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"gave up after {WAIT_SECONDS}s waiting for {what}")


def incident_status(settings: Settings) -> str | None:
    with session_scope(settings, write=False) as s:
        found = incidents.search(s, actor=ADMIN).items
        return str(found[0].status) if found else None


def firing_alerts(settings: Settings) -> int:
    with session_scope(settings, write=False) as s:
        return len(reports.search(s, actor=ADMIN, status=AlertStatus.FIRING).items)


def setup_integration(settings: Settings) -> str:
    with session_scope(settings) as s:
        factories.small_platform(s)
        data = schemas.IntegrationCreate(slug="prom", name="Prometheus", service="db")
        return alerts.create_integration(s, actor=ADMIN, data=data)[0]


def push(am: httpx.Client, *, ends_at: datetime | None) -> None:
    now = datetime.now(UTC)
    batch = [
        {
            "labels": {"alertname": "DiskFull", "instance": f"db-{n}", "severity": "critical"},
            "annotations": {"summary": f"Disk on db-{n} is full"},
            "startsAt": (now - timedelta(minutes=5)).isoformat(),
            **({"endsAt": ends_at.isoformat()} if ends_at else {}),
        }
        for n in range(2)
    ]
    assert am.post("/api/v2/alerts", json=batch).status_code == 200


def test_alertmanager_opens_and_resolves_an_incident(
    tmp_path: Path, settings: Settings, opsroom_url: str
) -> None:
    key = setup_integration(settings)
    config = CONFIG.format(url=opsroom_url, key=key)
    with alertmanager.running(tmp_path, config) as base, httpx.Client(base_url=base) as am:
        push(am, ends_at=None)
        assert wait_for("the incident to open", lambda: incident_status(settings)) == "triggered"
        # An alert that started before group_wait flushes its group at once, so the second
        # one may come a group_interval later.
        wait_for("both alerts", lambda: firing_alerts(settings) == 2)
        push(am, ends_at=datetime.now(UTC) - timedelta(seconds=1))
        wait_for("the incident to resolve", lambda: incident_status(settings) == "resolved")
    with session_scope(settings, write=False) as s:
        received = [reports.read_alert(a) for a in reports.search(s, actor=ADMIN).items]
    assert sorted(a.labels["instance"] for a in received) == ["db-0", "db-1"]
    assert {(a.status, a.incident) for a in received} == {("resolved", "INC-1")}
    assert all(a.group_key == '{}:{alertname="DiskFull"}' for a in received)

"""`opsroom integration`, `opsroom silence` and `opsroom alert` from the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus, IncomingAlert
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.cli import app

CATALOG = """\
version: 1
platforms:
  - {slug: procurement, name: Procurement}
squads:
  - {slug: identity, name: Identity, platform: procurement}
services:
  - {slug: db, name: DB, platform: procurement, owner: identity, tier: 2}
"""


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    runner = CliRunner()
    assert runner.invoke(app, ["catalog", "apply", str(tmp_path / "catalog.yaml")]).exit_code == 0
    return runner


def run_json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


def test_integration_create_list_and_rotate(opsroom: CliRunner) -> None:
    created = run_json(
        opsroom,
        "integration",
        "create",
        "prom",
        "--name",
        "Prometheus",
        "--service",
        "db",
        "--group-by",
        "alertname",
    )
    assert len(created["key"]) == 32 and created["settings"]["group_by"] == ["alertname"]
    listed = run_json(opsroom, "integration", "list")
    assert [(i["slug"], i["key_prefix"]) for i in listed] == [("prom", created["key"][:8])]
    rotated = run_json(opsroom, "integration", "rotate", "prom")
    assert rotated["key"] != created["key"]
    shown = opsroom.invoke(app, ["integration", "rotate", "prom"])
    assert "shown this once" in shown.output
    missing = opsroom.invoke(app, ["integration", "rotate", "nope"])
    assert missing.exit_code == 4


def test_silence_add_list_expire_and_alert_list(opsroom: CliRunner, settings: Settings) -> None:
    key = run_json(
        opsroom, "integration", "create", "prom", "--name", "Prometheus", "--service", "db"
    )["key"]
    silence = run_json(
        opsroom, "silence", "add", "alertname=Noisy", "--duration", "30", "--comment", "known issue"
    )
    assert (silence["state"], silence["matchers"]) == ("active", ['alertname="Noisy"'])
    assert [s["id"] for s in run_json(opsroom, "silence", "list")] == [silence["id"]]
    with session_scope(settings) as s:
        noisy = IncomingAlert(
            "f1", AlertStatus.FIRING, summary="Noisy thing", labels={"alertname": "Noisy"}
        )
        alerts.ingest(
            s,
            integration=alerts.integration_for_key(s, key),
            alerts=[noisy],
            source="events",
            body=b"{}",
        )
    (listed,) = run_json(opsroom, "alert", "list", "--service", "db")
    assert (listed["summary"], listed["suppressed_by"]) == (
        "Noisy thing",
        f"silence:{silence['id']}",
    )
    assert run_json(opsroom, "silence", "expire", str(silence["id"]))["state"] == "expired"
    again = opsroom.invoke(app, ["silence", "expire", str(silence["id"])])
    assert again.exit_code == 5
    bad = opsroom.invoke(app, ["silence", "add", "nonsense", "--comment", "why not"])
    assert bad.exit_code == 2


CHECKMK = """\
name: Checkmk
fields:
  summary: event.title
  severity: event.level
  fingerprint: event.id
sample:
  event: {id: e-1, title: Disk full on db-1, level: critical}
"""


def test_webhook_types_listed_previewed_and_added(opsroom: CliRunner, tmp_path: Path) -> None:
    assert "zabbix" in {t["slug"] for t in run_json(opsroom, "webhook-type", "list")}
    (tmp_path / "checkmk.yaml").write_text(CHECKMK)
    [alert] = run_json(opsroom, "webhook-type", "preview", str(tmp_path / "checkmk.yaml"))
    assert (alert["summary"], alert["severity"]) == ("Disk full on db-1", "critical")
    added = run_json(opsroom, "webhook-type", "add", "checkmk", str(tmp_path / "checkmk.yaml"))
    assert (added["slug"], added["shipped"]) == ("checkmk", False)
    shown = opsroom.invoke(app, ["webhook-type", "show", "checkmk"])
    assert shown.exit_code == 0 and "summary: event.title" in shown.stdout
    made = run_json(
        opsroom, "integration", "create", "mk", "--name", "Mk", "--webhook-type", "checkmk"
    )
    assert made["settings"]["webhook_type"] == "checkmk"


def test_a_webhook_template_that_does_not_fit_is_refused(
    opsroom: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "bad.yaml").write_text(CHECKMK.replace("event.title", "event.nope"))
    result = opsroom.invoke(app, ["webhook-type", "add", "bad", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2 and "fields.summary" in result.output
    listed = {t["slug"] for t in run_json(opsroom, "webhook-type", "list")}
    assert "bad" not in listed

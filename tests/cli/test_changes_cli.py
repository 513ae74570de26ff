"""`opsroom change` and `opsroom freeze` from the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.runtime.cli import app

CATALOG = """\
version: 1
platforms:
  - {slug: procurement, name: Procurement}
squads:
  - {slug: identity, name: Identity, platform: procurement}
services:
  - {slug: db, name: DB, platform: procurement, owner: identity, tier: 2}
  - {slug: search, name: Search, platform: procurement, owner: identity, tier: 3, depends_on: [db]}
"""


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPSROOM_TIMEZONE", "Europe/Amsterdam")
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    runner = CliRunner()
    assert runner.invoke(app, ["catalog", "apply", str(tmp_path / "catalog.yaml")]).exit_code == 0
    return runner


def run_json(runner: CliRunner, *args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


NEW = (
    "change",
    "new",
    "Reindex search",
    "-s",
    "search",
    "--squad",
    "identity",
    "--start",
    "2030-03-02T10:00",
    "--end",
    "2030-03-02T11:00",
    "--implementer",
    "dev@example.com",
)


def new(runner: CliRunner, *extra: str) -> Any:
    return run_json(runner, *NEW, *extra)


def test_a_change_from_the_terminal(opsroom: CliRunner) -> None:
    change = new(opsroom)
    assert (change["key"], change["status"]) == ("CHG-1", "draft")
    assert change["planned_start"] == "2030-03-02T09:00:00Z"  # 10:00 in Amsterdam
    assert run_json(opsroom, "change", "submit", "CHG-1")["outstanding_approvals"] == ["squad_lead"]
    assert run_json(opsroom, "change", "approve", "CHG-1", "-m", "fine")["status"] == "approved"
    for verb, status in (
        ("schedule", "scheduled"),
        ("start", "in_progress"),
        ("fail", "failed"),
        ("rollback", "rolled_back"),
        ("close", "closed"),
    ):
        assert run_json(opsroom, "change", verb, "CHG-1")["status"] == status
    listed = run_json(opsroom, "change", "list", "--status", "closed")
    assert [c["key"] for c in listed] == ["CHG-1"]
    shown = opsroom.invoke(app, ["change", "show", "CHG-1"])
    assert "change failure rate" in shown.stdout and "closed" in shown.stdout
    figures = run_json(
        opsroom,
        "change",
        "figures",
        "--since",
        "2030-03-01",
        "--until",
        "2030-04-01",
        "--by",
        "service",
    )
    assert [(f["group"], f["failed"], f["change_failure_rate"]) for f in figures] == [
        ("search", 1, 1.0)
    ]


def test_freezes_and_refusals_from_the_terminal(opsroom: CliRunner) -> None:
    freeze = run_json(
        opsroom,
        "freeze",
        "new",
        "spring",
        "--name",
        "Spring sale",
        "--starts",
        "2030-03-01",
        "--ends",
        "2030-03-03",
        "--timezone",
        "Europe/Amsterdam",
        "-s",
        "db",
    )
    assert freeze["starts_at"] == "2030-02-28T23:00:00Z"
    assert [f["slug"] for f in run_json(opsroom, "freeze", "list")] == ["spring"]
    assert run_json(opsroom, "freeze", "list", "--platform", "procurement")[0]["slug"] == "spring"
    new(opsroom, "-s", "db")
    refused = opsroom.invoke(app, ["change", "submit", "CHG-1"])
    assert refused.exit_code == 5 and "inside the freeze 'Spring sale'" in refused.stderr
    run_json(opsroom, "change", "exception", "CHG-1", "--reason", "payment fix")
    assert run_json(opsroom, "change", "submit", "CHG-1")["status"] == "submitted"
    bad = opsroom.invoke(
        app,
        [
            "change",
            "new",
            "X y z",
            "-s",
            "search",
            "--squad",
            "identity",
            "--start",
            "tomorrow",
            "--end",
            "2030-03-02T11:00",
        ],
    )
    assert bad.exit_code == 2 and "start: not an ISO 8601 time" in bad.stderr
    assert opsroom.invoke(app, ["change", "show", "CHG-9"]).exit_code == 4
    assert opsroom.invoke(app, ["freeze", "delete", "spring"]).exit_code == 0
    assert run_json(opsroom, "freeze", "list") == []


def test_a_running_freeze_ends_today_from_the_terminal(opsroom: CliRunner) -> None:
    run_json(
        opsroom,
        *("freeze", "new", "autumn", "--name", "Autumn", "-p", "procurement"),
        *("--starts", "2026-11-01", "--ends", "2026-11-30"),
    )
    assert run_json(opsroom, "freeze", "end", "autumn")["ends_on"] == "2026-11-02"
    again = opsroom.invoke(app, ["freeze", "end", "autumn"])
    assert again.exit_code == 5 and "already ends by today" in again.stderr
    unknown = opsroom.invoke(app, ["freeze", "list", "--platform", "atlantis"])
    assert unknown.exit_code == 2 and "no platform 'atlantis'" in unknown.stderr


def test_a_change_made_by_a_vendor_from_the_terminal(opsroom: CliRunner, tmp_path: Path) -> None:
    catalog = tmp_path / "vendor.yaml"
    catalog.write_text(CATALOG + "vendors:\n  - {slug: cloudco, name: Cloudco}\n")
    assert opsroom.invoke(app, ["catalog", "apply", str(catalog)]).exit_code == 0
    unknown = opsroom.invoke(app, [*NEW, "--vendor", "nobody"])
    assert unknown.exit_code != 0 and "no vendor 'nobody'" in unknown.output
    assert new(opsroom, "--vendor", "cloudco")["vendor"] == "cloudco"
    shown = opsroom.invoke(app, ["change", "show", "CHG-1"])
    assert "made by the vendor cloudco" in shown.stdout
    run_json(opsroom, "change", "submit", "CHG-1")
    run_json(opsroom, "change", "approve", "CHG-1", "-m", "fine")
    for verb in ("schedule", "start", "fail"):
        run_json(opsroom, "change", verb, "CHG-1")
    figures = run_json(
        opsroom,
        "change",
        "figures",
        "--since",
        "2030-03-01",
        "--until",
        "2030-04-01",
        "--by",
        "vendor",
    )
    assert [(f["group"], f["volume"], f["failed"]) for f in figures] == [("cloudco", 1, 1)]

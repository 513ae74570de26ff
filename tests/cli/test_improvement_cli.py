from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.runtime.cli import app
from tests.conftest import bearer_for

CATALOG = """\
version: 1
platforms:
  - {slug: procurement, name: Procurement}
squads:
  - {slug: payments, name: Payments, platform: procurement}
services:
  - {slug: checkout, name: Checkout, platform: procurement, owner: payments, tier: 1}
"""


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    runner.invoke(app, ["catalog", "apply", str(file)])
    return runner


def run(opsroom: CliRunner, *args: str) -> str:
    result = opsroom.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_review_and_actions_from_the_terminal(opsroom: CliRunner) -> None:
    run(
        opsroom,
        "incident",
        "declare",
        "Checkout down",
        "-s",
        "checkout",
        "--impact",
        "1",
        "--urgency",
        "1",
    )
    run(opsroom, "incident", "resolve", "INC-1")
    assert [r["key"] for r in orjson.loads(run(opsroom, "review", "list", "--json"))] == ["INC-1"]
    raised = orjson.loads(
        run(
            opsroom,
            "action",
            "add",
            "Add a breaker",
            "--squad",
            "payments",
            "--source",
            "review",
            "--from",
            "INC-1",
            "--json",
        )
    )
    assert (raised["key"], raised["source_key"]) == ("ACT-1", "INC-1")
    assert "ACT-1 is done" in run(opsroom, "action", "move", "ACT-1", "complete")
    refused = opsroom.invoke(app, ["action", "move", "ACT-1", "request_wont_do"])
    assert refused.exit_code == 5 and "allowed now: reopen, verify" in refused.stderr
    assert "## Summary" in run(opsroom, "review", "export", "INC-1")
    refused = opsroom.invoke(app, ["review", "move", "INC-1", "publish"])
    assert refused.exit_code == 5
    assert "is in review" in run(opsroom, "review", "move", "INC-1", "submit")
    assert orjson.loads(run(opsroom, "action", "figures", "--json"))["closure_rate_pct"] == 100.0


def test_problems_from_the_terminal(opsroom: CliRunner) -> None:
    for n in range(3):
        run(opsroom, "incident", "declare", f"Checkout timeouts {n}", "-s", "checkout")
        run(opsroom, "incident", "resolve", f"INC-{n + 1}")
    [proposal] = orjson.loads(run(opsroom, "problem", "proposals", "--json"))
    assert proposal["incidents"] == ["INC-1", "INC-2", "INC-3"]
    assert "opened PRB-1" in run(opsroom, "problem", "accept", str(proposal["id"]))
    assert "PRB-1 is investigating" in run(opsroom, "problem", "move", "PRB-1", "investigate")
    shown = orjson.loads(run(opsroom, "problem", "show", "PRB-1", "--json"))
    assert (shown["status"], shown["incidents"]) == ("investigating", ["INC-1", "INC-2", "INC-3"])
    missing = opsroom.invoke(app, ["problem", "show", "PRB-9"])
    assert missing.exit_code == 4


def test_settings_are_shown_and_changed_keeping_the_rest(opsroom: CliRunner) -> None:
    shown = run(opsroom, "problem", "settings", "show")
    assert "P1 14, P2 30, P3 60, P4 90, P5 180" in shown and "version 0" in shown
    changed = orjson.loads(
        run(
            opsroom,
            "problem",
            "settings",
            "set",
            "--review-priority",
            "P1",
            "--action-due",
            "P1=7",
            "--action-due",
            "P5=365",
            "--escalate-after-days",
            "2",
            "--json",
        )
    )
    assert (changed["version"], changed["review_priorities"], changed["escalate_after_days"]) == (
        1,
        ["P1"],
        2,
    )
    assert changed["action_due_days"] == {"P1": 7, "P2": 30, "P3": 60, "P4": 90, "P5": 365}
    assert changed["recurrence_incidents"] == 3
    read = orjson.loads(run(opsroom, "problem", "settings", "show", "--json"))
    assert read == changed


def test_bad_values_and_stale_versions_are_refused(opsroom: CliRunner) -> None:
    bad = opsroom.invoke(app, ["problem", "settings", "set", "--action-due", "P9=3"])
    assert bad.exit_code == 2 and "action_due_days" in bad.output
    bad = opsroom.invoke(app, ["problem", "settings", "set", "--similarity", "20"])
    assert bad.exit_code == 2 and "recurrence_similarity" in bad.output
    stale = opsroom.invoke(
        app, ["problem", "settings", "set", "--recurrence-days", "9", "--version", "4"]
    )
    assert stale.exit_code == 5 and "current version is 0" in stale.output
    assert orjson.loads(run(opsroom, "problem", "settings", "show", "--json"))["version"] == 0


def test_only_operations_managers_change_them(
    opsroom: CliRunner,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPSROOM_TOKEN", bearer_for(settings, "r@example.com", Role.RESPONDER))
    assert "version 0" in run(opsroom, "problem", "settings", "show")
    refused = opsroom.invoke(app, ["problem", "settings", "set", "--recurrence-days", "9"])
    assert refused.exit_code == 7

"""`opsroom runbook add|list|run|runs|approve|reject` from the terminal."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import run_json
from tests.improvement import RESPONDER, two_squads


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPSROOM_RUNBOOK_TOKEN", "awx-token")
    with session_scope(settings) as s:
        two_squads(s)
        data = incident_schemas.IncidentCreate(title="Checkout fails", services=["checkout"])
        incidents.declare(s, actor=RESPONDER, data=data)
    return CliRunner()


def test_a_risky_runbook_is_run_and_approved(opsroom: CliRunner) -> None:
    added = run_json(
        opsroom,
        "runbook",
        "add",
        "flush-cache",
        "--name",
        "Flush the cache",
        "--platform",
        "procurement",
        "--tool",
        "awx",
        "--url",
        "https://awx.example.com",
        "--job",
        "12",
        "--risky",
    )
    assert (added["tool"], added["risky"]) == ("awx", True)
    assert [r["slug"] for r in run_json(opsroom, "runbook", "list")] == ["flush-cache"]
    asked = run_json(opsroom, "runbook", "run", "INC-1", "flush-cache")
    assert asked["state"] == "awaiting_approval"
    approved = run_json(opsroom, "runbook", "approve", str(asked["id"]), "--note", "go")
    assert (approved["state"], approved["decision_note"]) == ("queued", "go")
    assert [r["state"] for r in run_json(opsroom, "runbook", "runs", "INC-1")] == ["queued"]


def test_refusals_exit_non_zero_with_the_reason(opsroom: CliRunner) -> None:
    unknown = opsroom.invoke(app, ["runbook", "run", "INC-1", "nope"])
    assert unknown.exit_code == 4 and "no runbook 'nope'" in unknown.output
    bad = opsroom.invoke(
        app,
        [
            "runbook",
            "add",
            "x",
            "--name",
            "X",
            "--platform",
            "procurement",
            "--tool",
            "awx",
            "--url",
            "ftp://awx",
            "--job",
            "12",
        ],
    )
    assert bad.exit_code == 2 and "base_url" in bad.output

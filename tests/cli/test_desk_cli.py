"""`opsroom ticket` from the terminal."""

from __future__ import annotations

from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import opsroom, run_json  # noqa: F401 - fixture


def test_a_ticket_is_opened_answered_linked_and_resolved(opsroom: CliRunner) -> None:  # noqa: F811
    opened = run_json(
        opsroom,
        "ticket",
        "open",
        "Cannot sign in",
        "--requester",
        "ann@customer.example",
        "--organisation",
        "Acme",
        "--service",
        "db",
        "--priority",
        "2",
    )
    key = opened["key"]
    assert (opened["squad"], opened["status"]) == ("identity", "new")
    assert run_json(opsroom, "ticket", "note", key, "check the pool")["status"] == "new"
    assert run_json(opsroom, "ticket", "reply", key, "On it")["status"] == "open"
    escalated = run_json(opsroom, "ticket", "escalate", key, "--impact", "1")
    assert (escalated["incident"], escalated["version"]) == ("INC-1", 4)
    resolved = run_json(opsroom, "ticket", "move", key, "resolve", "--version", "4")
    assert resolved["status"] == "resolved"
    assert [t["key"] for t in run_json(opsroom, "ticket", "list", "--status", "resolved")] == [key]
    assert run_json(opsroom, "ticket", "csat") == {
        "squad": None,
        "sent": 1,
        "answered": 0,
        "csat": None,
    }


def test_refusals_exit_non_zero_with_the_reason(opsroom: CliRunner) -> None:  # noqa: F811
    missing = opsroom.invoke(app, ["ticket", "move", "TKT-1", "resolve"])
    assert missing.exit_code == 4 and "no ticket TKT-1" in missing.output
    bad = opsroom.invoke(
        app,
        [
            "ticket",
            "open",
            "Help",
            "--requester",
            "x@y.example",
            "--organisation",
            "A",
            "-s",
            "nope",
        ],
    )
    assert bad.exit_code == 2 and "no service 'nope'" in bad.output

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_improvement_cli import opsroom as opsroom
from tests.cli.test_improvement_cli import run


def test_slos_from_the_terminal(opsroom: CliRunner) -> None:
    slo = orjson.loads(
        run(
            opsroom,
            "slo",
            "set",
            "Checkout answers",
            "--objective",
            "99.9",
            "--squad",
            "payments",
            "--service",
            "checkout",
            "--json",
        )
    )
    assert (slo["key"], slo["window"], slo["budget_remaining"]) == ("SLO-1", "30d", 1.0)
    assert "SLO-1" in run(opsroom, "slo", "list", "--service", "checkout")
    shown = run(opsroom, "slo", "show", "SLO-1")
    assert "14.4x over 1h and 5m" in shown and "budget left 100.0%" in shown
    edited = orjson.loads(
        run(opsroom, "slo", "edit", "SLO-1", "--version", "1", "--window", "month", "--json")
    )
    assert (edited["window"], edited["version"]) == ("month", 2)
    refused = opsroom.invoke(
        app, ["slo", "set", "Too strict", "--objective", "100", "--squad", "payments", "-s", "x"]
    )
    assert refused.exit_code != 0 and "objective" in refused.stderr
    stale = opsroom.invoke(app, ["slo", "edit", "SLO-1", "--version", "1", "--objective", "99"])
    assert stale.exit_code != 0 and "SLO-1" in stale.stderr

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.infra import clock
from opsroom.runtime.cli import app
from tests.cli.test_improvement_cli import opsroom as opsroom
from tests.cli.test_improvement_cli import run
from tests.service.slos.test_openslo import FILE


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


def test_openslo_files_from_the_terminal(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "slos.yaml"
    file.write_text(FILE)
    assert "created: SLO-1, SLO-2" in run(opsroom, "slo", "apply", str(file))
    exported = tmp_path / "exported.yaml"
    run(opsroom, "slo", "export", "-o", str(exported))
    again = orjson.loads(run(opsroom, "slo", "apply", str(exported), "--json"))
    assert again == {"created": [], "updated": [], "unchanged": ["SLO-1", "SLO-2"]}
    # The first SLO's change is undone with the second's unknown service: all or nothing.
    edited = FILE.replace("target: 0.995", "target: 0.99").replace(
        "name: checkout-up", "name: down"
    )
    file.write_text(
        edited.replace("service: checkout\n  indicator:", "service: nowhere\n  indicator:")
    )
    refused = opsroom.invoke(app, ["slo", "apply", str(file)])
    assert refused.exit_code != 0 and "line 62: unknown service" in refused.stderr
    assert run(opsroom, "slo", "export") == exported.read_text()


def test_counts_pushed_from_the_terminal(
    opsroom: CliRunner, tmp_path: Path, frozen_clock: clock.FrozenClock
) -> None:
    run(
        opsroom,
        "slo",
        "set",
        "Checkout requests",
        "--objective",
        "99",
        "--squad",
        "payments",
        "-s",
        "checkout",
        "--sli",
        "ratio",
        "--source",
        "pushed",
    )
    minute = (clock.now() - timedelta(minutes=5)).replace(second=0, microsecond=0)
    counts = tmp_path / "counts.json"
    counts.write_text(
        orjson.dumps({"counts": [{"minute": minute, "good": 90, "total": 100}]}).decode()
    )
    assert "SLO-1: 1 minutes stored" in run(opsroom, "slo", "push", "SLO-1", str(counts))
    read = orjson.loads(run(opsroom, "slo", "show", "SLO-1", "--json"))
    # One event in ten was bad: ten times what 99 % allows, which spends the whole budget.
    assert read["exhausted"] and read["burn"][0]["long_rate"] == pytest.approx(10)
    counts.write_text(
        orjson.dumps({"counts": [{"minute": minute, "good": 80, "total": 90}]}).decode()
    )
    backwards = opsroom.invoke(app, ["slo", "push", "SLO-1", str(counts)])
    assert backwards.exit_code != 0 and "counts.0" in backwards.stderr

"""`opsroom series` and `opsroom anomaly` from the terminal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import opsroom, run_json  # noqa: F401 - fixture
from tests.conftest import TEST_NOW


def _csv(path: Path, values: list[str]) -> str:
    lines = [f"{(TEST_NOW + timedelta(minutes=n)).isoformat()},{v}" for n, v in enumerate(values)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_a_series_is_watched_and_fed_from_a_csv_file(
    opsroom: CliRunner,  # noqa: F811
    tmp_path: Path,
) -> None:
    made = run_json(
        opsroom,
        "series",
        "create",
        "db-conns",
        "--name",
        "DB connections",
        "--service",
        "db",
        "--detector",
        "zscore",
    )
    assert (made["service"], made["detector"], made["points"]) == ("db", "zscore", 0)
    values = [str(50 + (n % 3)) for n in range(200)] + ["nan", "90"]
    pushed = run_json(opsroom, "series", "push", "db-conns", _csv(tmp_path / "p.csv", values))
    assert (pushed["accepted"], pushed["skipped_not_finite"]) == (201, 1)
    (anomaly,) = pushed["anomalies"]
    shown = run_json(opsroom, "anomaly", "show", anomaly)
    assert (shown["series"], shown["value"]) == ("db-conns", 90.0)
    assert [a["key"] for a in run_json(opsroom, "anomaly", "list", "--series", "db-conns")] == [
        anomaly
    ]
    assert run_json(opsroom, "series", "show", "db-conns")["skipped_not_finite"] == 1
    assert [s["key"] for s in run_json(opsroom, "series", "list")] == ["db-conns"]
    assert run_json(opsroom, "anomaly", "judge", anomaly, "real")["judgement"] == "real"
    (row,) = run_json(opsroom, "anomaly", "precision")
    assert (row["detector"], row["service"], row["real"], row["precision"]) == (
        "zscore",
        "db",
        1,
        1.0,
    )
    again = opsroom.invoke(app, ["anomaly", "judge", anomaly, "noise"])
    assert again.exit_code == 5 and "judged real already" in again.output


def test_a_bad_value_exits_with_its_field_and_writes_nothing(
    opsroom: CliRunner,  # noqa: F811
    tmp_path: Path,
) -> None:
    run_json(opsroom, "series", "create", "db-conns", "--name", "DB", "--service", "db")
    refused = opsroom.invoke(
        app, ["series", "push", "db-conns", _csv(tmp_path / "p.csv", ["1", "many"])]
    )
    assert refused.exit_code == 2 and "points.1.value" in refused.output
    assert run_json(opsroom, "series", "show", "db-conns")["points"] == 0
    missing = opsroom.invoke(app, ["series", "show", "nope"])
    assert missing.exit_code == 4 and "no series 'nope'" in missing.output


def test_a_series_is_changed_and_removed_from_the_terminal(opsroom: CliRunner) -> None:  # noqa: F811
    run_json(opsroom, "series", "create", "db-conns", "--name", "DB connections", "-s", "db")
    polled = ["--prometheus-url", "http://127.0.0.1:9090", "--query", "up", "--poll-seconds", "30"]
    changed = run_json(opsroom, "series", "edit", "db-conns", "--version", "1", *polled)
    assert (changed["query"], changed["poll_seconds"], changed["version"]) == ("up", 30, 2)
    pushed = run_json(opsroom, "series", "edit", "db-conns", "--version", "2", "--stop-polling")
    assert (pushed["query"], pushed["prometheus_url"]) == (None, None)
    stale = opsroom.invoke(app, ["series", "remove", "db-conns", "--version", "1"])
    assert stale.exit_code != 0 and "version" in stale.output
    removed = opsroom.invoke(app, ["series", "remove", "db-conns", "--version", "3"])
    assert removed.exit_code == 0 and run_json(opsroom, "series", "list") == []

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_improvement_cli import opsroom as opsroom
from tests.cli.test_improvement_cli import run


def test_the_register_from_the_terminal(opsroom: CliRunner, tmp_path: Path) -> None:
    raised = orjson.loads(
        run(
            opsroom,
            "risk",
            "raise",
            "Checkout has one database",
            "--squad",
            "payments",
            "--category",
            "availability",
            "-l",
            "4",
            "-i",
            "5",
            "--service",
            "checkout",
            "--json",
        )
    )
    assert (raised["key"], raised["current"]["score"]) == ("RSK-1", 20)
    dropped = opsroom.invoke(app, ["risk", "score", "RSK-1", "-l", "2", "-i", "5"])
    assert dropped.exit_code != 0 and "reason" in dropped.stderr
    run(opsroom, "risk", "score", "RSK-1", "-l", "2", "-i", "5", "--reason", "replica")
    item = orjson.loads(run(opsroom, "risk", "mitigate", "RSK-1", "Add a replica", "--json"))
    assert (item["source_type"], item["source_key"]) == ("risk", "RSK-1")
    assert "RSK-1" in run(opsroom, "risk", "ranking")

    sheet = tmp_path / "risks.xlsx"
    run(opsroom, "risk", "export", str(sheet))
    assert "unchanged 1" in run(opsroom, "risk", "import", str(sheet))
    wrong = tmp_path / "risks.txt"
    wrong.write_text("title\n")
    refused = opsroom.invoke(app, ["risk", "import", str(wrong)])
    assert refused.exit_code != 0 and ".csv or .xlsx" in refused.stderr

    issue = orjson.loads(
        run(
            opsroom,
            "issue",
            "raise",
            "Certificate expires",
            "--squad",
            "payments",
            "--due-on",
            "2026-11-20",
            "--json",
        )
    )
    assert issue["key"] == "ISS-1"
    run(opsroom, "issue", "move", "ISS-1", "resolve")
    assert "resolved" in run(opsroom, "issue", "list")

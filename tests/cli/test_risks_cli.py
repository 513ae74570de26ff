from __future__ import annotations

from pathlib import Path
from typing import Any

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
    edited = orjson.loads(
        run(opsroom, "issue", "edit", "ISS-1", "--due-on", "2026-12-04", "--json")
    )
    assert (edited["due_on"], edited["title"]) == ("2026-12-04", "Certificate expires")
    refused = opsroom.invoke(app, ["issue", "edit", "ISS-1", "--due-on", "soon"])
    assert refused.exit_code != 0 and "due_on" in refused.stderr
    run(opsroom, "issue", "move", "ISS-1", "resolve")
    assert "resolved" in run(opsroom, "issue", "list")


def show(opsroom: CliRunner) -> dict[str, Any]:
    shown: dict[str, Any] = orjson.loads(run(opsroom, "risk", "show", "RSK-1", "--json"))
    return shown


def test_a_risk_is_edited_from_the_terminal_and_a_refused_edit_changes_nothing(
    opsroom: CliRunner,
) -> None:
    run(
        opsroom,
        *("risk", "raise", "One database", "--squad", "payments", "--category", "data"),
        *("-l", "3", "-i", "3", "--service", "checkout", "--review-on", "2026-12-01"),
    )
    edited = orjson.loads(
        run(
            opsroom,
            *("risk", "edit", "RSK-1", "--title", "Checkout has one database"),
            *("--owner", "ana@example.com", "--plan", "add a replica", "--json"),
        )
    )
    assert (edited["title"], edited["owner"], edited["treatment_plan"], edited["version"]) == (
        "Checkout has one database",
        "ana@example.com",
        "add a replica",
        2,
    )
    assert (edited["services"], edited["review_on"], edited["category"]) == (
        ["checkout"],
        "2026-12-01",
        "data",
    )
    before = show(opsroom)
    for refused_args, field in (
        (("--category", "weather"), "category"),
        (("--service", "nowhere"), "services"),
        (("--title", "x"), "title"),
    ):
        refused = opsroom.invoke(app, ["risk", "edit", "RSK-1", "--owner", "", *refused_args])
        assert refused.exit_code != 0 and field in refused.stderr
    assert show(opsroom) == before

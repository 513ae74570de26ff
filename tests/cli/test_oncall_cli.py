"""`opsroom oncall` and `opsroom page` from the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import opsroom, run_json  # noqa: F401 - the shared CLI fixture

START = "2026-11-02T09:00:00+01:00"


@pytest.fixture
def oncall_cli(opsroom: CliRunner, tmp_path: Path) -> CliRunner:  # noqa: F811
    created = opsroom.invoke(
        app,
        [
            "oncall",
            "schedule",
            "create",
            "identity-primary",
            "--name",
            "Identity primary",
            "--squad",
            "identity",
            "--participants",
            "alice@example.com,bob@example.com",
            "--start",
            START,
            "--zone",
            "Europe/Amsterdam",
        ],
    )
    assert created.exit_code == 0, created.output
    return opsroom


def test_who_is_on_call_at_a_moment_and_the_coming_shifts(oncall_cli: CliRunner) -> None:
    rows = run_json(
        oncall_cli, "oncall", "now", "--squad", "identity", "--at", "2026-11-10T12:00:00Z"
    )
    assert [(r["schedule"], r["person"]) for r in rows] == [("identity-primary", "bob@example.com")]
    report = run_json(oncall_cli, "oncall", "schedule", "show", "identity-primary", "--days", "7")
    assert report["schedule"] == "identity-primary" and report["fairness"]
    listed = oncall_cli.invoke(app, ["oncall", "schedule", "list"])
    assert "identity-primary" in listed.stdout


def test_who_answers_for_a_service_names_the_deciding_layer(oncall_cli: CliRunner) -> None:
    read = run_json(oncall_cli, "oncall", "who", "db", "--at", "2026-11-10T12:00:00Z")
    assert [(a["person"], a["decided_by"], a["layer"]) for a in read["answers"]] == [
        ("bob@example.com", "layer", 0)
    ]
    shown = oncall_cli.invoke(app, ["oncall", "who", "db"])
    assert shown.exit_code == 0 and "layer 0" in shown.stdout
    unknown = oncall_cli.invoke(app, ["oncall", "who", "nope"])
    assert unknown.exit_code != 0 and "no service 'nope'" in unknown.output


def test_an_override_changes_who_is_on_call(oncall_cli: CliRunner) -> None:
    run_json(
        oncall_cli,
        "oncall",
        "override",
        "identity-primary",
        "erin@example.com",
        "--start",
        "2026-11-10T00:00:00Z",
        "--end",
        "2026-11-11T00:00:00Z",
    )
    rows = run_json(oncall_cli, "oncall", "now", "--service", "db", "--at", "2026-11-10T12:00:00Z")
    assert rows[0]["person"] == "erin@example.com"
    backwards = oncall_cli.invoke(
        app,
        [
            "oncall",
            "override",
            "identity-primary",
            "erin@example.com",
            "--start",
            "2026-11-12T00:00:00Z",
            "--end",
            "2026-11-11T00:00:00Z",
        ],
    )
    assert backwards.exit_code != 0 and "an override ends after it starts" in backwards.stderr


def test_an_override_is_changed_then_removed(oncall_cli: CliRunner) -> None:
    added = run_json(
        oncall_cli,
        "oncall",
        "override",
        "identity-primary",
        "erin@example.com",
        "--start",
        "2026-11-10T00:00:00Z",
        "--end",
        "2026-11-11T00:00:00Z",
    )
    oid = str(added["id"])
    changed = run_json(
        oncall_cli,
        "oncall",
        "override-edit",
        "identity-primary",
        oid,
        "--version",
        "2",
        "--person",
        "frank@example.com",
        "--start",
        "2026-11-10T00:00:00Z",
        "--end",
        "2026-11-11T00:00:00Z",
        "--reason",
        "swap",
    )
    assert (changed["person"], changed["reason"]) == ("frank@example.com", "swap")
    at = ("oncall", "now", "--squad", "identity", "--at", "2026-11-10T12:00:00Z")
    assert run_json(oncall_cli, *at)[0]["person"] == "frank@example.com"
    removed = oncall_cli.invoke(app, ["oncall", "override-remove", "identity-primary", oid])
    assert removed.exit_code == 0, removed.output
    assert run_json(oncall_cli, *at)[0]["person"] == "bob@example.com"
    gone = oncall_cli.invoke(app, ["oncall", "override-remove", "identity-primary", oid])
    assert gone.exit_code == 4 and f"has no override {oid}" in gone.stderr


def test_policies_and_paging(oncall_cli: CliRunner) -> None:
    policy = run_json(
        oncall_cli,
        "oncall",
        "policy",
        "create",
        "identity",
        "--name",
        "Identity",
        "--squad",
        "identity",
        "--squad-default",
        "--level",
        "schedule:identity-primary@5",
        "--level",
        "person:carol@example.com",
    )
    assert [lvl["timeout_minutes"] for lvl in policy["levels"]] == [5, 15]
    assert (
        "schedule:identity-primary (5 min)"
        in oncall_cli.invoke(app, ["oncall", "policy", "list"]).stdout
    )
    paged = run_json(
        oncall_cli, "page", "person", "carol@example.com", "Please look at the database"
    )
    assert paged == ["carol@example.com"]
    unknown = oncall_cli.invoke(app, ["page", "squad", "ghosts", "hello"])
    assert unknown.exit_code != 0 and "no squad 'ghosts'" in unknown.stderr


def test_schedules_and_policies_are_edited_and_deleted_with_their_version(
    oncall_cli: CliRunner,
) -> None:
    run_json(
        oncall_cli,
        "oncall",
        "policy",
        "create",
        "identity",
        "--name",
        "Identity",
        "--level",
        "schedule:identity-primary@5",
    )
    renamed = run_json(
        oncall_cli,
        "oncall",
        "schedule",
        "edit",
        "identity-primary",
        "--version",
        "1",
        "--name",
        "Identity first line",
    )
    assert (renamed["name"], renamed["version"]) == ("Identity first line", 2)
    stale = oncall_cli.invoke(
        app, ["oncall", "schedule", "edit", "identity-primary", "--version", "1", "--zone", "UTC"]
    )
    assert stale.exit_code == 5 and "you had version 1, it is at 2" in stale.stderr
    in_use = oncall_cli.invoke(
        app, ["oncall", "schedule", "delete", "identity-primary", "--version", "2"]
    )
    assert in_use.exit_code == 5 and "used by escalation policy identity" in in_use.stderr

    edited = run_json(
        oncall_cli,
        "oncall",
        "policy",
        "edit",
        "identity",
        "--version",
        "1",
        "--level",
        "person:carol@example.com@10",
        "--repeats",
        "2",
    )
    assert ([lvl["targets"] for lvl in edited["levels"]], edited["repeats"]) == (
        [[{"kind": "person", "ref": "carol@example.com"}]],
        2,
    )
    for noun, slug, version in (("schedule", "identity-primary", "2"), ("policy", "identity", "2")):
        deleted = oncall_cli.invoke(app, ["oncall", noun, "delete", slug, "--version", version])
        assert deleted.exit_code == 0, deleted.output
    assert run_json(oncall_cli, "oncall", "schedule", "list") == []
    assert run_json(oncall_cli, "oncall", "policy", "list") == []


def test_layers_are_added_edited_and_removed_one_at_a_time(oncall_cli: CliRunner) -> None:
    at = ("oncall", "now", "--squad", "identity", "--at", "2026-11-10T12:00:00Z")  # a Tuesday
    added = run_json(
        oncall_cli,
        "oncall",
        "schedule",
        "layer",
        "add",
        "identity-primary",
        "--version",
        "1",
        "--participants",
        "carol@example.com",
        "--start",
        START,
        "--zone",
        "Europe/Amsterdam",
        "--name",
        "days",
        "--restriction",
        "0-4@09:00-17:00",
    )
    assert [layer["name"] for layer in added["layers"]] == ["", "days"]
    assert run_json(oncall_cli, *at)[0]["person"] == "carol@example.com"
    edited = run_json(
        oncall_cli,
        "oncall",
        "schedule",
        "layer",
        "edit",
        "identity-primary",
        "1",
        "--version",
        "2",
        "--participants",
        "dave@example.com",
        "--restriction",
        "5,6@10:00-14:00",
    )
    assert edited["layers"][1]["participants"] == ["dave@example.com"]
    assert edited["layers"][1]["restrictions"] == [
        {"weekdays": [5, 6], "start": "10:00:00", "end": "14:00:00"}
    ]
    assert run_json(oncall_cli, *at)[0]["person"] == "bob@example.com"
    kept = run_json(
        oncall_cli,
        "oncall",
        "schedule",
        "layer",
        "edit",
        "identity-primary",
        "1",
        "--version",
        "3",
        "--length",
        "2",
        "--unit",
        "days",
        "--unrestricted",
    )
    assert kept["layers"][1] | {"rank": 1} == edited["layers"][1] | {
        "length": 2,
        "unit": "days",
        "restrictions": [],
    }
    removed = run_json(
        oncall_cli,
        "oncall",
        "schedule",
        "layer",
        "remove",
        "identity-primary",
        "0",
        "--version",
        "4",
    )
    assert [(la["rank"], la["participants"]) for la in removed["layers"]] == [
        (0, ["dave@example.com"])
    ]


def test_a_layer_edit_is_refused_with_the_field_named(oncall_cli: CliRunner) -> None:
    def layer(*args: str) -> tuple[int, str]:
        result = oncall_cli.invoke(app, ["oncall", "schedule", "layer", *args])
        return result.exit_code, result.stderr

    assert layer("edit", "identity-primary", "0", "--version", "1", "--zone", "Mars/Base") == (
        2,
        "error: this rotation cannot be used\n  zone: unknown time zone 'Mars/Base'\n",
    )
    code, said = layer(
        "edit", "identity-primary", "0", "--version", "1", "--restriction", "mon@9-5"
    )
    assert code == 2 and "restrictions: write as 0-4@09:00-17:00" in said
    code, said = layer("edit", "identity-primary", "0", "--version", "7", "--length", "2")
    assert code == 5 and "version" in said
    code, said = layer("remove", "identity-primary", "3", "--version", "1")
    assert code == 4 and "no layer 3" in said
    assert run_json(oncall_cli, "oncall", "schedule", "list")[0]["version"] == 1

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.infra import migrate
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
  - {slug: auth, name: Auth, platform: procurement, owner: identity, tier: 1, depends_on: [db]}
"""


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    return CliRunner()


def test_apply_then_read_back_as_json(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    applied = opsroom.invoke(app, ["catalog", "apply", str(file)])
    assert applied.exit_code == 0, applied.output
    assert "created: 1 platforms, 2 services, 1 squads" in applied.output
    radius = opsroom.invoke(app, ["service", "blast-radius", "db", "--json"])
    assert orjson.loads(radius.stdout)["services"] == [
        {"slug": "auth", "name": "Auth", "tier": 1, "platform": "procurement", "hops": 1}
    ]


def test_bad_file_exits_non_zero_naming_line_and_field(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG.replace("tier: 1", "tier: 9"))
    result = opsroom.invoke(app, ["catalog", "apply", str(file)])
    assert result.exit_code == 2
    assert "line 8: services[1].tier" in result.stderr
    assert opsroom.invoke(app, ["platform", "list", "--json"]).stdout.strip() == "[]"


def test_unknown_service_exits_with_not_found(opsroom: CliRunner) -> None:
    result = opsroom.invoke(app, ["service", "show", "ghost"])
    assert result.exit_code == 4
    assert "no service 'ghost'" in result.stderr


def test_cycle_is_refused_from_the_cli(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(file)])
    result = opsroom.invoke(app, ["service", "depend", "db", "--on", "auth"])
    assert result.exit_code == 5
    assert "closes the loop db -> auth -> db" in result.stderr


def test_export_writes_a_file_that_applies_cleanly(opsroom: CliRunner, tmp_path: Path) -> None:
    source, exported = tmp_path / "in.yaml", tmp_path / "out.yaml"
    source.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(source)])
    assert opsroom.invoke(app, ["catalog", "export", "-o", str(exported)]).exit_code == 0
    again = opsroom.invoke(app, ["catalog", "apply", str(exported)])
    assert again.output.startswith("unchanged:")


def test_raci_gaps_exit_code_tells_scripts_about_gaps(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(file)])
    result = opsroom.invoke(app, ["raci", "gaps", "--json"])
    assert result.exit_code == 3
    assert {
        "service": "db",
        "activity": "capacity",
        "problem": "nobody is accountable",
    } in orjson.loads(result.stdout)


def test_audit_verify_and_db_current(opsroom: CliRunner, settings: Settings) -> None:
    verified = opsroom.invoke(app, ["audit", "verify", "--json"])
    assert verified.exit_code == 0
    assert orjson.loads(verified.stdout)["ok"] is True
    current = orjson.loads(opsroom.invoke(app, ["db", "current", "--json"]).stdout)
    assert current == {"revision": migrate.head_revision(), "head": migrate.head_revision()}


def test_incident_from_declaration_to_resolution(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(file)])
    declared = opsroom.invoke(
        app,
        [
            "incident",
            "declare",
            "Sign-in fails",
            "-s",
            "auth",
            "--impact",
            "2",
            "--urgency",
            "3",
            "--json",
        ],
    )
    assert declared.exit_code == 0, declared.output
    assert orjson.loads(declared.stdout)["priority"] == "P4"
    assert (
        "INC-1 is acknowledged"
        in opsroom.invoke(app, ["incident", "ack", "INC-1", "-n", "looking"]).output
    )
    opsroom.invoke(app, ["incident", "note", "INC-1", "token cache was cold"])
    refused = opsroom.invoke(app, ["incident", "close", "INC-1"])
    assert refused.exit_code == 5
    assert "allowed now: cancel, mitigate, resolve" in refused.stderr
    assert "INC-1 is resolved" in opsroom.invoke(app, ["incident", "resolve", "INC-1"]).output
    shown = orjson.loads(opsroom.invoke(app, ["incident", "show", "INC-1", "--json"]).stdout)
    assert [e["text"] for e in shown["timeline"]][-2:] == ["token cache was cold", "Resolved"]
    listed = orjson.loads(
        opsroom.invoke(app, ["incident", "list", "--status", "resolved", "--json"]).stdout
    )
    assert [i["key"] for i in listed] == ["INC-1"]


def test_editing_an_incident_and_resolving_it_with_a_summary(
    opsroom: CliRunner, tmp_path: Path
) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(file)])
    opsroom.invoke(app, ["incident", "declare", "Sign-in fails", "-s", "auth"])

    edited = opsroom.invoke(
        app, ["incident", "edit", "INC-1", "--impact", "1", "-s", "auth", "-s", "db", "--json"]
    )
    stale = opsroom.invoke(app, ["incident", "edit", "INC-1", "--title", "Old", "--version", "1"])
    unexplained = opsroom.invoke(app, ["incident", "prioritise", "INC-1", "1", "--reason", "x"])
    prioritised = opsroom.invoke(app, ["incident", "prioritise", "INC-1", "1", "-r", "CEO demo"])
    opsroom.invoke(app, ["incident", "resolve", "INC-1", "--summary", "Rotated the signing key"])

    assert edited.exit_code == 0, edited.output
    assert (orjson.loads(edited.stdout)["priority"], orjson.loads(edited.stdout)["services"]) == (
        "P2",
        ["auth", "db"],
    )
    assert stale.exit_code == 5
    assert unexplained.exit_code == 2
    assert prioritised.output.strip() == "INC-1 is P1: CEO demo"
    shown = orjson.loads(opsroom.invoke(app, ["incident", "show", "INC-1", "--json"]).stdout)
    assert (shown["priority"], shown["resolution_summary"]) == ("P1", "Rotated the signing key")


def test_search_from_the_terminal(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(file)])
    opsroom.invoke(app, ["incident", "declare", "Sign-in fails", "-s", "auth"])

    found = orjson.loads(opsroom.invoke(app, ["search", "sign-in", "--json"]).stdout)
    named = orjson.loads(opsroom.invoke(app, ["search", "inc-1", "--json"]).stdout)
    refused = opsroom.invoke(app, ["search", "x" * 201])

    assert [(h["kind"], h["key"]) for h in found["hits"]] == [("incident", "INC-1")]
    assert named["jump"] == "/incidents/INC-1"
    assert refused.exit_code == 2
    assert "at most 200" in refused.stderr


def test_an_administrator_assigns_an_operations_managers_platforms(
    opsroom: CliRunner, tmp_path: Path
) -> None:
    file = tmp_path / "catalog.yaml"
    file.write_text(CATALOG)
    opsroom.invoke(app, ["catalog", "apply", str(file)])
    made = opsroom.invoke(
        app,
        [
            "user",
            "create",
            "--email",
            "om@example.com",
            "--name",
            "Om",
            "--role",
            "operations_manager",
            "--service-account",
        ],
    )
    assert made.exit_code == 0, made.output
    unknown = opsroom.invoke(app, ["user", "platforms", "om@example.com", "--platform", "mars"])
    assert unknown.exit_code == 2 and "no platform 'mars'" in unknown.stderr
    assigned = opsroom.invoke(
        app, ["user", "platforms", "om@example.com", "--platform", "procurement"]
    )
    assert assigned.stdout.strip() == "om@example.com governs procurement"
    cleared = opsroom.invoke(app, ["user", "platforms", "om@example.com"])
    assert cleared.stdout.strip() == "om@example.com governs no platform"

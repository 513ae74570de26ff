"""`opsroom ticket` from the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import opsroom, run_json  # noqa: F401 - fixture


@pytest.fixture
def acme(opsroom: CliRunner) -> None:  # noqa: F811
    """The customer organisation the tickets here name."""
    run_json(opsroom, "organisation", "add", "Acme", "--platform", "procurement")


@pytest.mark.usefixtures("acme")
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


@pytest.mark.usefixtures("acme")
def test_refusals_exit_non_zero_with_the_reason(opsroom: CliRunner) -> None:  # noqa: F811
    missing = opsroom.invoke(app, ["ticket", "move", "TKT-1", "resolve"])
    assert missing.exit_code == 4 and "no ticket TKT-1" in missing.output
    opened = ["ticket", "open", "Help", "--requester", "x@y.example", "-s", "db"]
    stranger = opsroom.invoke(app, [*opened, "--organisation", "Nobody Ltd"])
    assert stranger.exit_code == 2
    assert "organisation: no organisation 'Nobody Ltd'" in stranger.output
    bad = opsroom.invoke(app, [*opened[:-1], "nope", "--organisation", "Acme"])
    assert bad.exit_code == 2 and "no service 'nope'" in bad.output


def test_a_platforms_desk_settings_are_changed_keeping_the_rest(opsroom: CliRunner) -> None:  # noqa: F811
    shown = run_json(opsroom, "ticket", "settings", "show", "procurement")
    assert (shown["version"], shown["hours"]["sunday"]) == (0, None)
    changed = run_json(
        opsroom,
        *("ticket", "settings", "set", "procurement", "--target", "P1=15/120"),
        *("--hours", "saturday=09:00-13:00", "--hours", "friday=closed"),
        *("--holiday", "2026-12-25", "--reopen-days", "3"),
    )
    assert changed["targets"]["P1"] == {"first_response": 15, "resolution": 120}
    assert changed["targets"]["P2"] == shown["targets"]["P2"]
    assert changed["hours"]["saturday"] == {"opens": "09:00:00", "closes": "13:00:00"}
    assert (changed["hours"]["friday"], changed["holidays"]) == (None, ["2026-12-25"])
    assert (changed["version"], changed["reopen_days"]) == (1, 3)
    table = opsroom.invoke(app, ["ticket", "settings", "show", "procurement"]).output
    assert "09:00-13:00" in table and "closed" in table and "2026-12-25" in table


def test_desk_settings_refusals_name_the_field(opsroom: CliRunner) -> None:  # noqa: F811
    zone = opsroom.invoke(app, ["ticket", "settings", "set", "procurement", "--zone", "Nowhere"])
    assert zone.exit_code != 0 and "no time zone 'Nowhere'" in zone.output
    hours = ["ticket", "settings", "set", "procurement", "--hours", "monday=18:00-08:00"]
    late = opsroom.invoke(app, hours)
    assert late.exit_code != 0 and "closes before it opens" in late.output
    negative = ["ticket", "settings", "set", "procurement", "--target", "P2=-1/60"]
    refused = opsroom.invoke(app, negative)
    assert refused.exit_code != 0 and "targets.P2.first_response" in refused.output
    assert run_json(opsroom, "ticket", "settings", "show", "procurement")["version"] == 0


def test_an_organisation_is_added_and_changed(opsroom: CliRunner) -> None:  # noqa: F811
    added = run_json(
        opsroom,
        *("organisation", "add", "Acme", "--domain", "acme.example"),
        *("--platform", "procurement"),
    )
    assert (added["domains"], added["platforms"]) == (["acme.example"], ["procurement"])
    changed = run_json(opsroom, "organisation", "set", "Acme", "--no-domains")
    assert (changed["domains"], changed["version"]) == ([], 2)
    assert [o["name"] for o in run_json(opsroom, "organisation", "list")] == ["Acme"]
    taken = opsroom.invoke(
        app, ["organisation", "add", "Acme", "--platform", "procurement", "--domain", "a.example"]
    )
    assert taken.exit_code != 0 and "exists already" in taken.output


@pytest.mark.usefixtures("acme")
def test_a_request_from_the_catalog_is_asked_and_approved(
    opsroom: CliRunner,  # noqa: F811
    tmp_path: Path,
) -> None:
    written = tmp_path / "access.json"
    written.write_text(
        json.dumps(
            {
                "slug": "db-access",
                "name": "Database access",
                "service": "db",
                "fields": [{"name": "schema", "label": "Schema", "required": True}],
                "approvals": [{"approver": "operations_manager"}],
            }
        )
    )
    assert run_json(opsroom, "request-type", "add", str(written))["squad"] == "identity"
    asked = [
        *("ticket", "request", "db-access", "--requester", "ann@acme.example"),
        *("--organisation", "Acme"),
    ]
    missing = opsroom.invoke(app, asked)
    assert missing.exit_code != 0 and "answers.schema" in missing.output
    key = run_json(opsroom, *asked, "--answer", "schema=billing")["key"]
    approved = run_json(opsroom, "ticket", "approve", key, "--note", "fine")
    assert approved["approvals"][0]["decision"] == "approved"
    withdrawn = run_json(opsroom, "request-type", "set", "db-access", "--withdrawn")
    assert (withdrawn["active"], withdrawn["version"]) == (False, 2)


@pytest.mark.usefixtures("acme")
def test_a_canned_response_is_kept_and_sent(opsroom: CliRunner) -> None:  # noqa: F811
    kept = run_json(
        opsroom, "ticket", "settings", "set", "procurement", "--canned", "Thanks=We are on it."
    )
    assert kept["canned_responses"] == [{"title": "Thanks", "body": "We are on it."}]
    key = run_json(
        opsroom,
        *("ticket", "open", "Slow", "--requester", "ann@acme.example"),
        *("--organisation", "Acme", "--service", "db"),
    )["key"]
    replied = run_json(opsroom, "ticket", "reply", key, "--canned", "Thanks")
    assert replied["messages"][-1]["body"] == "We are on it."

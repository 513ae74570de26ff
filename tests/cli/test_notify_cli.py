"""`opsroom subscribe`, `opsroom subscription …`, `opsroom contact-method …` and
`opsroom notification-rule …` from the terminal."""

from __future__ import annotations

from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.runtime.cli import app
from tests.api.test_contact_verification import texted_codes
from tests.cli.test_alerts_cli import opsroom, run_json  # noqa: F401 - the shared CLI fixture


def test_subscribe_list_and_remove(opsroom: CliRunner) -> None:  # noqa: F811
    made = run_json(opsroom, "subscribe", "--service", "db", "--subscriber", "board@example.com")
    assert (made["subscriber"], made["target"], made["person"], made["audience"]) == (
        "board@example.com",
        "db",
        False,
        "customer",
    )
    listed = run_json(opsroom, "subscription", "list", "--service", "db")
    assert [s["id"] for s in listed] == [made["id"]]
    twice = opsroom.invoke(
        app, ["subscribe", "--service", "db", "--subscriber", "board@example.com"]
    )
    assert twice.exit_code == 5 and "already subscribed" in twice.stderr
    unknown = opsroom.invoke(
        app, ["subscribe", "--journey", "ghost", "--subscriber", "a@example.com"]
    )
    assert unknown.exit_code == 2 and "unknown journey 'ghost'" in unknown.stderr
    nobody = opsroom.invoke(app, ["subscribe", "--service", "db"])
    assert nobody.exit_code == 2 and "subscriber: required" in nobody.stderr
    removed = opsroom.invoke(app, ["subscription", "remove", str(made["id"])])
    assert removed.exit_code == 0 and "board@example.com" in removed.stdout
    assert run_json(opsroom, "subscription", "list") == []
    gone = opsroom.invoke(app, ["subscription", "remove", str(made["id"])])
    assert gone.exit_code == 4


def test_a_subscription_names_the_updates_it_receives(opsroom: CliRunner) -> None:  # noqa: F811
    war_room = ["--subscriber", "war-room@example.com", "--audience", "internal"]
    chosen = run_json(opsroom, "subscribe", "--service", "db", *war_room)
    assert chosen["audience"] == "internal"
    made = opsroom.invoke(app, ["subscribe", "--service", "db", "--subscriber", "cfo@example.com"])
    assert made.exit_code == 0 and "(customer updates)" in made.stdout
    listed = opsroom.invoke(app, ["subscription", "list"])
    assert "internal" in listed.stdout and "customer" in listed.stdout
    bad = opsroom.invoke(app, ["subscribe", "--service", "db", "--audience", "everyone"])
    assert bad.exit_code == 2 and "--audience" in bad.stderr
    update = ["subscription", "update", str(chosen["id"]), "--audience", "customer"]
    assert run_json(opsroom, *update)["audience"] == "customer"
    missing = opsroom.invoke(app, ["subscription", "update", "999", "--audience", "internal"])
    assert missing.exit_code == 4
    assert [s["subscriber"] for s in run_json(opsroom, "subscription", "list")] == [
        "cfo@example.com",
        "war-room@example.com",
    ]


def test_contact_methods_and_rules_from_the_terminal(opsroom: CliRunner) -> None:  # noqa: F811
    person = "alice@example.com"
    added = opsroom.invoke(
        app, ["contact-method", "add", person, "slack", "https://chat.example.com/a"]
    )
    assert added.exit_code == 0, added.output
    (method,) = run_json(opsroom, "contact-method", "list", person)
    rule = opsroom.invoke(
        app, ["notification-rule", "add", person, str(method["id"]), "--delay", "2"]
    )
    assert rule.exit_code == 0, rule.output
    updated = opsroom.invoke(
        app, ["contact-method", "update", person, str(method["id"]), "--label", "war room"]
    )
    assert updated.exit_code == 0
    assert run_json(opsroom, "contact-method", "list", person)[0]["label"] == "war room"
    bad = opsroom.invoke(
        app, ["contact-method", "update", person, str(method["id"]), "--address", "mail"]
    )
    assert bad.exit_code == 2 and "http(s) URL" in bad.stderr
    (found,) = run_json(opsroom, "notification-rule", "list", person)
    assert (
        opsroom.invoke(
            app, ["notification-rule", "update", person, str(found["id"]), "--delay", "7"]
        ).exit_code
        == 0
    )
    assert run_json(opsroom, "notification-rule", "list", person)[0]["delay_minutes"] == 7
    assert (
        opsroom.invoke(app, ["notification-rule", "remove", person, str(found["id"])]).exit_code
        == 0
    )
    assert (
        opsroom.invoke(app, ["contact-method", "remove", person, str(method["id"])]).exit_code == 0
    )
    assert run_json(opsroom, "contact-method", "list", person) == []


def test_a_phone_is_verified_and_quiet_hours_set_from_the_terminal(
    opsroom: CliRunner,  # noqa: F811
    settings: Settings,
) -> None:
    person, number = "pager@example.com", "+27821234567"
    assert opsroom.invoke(app, ["contact-method", "add", person, "sms", number]).exit_code == 0
    (method,) = run_json(opsroom, "contact-method", "list", person)
    ident = str(method["id"])
    assert opsroom.invoke(app, ["contact-method", "verify", person, ident]).exit_code == 0
    (code,) = texted_codes(settings, number)
    wrong = opsroom.invoke(app, ["contact-method", "confirm", person, ident, "abc"])
    assert wrong.exit_code == 2 and "code: that is not the code" in wrong.stderr
    right = opsroom.invoke(app, ["contact-method", "confirm", person, ident, code])
    assert right.exit_code == 0 and "verified" in right.stdout
    rule = ["notification-rule", "add", person, ident, "--urgency", "high"]
    assert opsroom.invoke(app, rule).exit_code == 0
    assert run_json(opsroom, "notification-rule", "list", person)[0]["urgency"] == "high"
    quiet = ["quiet-hours", "set", person, "--start", "22:00", "--end", "07:00"]
    bad = opsroom.invoke(app, [*quiet, "--zone", "Mars/Olympus"])
    assert bad.exit_code == 2 and "not an IANA time zone" in bad.stderr
    assert opsroom.invoke(app, [*quiet, "--zone", "Africa/Johannesburg"]).exit_code == 0
    shown = run_json(opsroom, "quiet-hours", "show", person)
    assert (shown["start"], shown["end"]) == ("22:00:00", "07:00:00")
    assert opsroom.invoke(app, ["quiet-hours", "clear", person]).exit_code == 0
    assert opsroom.invoke(app, ["quiet-hours", "show", person]).exit_code == 4

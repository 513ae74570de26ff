"""`opsroom platform settings` and `opsroom settings` from the terminal: a platform overrides
what the installation sets, and both go back to what they inherit."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import opsroom, run_json  # noqa: F401 - fixture


def _value(read: dict[str, Any], name: str) -> tuple[Any, str]:
    (found,) = [s for s in read["settings"] if s["name"] == name]
    return found["value"], found["source"]


def test_the_installation_sets_and_a_platform_overrides_working_hours(
    opsroom: CliRunner,  # noqa: F811
) -> None:
    zone = run_json(opsroom, "settings", "set", "working-hours", "time_zone=Europe/Berlin")
    assert _value(zone, "time_zone") == ("Europe/Berlin", "installation")
    inherited = run_json(opsroom, "platform", "settings", "show", "procurement", "working-hours")
    assert _value(inherited, "time_zone") == ("Europe/Berlin", "installation")
    own = run_json(
        opsroom, "platform", "settings", "set", "procurement", "working-hours", "time_zone=UTC"
    )
    assert _value(own, "time_zone") == ("UTC", "platform")
    cleared = run_json(opsroom, "platform", "settings", "clear", "procurement", "working-hours")
    assert _value(cleared, "time_zone") == ("Europe/Berlin", "installation")
    reset = run_json(opsroom, "settings", "reset", "working-hours")
    assert _value(reset, "time_zone") == (None, "defaults")
    assert [v["version"] for v in run_json(opsroom, "settings", "history", "working-hours")] == [
        2,
        1,
    ]


def test_refusals_name_the_setting(opsroom: CliRunner) -> None:  # noqa: F811
    bad = opsroom.invoke(app, ["settings", "set", "working-hours", "time_zone=Mars/Olympus"])
    assert bad.exit_code == 2 and "time_zone" in bad.output
    other = opsroom.invoke(app, ["settings", "show", "incident-policy"])
    assert other.exit_code != 0 and "working-hours" in other.output
    shapeless = opsroom.invoke(app, ["settings", "set", "working-hours", "time_zone"])
    assert shapeless.exit_code == 2 and "NAME=VALUE" in shapeless.output

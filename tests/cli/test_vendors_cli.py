"""`opsroom vendor engage|engagements|acknowledge|dispute|settle|scorecard` from the terminal."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.cli import app
from tests.cli.test_alerts_cli import run_json
from tests.service.vendors.test_engagements import declared, vendor_platform


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    with session_scope(settings) as s:
        vendor_platform(s)
        declared(s)
    return CliRunner()


def test_a_vendor_is_engaged_acknowledged_and_scored(opsroom: CliRunner) -> None:
    engaged = run_json(opsroom, "vendor", "engage", "INC-1", "payflow")
    assert (engaged["status"], engaged["level"]) == ("engaged", 1)
    acknowledged = run_json(opsroom, "vendor", "acknowledge", str(engaged["id"]))
    assert acknowledged["response"]["met"] is True
    assert [e["vendor"] for e in run_json(opsroom, "vendor", "engagements", "INC-1")] == ["payflow"]
    pack = opsroom.invoke(
        app, ["vendor", "scorecard", "payflow", "--since", "2026-11-01", "--until", "2026-11-30"]
    )
    assert pack.exit_code == 0, pack.output
    assert "| Response compliance | 100.0% (1 met, 0 breached) |" in pack.stdout
    quarter = opsroom.invoke(app, ["vendor", "scorecard", "payflow", "--quarter", "2026Q4"])
    assert quarter.exit_code == 0, quarter.output
    assert quarter.stdout.startswith("# Payflow scorecard, 2026-10-01 to 2026-12-31")
    assert "| Engagements | 1 |" in quarter.stdout


def test_refusals_exit_non_zero_with_the_reason(opsroom: CliRunner) -> None:
    outside = opsroom.invoke(app, ["vendor", "engage", "INC-1", "cloudco"])
    assert outside.exit_code == 2 and "supports none of the incident's services" in outside.output
    bad_day = opsroom.invoke(
        app, ["vendor", "scorecard", "payflow", "--since", "soon", "--until", "2026-11-30"]
    )
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
    bad_quarter = opsroom.invoke(app, ["vendor", "scorecard", "payflow", "--quarter", "2026Q5"])
    assert bad_quarter.exit_code == 2 and "'2026Q5' is not a quarter" in bad_quarter.output
    both = ["vendor", "scorecard", "payflow", "--quarter", "2026Q4", "--since", "2026-11-01"]
    refused_both = opsroom.invoke(app, both)
    assert refused_both.exit_code == 2 and "not both" in refused_both.output
    nothing_owed = opsroom.invoke(app, ["vendor", "dispute", "1", "--note", "we were on time"])
    assert nothing_owed.exit_code == 4 and "no vendor engagement 1" in nothing_owed.output


def test_a_contract_is_recorded_and_shown(opsroom: CliRunner) -> None:
    saved = run_json(
        opsroom,
        "vendor",
        "contract-set",
        "payflow",
        "--starts",
        "2026-01-01",
        "--ends",
        "2026-12-31",
        "--support-level",
        "enterprise",
    )
    assert (saved["reminder_on"], saved["state"]) == ("2026-10-02", "renewal_due")
    shown = opsroom.invoke(app, ["vendor", "contract", "payflow"])
    assert "2026-01-01 to 2026-12-31 · enterprise support · renewal_due" in shown.stdout


def test_engagements_listed_by_platform_and_vendor(opsroom: CliRunner) -> None:
    engaged = run_json(opsroom, "vendor", "engage", "INC-1", "payflow")
    by_platform = run_json(opsroom, "vendor", "engagements", "--platform", "procurement")
    assert [e["id"] for e in by_platform] == [engaged["id"]]
    assert run_json(opsroom, "vendor", "engagements", "--vendor", "cloudco") == []
    unknown = opsroom.invoke(app, ["vendor", "engagements", "--platform", "atlantis"])
    assert unknown.exit_code == 2 and "no platform 'atlantis'" in unknown.stderr

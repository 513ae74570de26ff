from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.cli import app
from tests import factories
from tests.service.imports.test_servicenow import SMALL, _final


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    with session_scope(settings) as session:
        factories.platform(session)
    return CliRunner()


def test_import_reports_what_it_did_and_what_it_skipped(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "incidents.csv"
    lines = SMALL.splitlines()
    lines[1] = lines[1].replace("2 - Medium", "7 - Unheard of", 1)
    file.write_text("\n".join(lines) + "\n")
    result = opsroom.invoke(app, ["import", "servicenow", str(file), "--json"])
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["created"] == len(_final(SMALL)) - 1
    assert report["rejected"] == [
        {"line": 2, "number": "INC0000045", "problem": "impact must be 1 to 3"}
    ]
    again = opsroom.invoke(app, ["import", "servicenow", str(file)])
    assert (
        f"0 created, 0 updated, {len(_final(SMALL)) - 1} unchanged on procurement" in again.stdout
    )
    assert "line" in again.stdout and "INC0000045" in again.stdout


def test_an_unknown_time_zone_is_refused(opsroom: CliRunner, tmp_path: Path) -> None:
    file = tmp_path / "incidents.csv"
    file.write_text(SMALL)
    result = opsroom.invoke(app, ["import", "servicenow", str(file), "--timezone", "Mars/Olympus"])
    assert result.exit_code == 2
    assert "unknown time zone" in result.stderr

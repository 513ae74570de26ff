"""Lists that take several values of a filter take several platforms from the terminal:
`--platform` given more than once, each checked against the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.runtime.cli import app

CATALOG = """\
version: 1
platforms:
  - {slug: procurement, name: Procurement}
  - {slug: commerce, name: Commerce}
  - {slug: finance, name: Finance}
squads:
  - {slug: identity, name: Identity, platform: procurement}
  - {slug: shop, name: Shop, platform: commerce}
  - {slug: books, name: Books, platform: finance}
services:
  - {slug: db, name: DB, platform: procurement, owner: identity, tier: 2}
  - {slug: cart, name: Cart, platform: commerce, owner: shop, tier: 1}
  - {slug: ledger, name: Ledger, platform: finance, owner: books, tier: 2}
"""


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    (tmp_path / "catalog.yaml").write_text(CATALOG)
    runner = CliRunner()
    assert runner.invoke(app, ["catalog", "apply", str(tmp_path / "catalog.yaml")]).exit_code == 0
    for title, service in (("Cart down", "cart"), ("DB slow", "db"), ("Ledger off", "ledger")):
        declared = runner.invoke(app, ["incident", "declare", title, "-s", service])
        assert declared.exit_code == 0, declared.output
    return runner


def listed(runner: CliRunner, *args: str) -> list[str]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = orjson.loads(result.stdout)
    return sorted(row["title"] for row in rows)


def test_incidents_listed_for_several_platforms(opsroom: CliRunner) -> None:
    several = ("incident", "list", "--platform", "commerce", "--platform", "finance")
    assert listed(opsroom, *several) == ["Cart down", "Ledger off"]
    assert listed(opsroom, "incident", "list", "--platform", "procurement") == ["DB slow"]
    assert len(listed(opsroom, "incident", "list")) == 3


@pytest.mark.parametrize("records", ["incident", "change", "ticket"])
def test_an_unknown_platform_among_several_is_refused(opsroom: CliRunner, records: str) -> None:
    refused = opsroom.invoke(
        app, [records, "list", "--platform", "commerce", "--platform", "atlantis"]
    )
    assert refused.exit_code == 2 and "no platform 'atlantis'" in refused.stderr

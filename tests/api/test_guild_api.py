"""The guild view over HTTP and from the terminal: the API, the page, its downloads, the
report of `opsroom kpi report --guild`, and their refusals."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.runtime.cli import app
from tests.api.conftest import created

HTML = {"Accept": "text/html"}


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    """procurement with one incident this month; commerce with none."""
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    body = {"title": "Login fails", "services": ["auth"], "impact": 1, "urgency": 1}
    created(catalog_client, "/api/v1/incidents", body)
    return catalog_client


def test_the_guild_report_compares_every_platform(api: TestClient) -> None:
    month = f"{clock.now():%Y-%m}"
    report = api.get("/api/v1/kpis/guild").json()
    assert report["period"] == month
    assert [(p["platform"], p["current"]["incidents"]) for p in report["platforms"]] == [
        ("procurement", 1),
        ("commerce", 0),
    ]
    days = api.get("/api/v1/kpis/guild", params={"since": "2026-10-01", "until": "2026-10-31"})
    assert days.json()["period"] == "2026-10-01..2026-10-31"
    assert days.json()["total"]["incidents"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-10-01"}, "until"),
        ({"until": "2026-10-01"}, "since"),
        ({"since": "2026-10-31", "until": "2026-10-01"}, "until"),
        ({"since": "yesterday", "until": "2026-10-01"}, "since"),
    ],
)
def test_a_bad_period_is_a_field_error(api: TestClient, params: dict[str, str], field: str) -> None:
    refused = api.get("/api/v1/kpis/guild", params=params)
    assert refused.status_code == 422
    assert field in refused.json()["error"]["fields"]


def test_the_guild_page_links_each_platform_to_its_incidents(api: TestClient) -> None:
    page = api.get("/guild", headers=HTML).text
    assert "Guild view" in page and "Commerce" in page
    assert '<a href="/incidents?platform=procurement">1 (was 0)</a>' in page
    assert "All platforms: 1 incidents (was 0)" in page
    bad = api.get("/guild", params={"period": "someday"}, headers=HTML)
    assert bad.status_code == 422


def test_the_guild_report_downloads_in_every_format(api: TestClient) -> None:
    rows = list(csv.DictReader(io.StringIO(api.get("/guild/report.csv").text)))
    incidents = {r["platform"]: r["value"] for r in rows if r["figure"] == "incidents"}
    assert incidents == {"procurement": "1", "commerce": "0"}
    assert json.loads(api.get("/guild/report.json").text)["total"]["incidents"] == 1
    assert "| Incidents | 1 (was 0) | 0 (was 0) |" in api.get("/guild/report.md").text
    html = api.get("/guild/report.html")
    assert html.headers["content-type"].startswith("text/html")
    assert "<h1>Guild view" in html.text


def test_the_guild_report_from_the_terminal(
    api: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    month = f"{clock.now():%Y-%m}"
    shown = runner.invoke(app, ["kpi", "report", "--guild", "--period", month])
    assert shown.exit_code == 0, shown.output
    assert "| Incidents | 1 (was 0) | 0 (was 0) |" in shown.stdout
    as_json = runner.invoke(app, ["kpi", "report", "--guild", "--format", "json"])
    assert [p["platform"] for p in json.loads(as_json.stdout)["platforms"]] == [
        "procurement",
        "commerce",
    ]
    refused = runner.invoke(app, ["kpi", "report", "--guild", "--platform", "commerce"])
    assert refused.exit_code == 2 and "--guild compares every platform" in refused.stderr

"""Changing a webhook type a user added, through the API, the page and the terminal: saved
only once its template reads its sample (else 422 naming the field, nothing changed), a
stale version refused, and a shipped type copied rather than edited in place."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from opsroom.infra.config import Settings
from opsroom.runtime.cli import app as cli
from tests.api.conftest import created
from tests.api.test_webhook_api import CHECKMK, post

PATH = "/api/v1/webhook-types/checkmk"
RENAMED = {"event": {"id": "e-1", "name": "Disk full on db-1", "level": "critical"}}
CHANGED = {
    "name": "Checkmk 2.3",
    "fields": {**CHECKMK["fields"], "summary": "event.name"},
    "sample": RENAMED,
}


@pytest.fixture
def api(catalog_client: TestClient) -> TestClient:
    created(
        catalog_client, "/api/v1/webhook-types", {"slug": "checkmk", "name": "Checkmk", **CHECKMK}
    )
    return catalog_client


def test_a_users_type_is_changed_once_its_template_reads_its_sample(api: TestClient) -> None:
    assert api.get(PATH).json()["version"] == 1
    saved = api.put(PATH, json={"version": 1, **CHANGED})
    assert saved.status_code == 200, saved.text
    assert (saved.json()["name"], saved.json()["fields"]["summary"], saved.json()["version"]) == (
        "Checkmk 2.3",
        "event.name",
        2,
    )
    page = api.get("/alerts/webhook-types/checkmk").text
    assert "<code>event.name</code>" in page and "<td>Disk full on db-1</td>" in page


def test_a_change_that_does_not_fit_is_refused_and_nothing_changes(api: TestClient) -> None:
    unread = api.put(PATH, json={"version": 1, **CHANGED, "sample": CHECKMK["sample"]})
    assert unread.status_code == 422
    assert list(unread.json()["error"]["fields"]) == ["fields.summary"]
    broken = api.put(PATH, json={"version": 1, **CHANGED, "fields": {"summary": "event.["}})
    assert broken.status_code == 422 and "fields.summary" in broken.json()["error"]["fields"]
    stale = api.put(PATH, json={"version": 7, **CHANGED})
    assert stale.status_code == 409 and stale.json()["error"]["fields"]["version"]
    shipped = api.put("/api/v1/webhook-types/zabbix", json={"version": 1, **CHANGED})
    assert shipped.status_code == 409
    assert "copy it under a new slug" in shipped.json()["error"]["fields"]["slug"]
    assert api.put("/api/v1/webhook-types/nope", json={"version": 1, **CHANGED}).status_code == 404
    kept = api.get(PATH).json()
    assert (kept["name"], kept["version"]) == ("Checkmk", 1)


def form(**changes: str) -> dict[str, str]:
    return {
        "version": "1",
        "name": CHANGED["name"],
        "fields": yaml.safe_dump(CHANGED["fields"]),
        "sample": orjson.dumps(CHANGED["sample"]).decode(),
        **changes,
    }


def test_the_types_page_previews_its_sample_and_edits_it(api: TestClient) -> None:
    page = api.get("/alerts/webhook-types/checkmk").text
    assert 'id="preview"' in page and "Disk full on db-1" in page and "Save the type" in page
    refused = post(api, "/alerts/webhook-types/checkmk", form(fields="summary: event.title"))
    assert refused.status_code == 422
    assert "fields.summary: the template maps this payload to no summary" in refused.text
    assert "summary: event.title" in refused.text  # what was typed, shown again
    saved = post(api, "/alerts/webhook-types/checkmk", form())
    assert (saved.status_code, saved.headers["location"]) == (303, "/alerts/webhook-types/checkmk")
    assert api.get(PATH).json()["name"] == "Checkmk 2.3"
    stale = post(api, "/alerts/webhook-types/checkmk", form())
    assert stale.status_code == 409 and "Reload to see the current version" in stale.text


def test_a_shipped_type_is_copied_to_be_changed(api: TestClient) -> None:
    page = api.get("/alerts/webhook-types/zabbix").text
    assert "Save the type" not in page
    assert 'href="/alerts/webhook-types?copy=zabbix#new-webhook-type"' in page
    copy = api.get("/alerts/webhook-types?copy=zabbix").text
    assert 'value="zabbix-copy"' in copy and "High CPU utilization" in copy


def test_a_type_is_changed_from_the_terminal(
    api: TestClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    shown = runner.invoke(cli, ["webhook-type", "show", "checkmk"])
    assert shown.output.startswith("# version 1\n")
    template = tmp_path / "checkmk.yaml"
    template.write_text(yaml.safe_dump(CHANGED))
    done = runner.invoke(cli, ["webhook-type", "edit", "checkmk", str(template), "--version", "1"])
    assert done.exit_code == 0, done.output
    stale = runner.invoke(cli, ["webhook-type", "edit", "checkmk", str(template), "--version", "1"])
    assert stale.exit_code != 0 and "reload and retry" in stale.output
    assert api.get(PATH).json()["version"] == 2

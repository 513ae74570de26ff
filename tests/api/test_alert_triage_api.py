"""Handling alerts by hand over the API and from the alert list, and a test alert from an
integration's page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_alert_pages import HTML, disk_alert, page_text, post, send
from tests.conftest import bearer_for, client_as


@pytest.fixture
def integration(catalog_client: TestClient) -> str:
    made = created(catalog_client, "/api/v1/integrations", {"slug": "prom", "name": "Prometheus"})
    return str(made["key"])


def _ids(client: TestClient) -> list[int]:
    return sorted(a["id"] for a in client.get("/api/v1/alerts").json()["items"])


def test_acknowledge_resolve_and_silence_over_the_api(
    catalog_client: TestClient, integration: str
) -> None:
    send(catalog_client, integration, [disk_alert("db-1"), disk_alert("db-2")])
    ids = _ids(catalog_client)
    acked = catalog_client.post("/api/v1/alerts/acknowledge", json={"alerts": ids})
    assert acked.status_code == 200 and acked.json()["changed"] == ids
    resolved = catalog_client.post("/api/v1/alerts/resolve", json={"alerts": ids[:1]})
    assert resolved.json() == {"changed": ids[:1], "unchanged": [], "silences": []}
    silenced = catalog_client.post(
        "/api/v1/alerts/silence",
        json={"alerts": ids, "ends_at": "2026-11-02T12:00:00Z", "comment": "disk swap"},
    )
    assert silenced.status_code == 201 and len(silenced.json()["silences"]) == 2


def test_refusals_over_the_api(
    catalog_client: TestClient, integration: str, settings: Settings
) -> None:
    send(catalog_client, integration, [disk_alert("db-1")])
    empty = catalog_client.post("/api/v1/alerts/resolve", json={"alerts": []})
    assert empty.status_code == 422
    unknown = catalog_client.post("/api/v1/alerts/resolve", json={"alerts": [424242]})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["fields"] == {"alerts": "unknown: 424242"}
    with client_as(settings, bearer_for(settings, "v@example.com", Role.VIEWER)) as viewer:
        refused = viewer.post("/api/v1/alerts/acknowledge", json={"alerts": _ids(catalog_client)})
    assert refused.status_code == 403


def test_the_list_answers_a_refused_silence_in_place_keeping_the_choice(
    catalog_client: TestClient, integration: str
) -> None:
    send(catalog_client, integration, [disk_alert("db-1"), disk_alert("db-2")])
    ids = _ids(catalog_client)
    form = {"alerts": [str(ids[0])], "do": "silence", "comment": "x", "listing": "status=firing"}
    refused = post(catalog_client, "/alerts/handle", form)
    assert refused.status_code == 422
    assert f'name="alerts" value="{ids[0]}" aria-label="Choose Disk full on db-1" checked' in (
        refused.text
    )
    assert 'value="x"' in refused.text
    done = post(
        catalog_client, "/alerts/handle", {"do": f"resolve:{ids[1]}", "listing": "status=firing"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/alerts?status=firing&period=7d"
    assert "Disk full on db-2" not in page_text(
        catalog_client.get(done.headers["location"], headers=HTML)
    )


def test_a_test_alert_from_the_integration_page_says_where_it_landed(
    catalog_client: TestClient,
) -> None:
    catalog_client.post(
        "/api/v1/integrations", json={"slug": "probe", "name": "Probe", "service": "db"}
    )
    sent = post(catalog_client, "/alerts/integrations/probe/test-alert", {})
    assert sent.status_code == 303
    location = sent.headers["location"]
    assert location.startswith("/alerts/integrations/probe?test=")
    shown = page_text(catalog_client.get(location, headers=HTML))
    assert "The test alert arrived: routed to db" in shown

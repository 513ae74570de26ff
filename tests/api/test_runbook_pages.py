"""Runbooks on an incident's page: run one, approve a risky run, refusals shown."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import created
from tests.api.test_runbooks_api import RUNBOOK


def test_a_runbook_is_run_and_approved_from_the_incident_page(catalog_client: TestClient) -> None:
    key = str(
        created(
            catalog_client,
            "/api/v1/incidents",
            {"title": "Gateway down", "services": ["gateway"], "impact": 1, "urgency": 1},
        )["key"]
    )
    assert 'id="runbooks"' not in catalog_client.get(f"/incidents/{key}").text
    created(catalog_client, "/api/v1/runbooks", RUNBOOK)
    page = catalog_client.get(f"/incidents/{key}").text
    assert "Restart the gateway (rundeck, needs approval)" in page
    asked = catalog_client.post(
        f"/incidents/{key}/runbook-runs",
        data={"runbook": "restart-gateway"},
        follow_redirects=False,
    )
    assert (asked.status_code, asked.headers["location"]) == (303, f"/incidents/{key}#runbooks")
    page = catalog_client.get(f"/incidents/{key}").text
    assert "awaiting approval" in page and "/approve" in page
    limited = catalog_client.post(
        f"/incidents/{key}/runbook-runs", data={"runbook": "restart-gateway"}
    )
    assert limited.status_code == 429 and "its limit" in limited.text
    [run] = catalog_client.get(f"/api/v1/runbook-runs?incident={key}").json()
    catalog_client.post(f"/runbook-runs/{run['id']}/reject", data={"note": "not at peak"})
    assert (
        "Runbook Restart the gateway rejected: not at peak"
        in catalog_client.get(f"/incidents/{key}").text
    )
    again = catalog_client.post(f"/runbook-runs/{run['id']}/approve")
    assert again.status_code == 409 and "not awaiting approval" in again.text

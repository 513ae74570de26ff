"""/api/v1/runbooks and an incident's runbook runs: the happy path and the refusals."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

RUNBOOK = {
    "slug": "restart-gateway",
    "name": "Restart the gateway",
    "platform": "procurement",
    "tool": "rundeck",
    "base_url": "https://rundeck.example.com",
    "job": "3b8a86e2-5b2c-4c48-9c9f-3c3e5c0f5a1b",
    "token": "rundeck-token",
    "risky": True,
    "runs_per_hour": 1,
}


def _incident(client: TestClient) -> str:
    body = {"title": "Gateway down", "services": ["gateway"], "impact": 1, "urgency": 1}
    return str(created(client, "/api/v1/incidents", body)["key"])


def test_a_risky_runbook_is_asked_for_then_approved(
    settings: Settings, catalog_client: TestClient
) -> None:
    shown = created(catalog_client, "/api/v1/runbooks", RUNBOOK)
    assert "token" not in shown
    key = _incident(catalog_client)
    asked = catalog_client.post(
        "/api/v1/runbook-runs", json={"incident": key, "runbook": "restart-gateway"}
    )
    assert asked.status_code == 202, asked.text
    run = asked.json()
    assert (run["state"], run["context"]["incident"], run["context"]["service"]) == (
        "awaiting_approval",
        key,
        "gateway",
    )
    limited = catalog_client.post(
        "/api/v1/runbook-runs", json={"incident": key, "runbook": "restart-gateway"}
    )
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
    responder = client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER))
    assert responder.post(f"/api/v1/runbook-runs/{run['id']}/approve", json={}).status_code == 403
    approved = catalog_client.post(f"/api/v1/runbook-runs/{run['id']}/approve", json={"note": "go"})
    assert approved.json()["state"] == "queued"
    assert (
        catalog_client.post(f"/api/v1/runbook-runs/{run['id']}/reject", json={}).status_code == 409
    )
    assert [r["id"] for r in catalog_client.get(f"/api/v1/runbook-runs?incident={key}").json()] == [
        run["id"]
    ]


def test_bad_runbooks_are_refused_naming_the_field(catalog_client: TestClient) -> None:
    bad = catalog_client.post("/api/v1/runbooks", json=RUNBOOK | {"tool": "cron"})
    assert bad.status_code == 422 and "tool" in bad.json()["error"]["fields"]
    created(catalog_client, "/api/v1/runbooks", RUNBOOK)
    assert catalog_client.post("/api/v1/runbooks", json=RUNBOOK).status_code == 409
    key = _incident(catalog_client)
    unknown = catalog_client.post("/api/v1/runbook-runs", json={"incident": key, "runbook": "nope"})
    assert unknown.status_code == 404
    assert (
        catalog_client.get("/api/v1/runbooks?platform=procurement").json()[0]["slug"]
        == "restart-gateway"
    )

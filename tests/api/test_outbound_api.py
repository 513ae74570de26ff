"""/api/v1/platforms/{platform}/jira|confluence, Jira's webhook and /api/v1/outbound/{key}:
the happy paths and the refusals, each in the one error shape."""

from __future__ import annotations

import hashlib
import hmac

import orjson
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

JIRA = {
    "base_url": "https://example.atlassian.net/",
    "project_key": "PAY",
    "email": "ops@example.com",
    "api_token": "atlassian-api-token",
    "webhook_secret": "hook-secret",
}
WEBHOOK = "/api/v1/platforms/procurement/jira/webhook"


def _action(client: TestClient) -> str:
    body = {"title": "Add a retry budget", "owner_squad": "identity"}
    return str(created(client, "/api/v1/actions", body)["key"])


def test_jira_is_set_up_without_its_secrets_coming_back(catalog_client: TestClient) -> None:
    response = catalog_client.put("/api/v1/platforms/procurement/jira", json=JIRA)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert (shown["base_url"], shown["api_token_set"], shown["version"]) == (
        "https://example.atlassian.net",
        True,
        1,
    )
    assert "atlassian-api-token" not in response.text and "hook-secret" not in response.text
    again = catalog_client.get("/api/v1/platforms/procurement/jira").json()
    assert again == shown
    stale = catalog_client.put("/api/v1/platforms/procurement/jira", json=JIRA | {"version": 0})
    assert stale.status_code == 409


def test_a_bad_connection_is_refused_naming_the_field(catalog_client: TestClient) -> None:
    bad = catalog_client.put(
        "/api/v1/platforms/procurement/jira", json=JIRA | {"project_key": "pay team"}
    )
    assert bad.status_code == 422
    assert "project_key" in bad.json()["error"]["fields"]
    no_space = catalog_client.put(
        "/api/v1/platforms/procurement/confluence",
        json={"base_url": "https://example.atlassian.net", "email": "o@example.com"},
    )
    assert "space_id" in no_space.json()["error"]["fields"]
    assert catalog_client.get("/api/v1/platforms/procurement/jira").status_code == 404
    assert catalog_client.put("/api/v1/platforms/nowhere/jira", json=JIRA).status_code == 404


def test_only_the_operations_manager_sets_up_jira(
    settings: Settings, catalog_client: TestClient
) -> None:
    responder = client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER))
    refused = responder.put("/api/v1/platforms/procurement/jira", json=JIRA)
    assert refused.status_code == 403
    assert responder.get("/api/v1/platforms/procurement/jira").status_code == 404


def test_an_action_item_is_queued_for_jira_once(catalog_client: TestClient) -> None:
    catalog_client.put("/api/v1/platforms/procurement/jira", json=JIRA)
    key = _action(catalog_client)
    queued = catalog_client.post(f"/api/v1/outbound/{key}/jira")
    assert queued.status_code == 202, queued.text
    assert (queued.json()["state"], queued.json()["system"]) == ("pending", "jira")
    assert catalog_client.post(f"/api/v1/outbound/{key}/jira").status_code == 409
    [link] = catalog_client.get(f"/api/v1/outbound/{key}").json()
    assert link["key"] == key
    not_a_record = catalog_client.post("/api/v1/outbound/CHG-1/jira")
    assert (not_a_record.status_code, not_a_record.json()["error"]["fields"]) == (
        422,
        {"key": "an ACT- or PRB- key"},
    )
    assert catalog_client.post("/api/v1/outbound/PRB-404/jira").status_code == 404
    unpublished = catalog_client.post("/api/v1/outbound/INC-404/confluence")
    assert unpublished.status_code == 404


def _signed(body: bytes, secret: str = "hook-secret") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def test_jiras_webhook_is_signed_and_read(
    catalog_client: TestClient, anonymous: TestClient
) -> None:
    catalog_client.put("/api/v1/platforms/procurement/jira", json=JIRA)
    body = orjson.dumps({"webhookEvent": "jira:issue_created", "issue": {"key": "PAY-1"}})
    ignored = anonymous.post(WEBHOOK, content=body, headers=_signed(body))
    assert (ignored.status_code, ignored.json()) == (200, {"moves": []})
    forged = anonymous.post(WEBHOOK, content=body, headers=_signed(body, "guess"))
    assert forged.status_code == 401
    assert "X-Hub-Signature" in forged.json()["error"]["message"]
    garbled = b"{not json"
    unreadable = anonymous.post(WEBHOOK, content=garbled, headers=_signed(garbled))
    assert (unreadable.status_code, unreadable.json()["error"]["code"]) == (400, "bad_request")
    elsewhere = anonymous.post(
        "/api/v1/platforms/retail/jira/webhook", content=body, headers=_signed(body)
    )
    assert elsewhere.status_code == 401

"""/api/v1/tickets and the survey link a requester answers without signing in."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import created

# Tickets name their organisation, which must be one of the desk's records.
pytestmark = pytest.mark.usefixtures("customers")

TICKET = {
    "title": "Cannot sign in",
    "requester": "ann@customer.example",
    "organisation": "Acme",
    "service": "auth",
    "priority": 2,
}


@pytest.fixture
def ticket(catalog_client: TestClient) -> dict[str, Any]:
    return created(catalog_client, "/api/v1/tickets", TICKET)


def test_a_ticket_is_opened_answered_and_resolved(
    catalog_client: TestClient, ticket: dict[str, Any]
) -> None:
    key = ticket["key"]
    assert (ticket["squad"], ticket["status"], ticket["priority"]) == ("identity", "new", 2)
    replied = created(catalog_client, f"/api/v1/tickets/{key}/messages", {"body": "On it"})
    assert (replied["status"], replied["first_response_at"]) == ("open", "2026-11-02T09:00:00Z")
    resolved = catalog_client.post(f"/api/v1/tickets/{key}/resolve", json={"version": 2})
    assert resolved.json()["status"] == "resolved"
    listed = catalog_client.get("/api/v1/tickets", params={"organisation": "Acme"}).json()
    assert [t["key"] for t in listed["items"]] == [key]
    assert catalog_client.get("/api/v1/tickets/csat").json() == {
        "squad": None,
        "sent": 1,
        "answered": 0,
        "csat": None,
    }


def test_refusals_name_the_field_and_change_nothing(
    catalog_client: TestClient, ticket: dict[str, Any]
) -> None:
    bad = catalog_client.post("/api/v1/tickets", json={**TICKET, "requester": "not-an-email"})
    assert bad.status_code == 422
    unknown = catalog_client.post("/api/v1/tickets", json={**TICKET, "service": "nope"})
    assert unknown.json()["error"]["fields"] == {"service": "unknown service"}
    key = ticket["key"]
    stale = catalog_client.post(f"/api/v1/tickets/{key}/resolve", json={"version": 9})
    assert stale.status_code == 409
    closed = catalog_client.post(f"/api/v1/tickets/{key}/close", json={})
    assert closed.json()["error"]["message"] == "a new ticket cannot close"
    link = catalog_client.post(f"/api/v1/tickets/{key}/incident", json={"incident": "INC-9"})
    assert (link.status_code, link.json()["error"]["fields"]) == (
        422,
        {"incident": "no incident INC-9"},
    )
    assert catalog_client.get("/api/v1/tickets/TKT-99").status_code == 404
    assert catalog_client.get(f"/api/v1/tickets/{key}").json()["version"] == 1


def users(client: TestClient) -> dict[str, Any]:
    return {u["email"]: u for u in client.get("/api/v1/users").json()}


def test_an_organisation_not_on_record_is_refused_for_tickets_and_requesters(
    catalog_client: TestClient,
) -> None:
    stranger = catalog_client.post("/api/v1/tickets", json={**TICKET, "organisation": "Nobody"})
    assert (stranger.status_code, stranger.json()["error"]["fields"]) == (
        422,
        {"organisation": "no organisation 'Nobody'"},
    )
    assert catalog_client.get("/api/v1/tickets").json()["items"] == []
    account = {
        "email": "bo@nobody.example",
        "display_name": "Bo",
        "role": "requester",
        "password": "a long enough secret",
    }
    refused = catalog_client.post("/api/v1/users", json={**account, "organisation": "Nobody"})
    assert refused.json()["error"]["fields"] == {"organisation": "no organisation 'Nobody'"}
    assert "bo@nobody.example" not in users(catalog_client)
    made = created(catalog_client, "/api/v1/users", {**account, "organisation": "Acme"})
    moved = catalog_client.patch(
        "/api/v1/users/bo@nobody.example",
        json={"version": made["version"], "organisation": "Nobody"},
    )
    assert (moved.status_code, moved.json()["error"]["fields"]) == (
        422,
        {"organisation": "no organisation 'Nobody'"},
    )
    kept = users(catalog_client)["bo@nobody.example"]
    assert (kept["organisation"], kept["version"]) == ("Acme", made["version"])


def test_a_guessed_survey_link_finds_nothing(anonymous: TestClient) -> None:
    guessed = anonymous.post("/api/v1/surveys/abc", json={"score": 5})
    assert guessed.status_code == 404
    out_of_range = anonymous.post("/api/v1/surveys/abc", json={"score": 6})
    assert out_of_range.status_code == 422


def test_a_ticket_is_turned_into_an_incident_once(
    catalog_client: TestClient, ticket: dict[str, Any]
) -> None:
    key = ticket["key"]
    escalated = catalog_client.post(f"/api/v1/tickets/{key}/incident", json={"impact": 1})
    assert (escalated.status_code, escalated.json()["incident"]) == (200, "INC-1")
    assert catalog_client.get("/api/v1/incidents/INC-1").json()["services"] == ["auth"]
    again = catalog_client.post(f"/api/v1/tickets/{key}/incident", json={"incident": "INC-1"})
    assert (again.status_code, again.json()["error"]["fields"]) == (409, {"incident": "INC-1"})
    out_of_range = catalog_client.post(f"/api/v1/tickets/{key}/incident", json={"urgency": 4})
    assert "urgency" in out_of_range.json()["error"]["fields"]

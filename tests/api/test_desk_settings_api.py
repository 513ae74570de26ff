"""/api/v1/desk/settings/{platform} and its page: a platform's SLA targets, business hours
and holidays, which the tickets opened after a change are held to."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_desk_api import TICKET
from tests.conftest import bearer_for, client_as

# Tickets name their organisation, which must be one of the desk's records.
pytestmark = pytest.mark.usefixtures("customers")

SETTINGS = "/api/v1/desk/settings/procurement"
HTML = {"Accept": "text/html"}


def changed(client: TestClient, **change: Any) -> Any:
    return client.put(SETTINGS, json=client.get(SETTINGS).json() | change)


def test_shipped_defaults_hold_until_an_operations_manager_changes_them(
    catalog_client: TestClient,
) -> None:
    shipped = catalog_client.get(SETTINGS).json()
    assert (shipped["version"], shipped["zone"], shipped["reopen_days"]) == (
        0,
        "Europe/Amsterdam",
        14,
    )
    assert shipped["targets"]["P2"] == {"first_response": 60, "resolution": 480}
    assert shipped["hours"]["saturday"] is None
    # Monday 2 November, 10:00 in Amsterdam: the desk keeps its holiday and opens again on
    # Tuesday, where the P2's first hour of business time ends at 09:00.
    targets = shipped["targets"] | {"P2": {"first_response": 60, "resolution": 600}}
    saved = changed(catalog_client, targets=targets, holidays=["2026-11-02"], zone="UTC")
    assert saved.status_code == 200
    assert (saved.json()["version"], saved.json()["updated_by"]) == (1, "admin@example.com")
    ticket = created(catalog_client, "/api/v1/tickets", TICKET)
    assert ticket["first_response_due"] == "2026-11-03T09:00:00Z"
    assert ticket["resolution_due"] == "2026-11-03T18:00:00Z"


def test_refusals_name_the_field_and_change_nothing(catalog_client: TestClient) -> None:
    shipped = catalog_client.get(SETTINGS).json()
    zone = changed(catalog_client, zone="Mars/Olympus")
    assert (zone.status_code, zone.json()["error"]["fields"]) == (
        422,
        {"zone": "unknown time zone"},
    )
    late = shipped["hours"] | {"monday": {"opens": "18:00", "closes": "08:00"}}
    hours = changed(catalog_client, hours=late)
    assert hours.json()["error"]["fields"] == {"hours.monday.closes": "is not after it opens"}
    negative = shipped["targets"] | {"P1": {"first_response": -5, "resolution": 240}}
    targets = changed(catalog_client, targets=negative)
    assert targets.status_code == 422
    assert list(targets.json()["error"]["fields"]) == ["targets.P1.first_response"]
    backwards = shipped["targets"] | {"P3": {"first_response": 600, "resolution": 60}}
    assert changed(catalog_client, targets=backwards).json()["error"]["fields"] == {
        "targets.P3.resolution": "is below the first response"
    }
    closed = dict.fromkeys(shipped["hours"])
    assert list(changed(catalog_client, hours=closed).json()["error"]["fields"]) == ["hours"]
    stale = catalog_client.put(SETTINGS, json=shipped | {"version": 3, "reopen_days": 2})
    assert stale.status_code == 409
    assert catalog_client.get("/api/v1/desk/settings/nowhere").status_code == 404
    assert catalog_client.get(SETTINGS).json() == shipped


def test_only_the_platforms_operations_managers_change_them(
    settings: Settings, catalog_client: TestClient
) -> None:
    lead = bearer_for(settings, "lead@example.com", Role.SQUAD_LEAD)
    with client_as(settings, lead) as squad_lead:
        assert squad_lead.get(SETTINGS).status_code == 200
        assert changed(squad_lead, reopen_days=3).status_code == 403
    requester = bearer_for(settings, "ann@customer.example", Role.REQUESTER, organisation="Acme")
    with client_as(settings, requester) as ann:
        assert ann.get(SETTINGS).status_code == 403
    manager = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    with client_as(settings, manager) as om:
        assert changed(om, reopen_days=3).json()["reopen_days"] == 3


def test_the_settings_page_shows_a_refusal_beside_its_field(catalog_client: TestClient) -> None:
    page = catalog_client.get("/desk/settings/procurement", headers=HTML)
    assert page.status_code == 200
    assert 'name="P1_first_response"' in page.text and 'value="Europe/Amsterdam"' in page.text
    form = {
        "version": "0",
        "zone": "Europe/Amsterdam",
        "reopen_days": "7",
        "holidays": "2026-12-25\n2026-12-26",
        "monday_opens": "09:00",
        "monday_closes": "08:00",
    } | {f"P{n}_{kind}": "60" for n in range(1, 5) for kind in ("first_response", "resolution")}
    refused = catalog_client.post("/desk/settings/procurement", data=form, headers=HTML)
    assert refused.status_code == 422
    assert "is not after it opens" in refused.text and 'value="09:00"' in refused.text
    saved = catalog_client.post(
        "/desk/settings/procurement",
        data=form | {"monday_closes": "17:00"},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stored = catalog_client.get(SETTINGS).json()
    assert stored["holidays"] == ["2026-12-25", "2026-12-26"]
    assert stored["hours"]["monday"] == {"opens": "09:00:00", "closes": "17:00:00"}
    assert stored["hours"]["tuesday"] is None


def test_the_desk_replies_with_a_canned_response_of_the_platform(
    catalog_client: TestClient,
) -> None:
    canned = [{"title": "Restart", "body": "Please sign out and in again."}]
    assert changed(catalog_client, canned_responses=canned).status_code == 200
    twice = changed(catalog_client, canned_responses=canned * 2)
    assert twice.json()["error"]["fields"] == {"canned_responses.1.title": "repeated"}
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    messages = f"/api/v1/tickets/{key}/messages"
    unknown = catalog_client.post(messages, json={"canned": "Reboot"})
    assert unknown.json()["error"]["fields"] == {"canned": "no such canned response"}
    empty = catalog_client.post(messages, json={})
    assert (empty.status_code, empty.json()["error"]["fields"]) == (422, {"body": "required"})
    replied = created(catalog_client, messages, {"canned": "Restart"})
    assert [m["body"] for m in replied["messages"]] == ["Please sign out and in again."]
    page = catalog_client.get(f"/tickets/{key}", params={"canned": "Restart"}, headers=HTML)
    assert f'href="/tickets/{key}?canned=Restart#message-form"' in page.text
    assert ">Please sign out and in again.</textarea>" in page.text
    settings_page = catalog_client.get("/desk/settings/procurement", headers=HTML).text
    assert "Restart: Please sign out and in again." in settings_page

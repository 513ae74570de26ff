"""Each platform governed by its own operations managers: who is assigned what, and an
operations manager refused on another platform's freezes, changes, risks and settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_alert_pages import disk_alert, send
from tests.conftest import TEST_NOW, bearer_for, client_as

OTHER_PLATFORM = "operations managers govern their own platforms only; not assigned to commerce"


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    """procurement (from catalog_client) and commerce, whose cart depends on procurement's db."""
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(
        catalog_client, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"}
    )
    cart = {"slug": "cart", "name": "Cart", "tier": 1, "platform": "commerce", "owner": "shop"}
    created(catalog_client, "/api/v1/services", cart | {"depends_on": ["db"]})
    return catalog_client


@pytest.fixture
def manager(api: TestClient, settings: Settings) -> TestClient:
    """The operations manager of procurement alone."""
    bearer = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    return client_as(settings, bearer)


def freeze(services: list[str], slug: str = "peak") -> dict[str, Any]:
    return {
        "slug": slug,
        "name": slug.capitalize(),
        "starts_on": "2026-11-20",
        "ends_on": "2026-11-30",
        "services": services,
    }


def refusal(response: Any) -> str:
    assert response.status_code == 403, response.text
    message: str = response.json()["error"]["message"]
    return message


def test_an_administrator_assigns_platforms_and_it_is_audited(
    api: TestClient, manager: TestClient
) -> None:
    assert manager.get("/api/v1/me").json()["platforms"] == ["procurement"]
    both = {"platforms": ["commerce", "procurement", "commerce"]}
    assigned = api.put("/api/v1/users/om@example.com/platforms", json=both)
    assert assigned.json() == {"email": "om@example.com", "platforms": ["commerce", "procurement"]}
    assert manager.get("/api/v1/me").json()["platforms"] == ["commerce", "procurement"]
    entry = api.get(
        "/api/v1/audit", params={"subject_type": "user", "subject_key": "om@example.com"}
    ).json()["items"][0]
    assert (entry["action"], entry["before"], entry["after"]) == (
        "user.platforms_assigned",
        {"platforms": ["procurement"]},
        {"platforms": ["commerce", "procurement"]},
    )


def test_an_unknown_platform_is_refused_with_the_field_named_and_nothing_changes(
    api: TestClient, manager: TestClient
) -> None:
    body = {"platforms": ["commerce", "atlantis"]}
    refused = api.put("/api/v1/users/om@example.com/platforms", json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"platforms": "unknown platform 'atlantis'"}
    read = api.get("/api/v1/users/om@example.com/platforms").json()
    assert read["platforms"] == ["procurement"]
    assert api.put("/api/v1/users/ghost@example.com/platforms", json=body).status_code == 404
    assert api.put("/api/v1/users/om@example.com/platforms", json={}).status_code == 422


def test_only_administrators_assign_platforms(manager: TestClient) -> None:
    body = {"platforms": ["commerce"]}
    assert refusal(manager.put("/api/v1/users/om@example.com/platforms", json=body))
    assert manager.get("/api/v1/me").json()["platforms"] == ["procurement"]


def test_a_manager_freezes_their_own_platform_only(api: TestClient, manager: TestClient) -> None:
    assert manager.post("/api/v1/freezes", json=freeze(["db"])).status_code == 201
    assert refusal(manager.post("/api/v1/freezes", json=freeze(["cart"], "cart"))) == OTHER_PLATFORM
    assert refusal(manager.post("/api/v1/freezes", json=freeze(["db", "cart"], "both")))
    created(api, "/api/v1/freezes", freeze(["cart"], "cart"))
    assert refusal(manager.delete("/api/v1/freezes/cart")) == OTHER_PLATFORM
    assert [f["slug"] for f in api.get("/api/v1/freezes").json()] == ["cart", "peak"]


def test_a_manager_grants_freeze_exceptions_on_their_own_platform_only(
    api: TestClient, manager: TestClient
) -> None:
    start = TEST_NOW + timedelta(days=1)
    change = {
        "title": "Resize the cart",
        "services": ["cart"],
        "squad": "shop",
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=1)).isoformat(),
    }
    key = created(api, "/api/v1/changes", change)["key"]
    exception = manager.post(f"/api/v1/changes/{key}/exception", json={"reason": "patch"})
    assert refusal(exception) == OTHER_PLATFORM
    assert api.get(f"/api/v1/changes/{key}").json()["freeze_exception"] == ""


def test_a_manager_accepts_risks_and_sets_risk_settings_on_their_own_platform_only(
    api: TestClient, manager: TestClient
) -> None:
    risk = {
        "title": "Cart on one database",
        "category": "availability",
        "owner_squad": "shop",
        "inherent_likelihood": 3,
        "inherent_impact": 5,
        "services": ["cart"],
    }
    key = created(api, "/api/v1/risks", risk)["key"]
    api.post(f"/api/v1/risks/{key}/move/assess", json={})
    body = {"version": 2, "reason": "cheap enough", "until": "2027-01-31"}
    assert refusal(manager.post(f"/api/v1/risks/{key}/accept", json=body)) == OTHER_PLATFORM
    assert api.get(f"/api/v1/risks/{key}").json()["status"] == "assessed"
    current = api.get("/api/v1/risks/settings/commerce").json()
    written = manager.put("/api/v1/risks/settings/commerce", json=current)
    assert refusal(written) == OTHER_PLATFORM
    own = manager.get("/api/v1/risks/settings/procurement").json()
    assert manager.put("/api/v1/risks/settings/procurement", json=own).status_code == 200


def test_settings_of_every_platform_are_for_guild_leads_and_administrators(
    api: TestClient, manager: TestClient, settings: Settings
) -> None:
    policy = api.get("/api/v1/policies/incident").json()
    assert "every platform" in refusal(manager.put("/api/v1/policies/incident", json=policy))
    lead = bearer_for(settings, "lead@example.com", Role.GUILD_LEAD)
    with client_as(settings, lead) as guild_lead:
        assert guild_lead.put("/api/v1/policies/incident", json=policy).status_code == 200
        assert guild_lead.post("/api/v1/freezes", json=freeze(["cart", "db"])).status_code == 201


@pytest.mark.parametrize(
    ("scope", "field"),
    [
        ({"platforms": ["atlantis"]}, "platforms"),
        ({"journeys": ["nowhere"]}, "journeys"),
        ({"services": ["ghost"]}, "services"),
        ({}, "platforms"),
        ({"everything": True, "services": ["db"]}, "everything"),
    ],
)
def test_a_freeze_names_what_it_covers_and_nothing_unknown(
    api: TestClient, scope: dict[str, Any], field: str
) -> None:
    body = freeze([]) | scope
    refused = api.post("/api/v1/freezes", json=body)
    assert refused.status_code == 422, refused.text
    assert field in refused.json()["error"]["fields"]
    assert api.get("/api/v1/freezes").json() == []


def test_only_an_administrator_freezes_everything(
    api: TestClient, manager: TestClient, settings: Settings
) -> None:
    everything = freeze([]) | {"everything": True}
    assert "'admin' scope" in refusal(manager.post("/api/v1/freezes", json=everything))
    with client_as(settings, bearer_for(settings, "gl@example.com", Role.GUILD_LEAD)) as lead:
        assert refusal(lead.post("/api/v1/freezes", json=everything))
    made = created(api, "/api/v1/freezes", everything)
    assert (made["everything"], made["platforms"]) == (True, [])
    assert refusal(manager.delete("/api/v1/freezes/peak"))
    calendar = api.get("/changes/calendar", headers={"Accept": "text/html"}).text
    assert "everything: every platform" in calendar


def test_the_freezes_list_filters_by_the_platform_they_reach(api: TestClient) -> None:
    created(api, "/api/v1/freezes", freeze(["db"], "dbase"))
    created(api, "/api/v1/freezes", freeze(["cart"], "cart"))
    created(api, "/api/v1/freezes", freeze([], "commerce") | {"platforms": ["commerce"]})
    created(api, "/api/v1/freezes", freeze([], "whole") | {"everything": True})

    def reaching(platform: str) -> list[str]:
        found = api.get("/api/v1/freezes", params={"platform": platform})
        return [f["slug"] for f in found.json()]

    assert reaching("procurement") == ["dbase", "whole"]
    assert reaching("commerce") == ["cart", "commerce", "whole"]
    assert api.get("/api/v1/freezes", params={"platform": "atlantis"}).status_code == 422


# --- the other governance actions: each refused on another platform's objects --------------

RACI = {"parties": [{"letter": "A", "role": "operations manager"}]}
COMMERCE_FILE = """version: 1
squads:
  - slug: checkout
    name: Checkout
    platform: commerce
"""


def test_a_manager_keeps_vendors_and_raci_of_their_own_platform_only(
    api: TestClient, manager: TestClient
) -> None:
    db_vendor = {"slug": "dbcorp", "name": "DBCorp", "services": [{"service": "db"}]}
    assert manager.post("/api/v1/vendors", json=db_vendor).status_code == 201
    cart_vendor = {"slug": "paycorp", "name": "PayCorp", "services": [{"service": "cart"}]}
    assert "not assigned to commerce" in refusal(manager.post("/api/v1/vendors", json=cart_vendor))
    both = {"version": 1, "services": [{"service": "db"}, {"service": "cart"}]}
    assert refusal(manager.patch("/api/v1/vendors/dbcorp", json=both))
    assert [s["service"] for s in api.get("/api/v1/vendors/dbcorp").json()["services"]] == ["db"]
    assert manager.put("/api/v1/raci/db/incident_response", json=RACI).status_code == 200
    assert refusal(manager.put("/api/v1/raci/cart/incident_response", json=RACI))


def test_a_catalog_file_is_applied_by_who_governs_every_platform_it_touches(
    api: TestClient, manager: TestClient
) -> None:
    yaml = {"content-type": "application/yaml"}
    refused = manager.post("/api/v1/catalog/apply", content=COMMERCE_FILE, headers=yaml)
    assert "not assigned to commerce" in refusal(refused)
    assert api.get("/api/v1/squads/checkout").status_code == 404
    applied = api.post("/api/v1/catalog/apply", content=COMMERCE_FILE, headers=yaml)
    assert applied.json()["created"] == {"squads": 1}


def test_a_manager_sets_slos_and_others_subscriptions_on_their_own_platform_only(
    api: TestClient, manager: TestClient
) -> None:
    slo = {"name": "Cart answers", "service": "cart", "objective": 99.9, "owner_squad": "shop"}
    assert "not assigned to commerce" in refusal(manager.post("/api/v1/slos", json=slo))
    own = slo | {"name": "DB answers", "service": "db", "owner_squad": "identity"}
    assert manager.post("/api/v1/slos", json=own).status_code == 201
    moved = manager.patch("/api/v1/slos/SLO-1", json={"version": 1, "owner_squad": "shop"})
    assert refusal(moved)
    someone = {"subscriber": "buyer@example.com"}
    assert refusal(manager.post("/api/v1/subscriptions", json=someone | {"service": "cart"}))
    on_db = manager.post("/api/v1/subscriptions", json=someone | {"service": "db"})
    assert on_db.status_code == 201
    mine = manager.post("/api/v1/subscriptions", json={"service": "cart"})
    assert mine.status_code == 201


def test_a_manager_triages_alerts_and_engages_vendors_on_their_own_platform_only(
    api: TestClient, manager: TestClient
) -> None:
    key = created(api, "/api/v1/integrations", {"slug": "prom", "name": "Prometheus"})["key"]
    send(api, str(key), [disk_alert("cart-1", service="cart"), disk_alert("db-1")])
    alerts = {a["service"]: a["id"] for a in api.get("/api/v1/alerts").json()["items"]}
    cart_alert = {"alerts": [alerts["cart"]]}
    assert refusal(manager.post("/api/v1/alerts/acknowledge", json=cart_alert))
    silence = cart_alert | {"ends_at": "2026-11-03T09:00:00Z", "comment": "noisy disk"}
    assert refusal(manager.post("/api/v1/alerts/silence", json=silence))
    both = {"alerts": [alerts["db"], alerts["cart"]]}
    assert refusal(manager.post("/api/v1/alerts/resolve", json=both))
    own = manager.post("/api/v1/alerts/acknowledge", json={"alerts": [alerts["db"]]})
    assert own.json()["changed"] == [alerts["db"]]
    vendor = {"slug": "paycorp", "name": "PayCorp", "services": [{"service": "cart"}]}
    created(api, "/api/v1/vendors", vendor)
    incident = created(api, "/api/v1/incidents", {"title": "Cart down", "services": ["cart"]})
    engaging = {"vendor": "paycorp", "incident": incident["key"]}
    assert refusal(manager.post("/api/v1/vendor-engagements", json=engaging))
    assert api.post("/api/v1/vendor-engagements", json=engaging).status_code == 201

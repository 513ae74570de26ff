"""Every list and report narrows to one platform with `platform=<slug>`; a platform the
catalog does not have is refused with the field named, never answered with an empty list."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import created

LISTS = [
    "/api/v1/incidents",
    "/api/v1/alerts",
    "/api/v1/problems",
    "/api/v1/known-errors",
    "/api/v1/reviews",
    "/api/v1/actions",
    "/api/v1/changes",
    "/api/v1/freezes",
    "/api/v1/risks",
    "/api/v1/risks/ranking",
    "/api/v1/risks/above-appetite",
    "/api/v1/issues",
    "/api/v1/services",
    "/api/v1/squads",
    "/api/v1/journeys",
    "/api/v1/raci",
    "/api/v1/tickets",
    "/api/v1/slos",
    "/api/v1/series",
    "/api/v1/vendors",
    "/api/v1/schedules",
    "/api/v1/kpis/report",
    "/api/v1/kpis/monthly",
    "/api/v1/kpis/trend",
    "/api/v1/problems/figures",
    "/api/v1/reviews/figures",
    "/api/v1/actions/figures",
]


@pytest.fixture
def api(catalog_client: TestClient) -> TestClient:
    """procurement (from catalog_client) and commerce with its shop squad and cart."""
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(
        catalog_client, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"}
    )
    cart = {"slug": "cart", "name": "Cart", "tier": 1, "platform": "commerce", "owner": "shop"}
    created(catalog_client, "/api/v1/services", cart)
    return catalog_client


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_platform_is_refused_with_the_field_named(api: TestClient, path: str) -> None:
    refused = api.get(path, params={"platform": "atlantis"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"] == {"platform": "unknown platform 'atlantis'"}


def slugs(api: TestClient, path: str, platform: str, key: str = "slug") -> list[str]:
    response = api.get(path, params={"platform": platform})
    assert response.status_code == 200, response.text
    body = response.json()
    rows = body["items"] if isinstance(body, dict) else body
    return sorted(row[key] for row in rows)


def test_the_catalog_lists_narrow_to_a_platform(api: TestClient) -> None:
    assert slugs(api, "/api/v1/services", "commerce") == ["cart"]
    assert slugs(api, "/api/v1/squads", "procurement") == ["identity"]
    assert slugs(api, "/api/v1/journeys", "commerce") == []
    assert slugs(api, "/api/v1/journeys", "procurement") == ["login"]


def test_vendors_narrow_to_those_of_a_platform_s_services(api: TestClient) -> None:
    created(
        api,
        "/api/v1/vendors",
        {"slug": "paycorp", "name": "PayCorp", "services": [{"service": "cart"}]},
    )
    created(
        api,
        "/api/v1/vendors",
        {"slug": "dbcorp", "name": "DBCorp", "services": [{"service": "db"}]},
    )
    assert slugs(api, "/api/v1/vendors", "commerce") == ["paycorp"]
    assert slugs(api, "/api/v1/vendors", "procurement") == ["dbcorp"]


def test_schedules_narrow_to_those_of_a_platform_s_squads(api: TestClient) -> None:
    created(api, "/api/v1/schedules", {"slug": "shop-rota", "name": "Shop rota", "squad": "shop"})
    created(api, "/api/v1/schedules", {"slug": "id-rota", "name": "Identity", "squad": "identity"})
    assert slugs(api, "/api/v1/schedules", "commerce") == ["shop-rota"]
    assert slugs(api, "/api/v1/schedules", "procurement") == ["id-rota"]


def test_incidents_and_watched_series_narrow_to_a_platform(api: TestClient) -> None:
    for title, service in (("Cart down", "cart"), ("Database slow", "db")):
        created(api, "/api/v1/incidents", {"title": title, "services": [service]})
    assert slugs(api, "/api/v1/incidents", "commerce", key="title") == ["Cart down"]
    created(api, "/api/v1/series", {"key": "cart-orders", "name": "Cart orders", "service": "cart"})
    assert slugs(api, "/api/v1/series", "commerce", key="key") == ["cart-orders"]
    assert slugs(api, "/api/v1/series", "procurement", key="key") == []


REQUESTER = {"requester": "ann@customer.example", "organisation": "Acme"}
SEVERAL = ["/api/v1/incidents", "/api/v1/changes", "/api/v1/tickets"]


def titles(api: TestClient, path: str, *platforms: str) -> list[str]:
    response = api.get(path, params={"platform": list(platforms)})
    assert response.status_code == 200, response.text
    return sorted(row["title"] for row in response.json()["items"])


@pytest.fixture
def finance(api: TestClient) -> TestClient:
    """A third platform with its own squad and ledger service."""
    created(api, "/api/v1/platforms", {"slug": "finance", "name": "Finance"})
    created(api, "/api/v1/squads", {"slug": "books", "name": "Books", "platform": "finance"})
    ledger = {
        "slug": "ledger",
        "name": "Ledger",
        "tier": 2,
        "platform": "finance",
        "owner": "books",
    }
    created(api, "/api/v1/services", ledger)
    return api


@pytest.mark.parametrize("path", SEVERAL)
def test_any_unknown_platform_among_several_is_refused_with_the_field_named(
    api: TestClient, path: str
) -> None:
    refused = api.get(path, params={"platform": ["commerce", "atlantis"]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"] == {"platform": "unknown platform 'atlantis'"}


def test_incidents_and_tickets_narrow_to_several_platforms(finance: TestClient) -> None:
    customer = {"name": "Acme", "platforms": ["commerce", "finance", "procurement"]}
    created(finance, "/api/v1/organisations", customer)
    for title, service in (("Cart down", "cart"), ("DB slow", "db"), ("Ledger off", "ledger")):
        created(finance, "/api/v1/incidents", {"title": title, "services": [service]})
        ticket = {"title": title, "service": service, **REQUESTER}
        created(finance, "/api/v1/tickets", ticket)
    for path in ("/api/v1/incidents", "/api/v1/tickets"):
        assert titles(finance, path, "commerce", "finance") == ["Cart down", "Ledger off"]
        assert titles(finance, path, "procurement") == ["DB slow"]
        assert len(titles(finance, path)) == 3


def test_changes_narrow_to_several_platforms(finance: TestClient) -> None:
    for title, service, squad in (("Cart", "cart", "shop"), ("Ledger", "ledger", "books")):
        body = {
            "title": title,
            "services": [service],
            "squad": squad,
            "planned_start": "2030-01-01T10:00:00Z",
            "planned_end": "2030-01-01T12:00:00Z",
        }
        created(finance, "/api/v1/changes", body)
    assert titles(finance, "/api/v1/changes", "commerce", "finance") == ["Cart", "Ledger"]
    assert titles(finance, "/api/v1/changes", "finance", "procurement") == ["Ledger"]

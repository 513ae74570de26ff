"""A person's remembered platform: set through the profile API or the picker's "remember",
applied to list pages whose address names no platform, and "all platforms" one click away."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_web_auth import browser, page_token, person, sign_in
from tests.conftest import bearer_for, client_as

OM = "om@example.com"


@pytest.fixture
def api(catalog_client: TestClient) -> TestClient:
    """procurement (identity squad, db...) and commerce (shop squad, cart)."""
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(
        catalog_client, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"}
    )
    cart = {"slug": "cart", "name": "Cart", "tier": 1, "platform": "commerce", "owner": "shop"}
    created(catalog_client, "/api/v1/services", cart)
    return catalog_client


@pytest.fixture
def responder(api: TestClient, settings: Settings) -> Iterator[TestClient]:
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as client:
        yield client


@pytest.fixture
def om(api: TestClient, settings: Settings) -> Iterator[TestClient]:
    """An operations manager signed in through the login form."""
    person(settings, OM, Role.OPERATIONS_MANAGER)
    with browser(settings) as client:
        assert sign_in(client, OM).status_code == 303
        yield client


def test_the_profile_shows_and_sets_the_remembered_platform(
    api: TestClient, responder: TestClient
) -> None:
    assert responder.get("/api/v1/me").json()["default_platform"] is None
    chosen = responder.put("/api/v1/me/default-platform", json={"platform": "commerce"})
    assert chosen.status_code == 200 and chosen.json() == {"platform": "commerce"}
    assert responder.get("/api/v1/me").json()["default_platform"] == "commerce"
    entry = api.get(
        "/api/v1/audit", params={"subject_type": "user", "subject_key": "r@example.com"}
    ).json()["items"][0]
    assert (entry["action"], entry["after"]) == (
        "user.default_platform_chosen",
        {"default_platform": "commerce"},
    )
    cleared = responder.put("/api/v1/me/default-platform", json={"platform": None})
    assert cleared.json() == {"platform": None}
    assert responder.get("/api/v1/me").json()["default_platform"] is None


def test_an_unknown_platform_is_refused_with_the_field_named_and_nothing_changes(
    responder: TestClient,
) -> None:
    responder.put("/api/v1/me/default-platform", json={"platform": "commerce"})
    refused = responder.put("/api/v1/me/default-platform", json={"platform": "atlantis"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"platform": "unknown platform 'atlantis'"}
    assert responder.get("/api/v1/me").json()["default_platform"] == "commerce"


def squad_rows(page_html: str) -> list[str]:
    return [name for name in ("Identity", "Shop") if f">{name}</a>" in page_html]


def test_list_pages_open_on_the_remembered_platform_until_all_are_asked_for(
    om: TestClient,
) -> None:
    assert squad_rows(om.get("/squads").text) == ["Identity", "Shop"]
    page = om.get("/squads?platform=commerce")
    remembered = om.post(
        "/me/default-platform",
        data={
            "platform": "commerce",
            "next": "/squads?platform=commerce",
            "csrf_token": page_token(page),
        },
        follow_redirects=False,
    )
    assert remembered.headers["location"] == "/squads?platform=commerce"
    assert squad_rows(om.get("/squads").text) == ["Shop"]
    services = om.get("/services").text
    assert "/services/cart" in services and "/services/db" not in services
    every = om.get("/squads?platform=")
    assert squad_rows(every.text) == ["Identity", "Shop"]
    assert 'href="/squads?platform=" aria-current="true">All platforms' in every.text


def test_a_list_page_refuses_an_unknown_platform(om: TestClient) -> None:
    refused = om.get("/incidents?platform=atlantis")
    assert refused.status_code == 422
    assert "No platform &#39;atlantis&#39;" in refused.text


def test_the_incident_list_shows_several_platforms_named_in_the_address(
    api: TestClient, om: TestClient
) -> None:
    for title, service in (("Cart down", "cart"), ("DB slow", "db")):
        created(api, "/api/v1/incidents", {"title": title, "services": [service]})
    one = om.get("/incidents?platform=commerce").text
    assert "Cart down" in one and "DB slow" not in one
    both = om.get("/incidents?platform=commerce&platform=procurement")
    assert both.status_code == 200
    assert "Cart down" in both.text and "DB slow" in both.text
    refused = om.get("/changes?platform=commerce&platform=atlantis")
    assert refused.status_code == 422
    assert "No platform &#39;atlantis&#39;" in refused.text


def test_the_home_page_refuses_an_unknown_platform_like_the_lists(om: TestClient) -> None:
    refused = om.get("/?platform=atlantis")
    assert refused.status_code == 422
    assert "No platform &#39;atlantis&#39;" in refused.text
    assert om.get("/?platform=commerce").status_code == 200


def kpi_squads(page_html: str) -> list[str]:
    """The squads the KPI page offers to choose: those of the platform it shows."""
    choices = page_html.split('name="squad"')[1].split("</select>")[0]
    return [name for name in ("Identity", "Shop") if f">{name}</option>" in choices]


def test_the_kpi_page_opens_on_the_remembered_platform_with_all_platforms_reachable(
    om: TestClient,
) -> None:
    page = om.get("/kpis")
    assert kpi_squads(page.text) == ["Identity", "Shop"]
    om.post(
        "/me/default-platform",
        data={"platform": "commerce", "next": "/kpis", "csrf_token": page_token(page)},
        follow_redirects=False,
    )
    remembered = om.get("/kpis").text
    assert '<option value="commerce" selected>Commerce</option>' in remembered
    assert "/kpis/report.md?platform=commerce" in remembered
    assert kpi_squads(remembered) == ["Shop"]
    every = om.get("/kpis?platform=").text
    assert kpi_squads(every) == ["Identity", "Shop"]
    assert 'href="/kpis/report.md?platform=" download' in every
    assert 'href="/kpis?platform=" aria-current="true">All platforms' in every
    assert om.get("/kpis?platform=atlantis").status_code == 422

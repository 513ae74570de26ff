"""GET /api/v1/search and the /search page: words find records of every kind, a key names
its record, and bad input is a clear refusal."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_incidents_api import error_of
from tests.conftest import bearer_for, client_as

HTML = {"Accept": "text/html"}


def declared(client: TestClient, title: str) -> str:
    body = created(client, "/api/v1/incidents", {"title": title, "services": ["auth"]})
    key: str = body["key"]
    return key


def test_search_finds_incidents_and_services_by_their_words(catalog_client: TestClient) -> None:
    key = declared(catalog_client, "Auth tokens expire early")

    body = catalog_client.get("/api/v1/search", params={"q": "auth"}).json()

    assert body["jump"] is None
    assert [(h["kind"], h["key"], h["url"]) for h in body["hits"]] == [
        ("incident", key, f"/incidents/{key}"),
        ("service", "auth", "/services/auth"),
    ]


def test_a_key_names_its_record(catalog_client: TestClient) -> None:
    key = declared(catalog_client, "Auth tokens expire early")

    body = catalog_client.get("/api/v1/search", params={"q": key.lower()}).json()
    page = catalog_client.get("/search", params={"q": key}, headers=HTML, follow_redirects=False)

    assert body["jump"] == f"/incidents/{key}"
    assert (page.status_code, page.headers["location"]) == (303, f"/incidents/{key}")


def test_a_search_too_long_is_a_field_error(catalog_client: TestClient) -> None:
    refused = catalog_client.get("/api/v1/search", params={"q": "a" * 201})
    page = catalog_client.get("/search", params={"q": "a" * 201}, headers=HTML)

    assert error_of(refused, 422)["fields"] == {"q": "at most 200"}
    assert page.status_code == 422
    assert "at most 200" in page.text and 'value="' + "a" * 201 + '"' in page.text


def test_a_search_needs_words_and_a_signed_in_caller(
    catalog_client: TestClient, anonymous: TestClient
) -> None:
    error_of(catalog_client.get("/api/v1/search"), 422)
    error_of(anonymous.get("/api/v1/search", params={"q": "auth"}), 401)


def test_a_viewer_searches_too(catalog_client: TestClient, settings: Settings) -> None:
    key = declared(catalog_client, "Auth tokens expire early")
    viewer = client_as(settings, bearer_for(settings, "cfo@example.com", Role.VIEWER))

    body = viewer.get("/api/v1/search", params={"q": "tokens"}).json()

    assert [h["key"] for h in body["hits"]] == [key]


def test_the_page_groups_what_it_found_and_says_when_nothing_matches(
    catalog_client: TestClient,
) -> None:
    declared(catalog_client, "Gateway drops requests")

    found = catalog_client.get("/search", params={"q": "gateway"}, headers=HTML)
    nothing = catalog_client.get("/search", params={"q": "zebra"}, headers=HTML)

    assert found.status_code == 200
    assert 'id="found-incident"' in found.text and 'id="found-service"' in found.text
    assert "Nothing matches “zebra”." in nothing.text

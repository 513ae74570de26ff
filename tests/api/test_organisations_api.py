"""/api/v1/organisations and their pages: customer organisations kept by operations
managers; requesters read none of them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

ACME = {"name": "Acme", "domains": ["acme.example"], "platforms": ["procurement"]}
HTML = {"Accept": "text/html"}


def test_an_organisation_is_added_read_and_changed(catalog_client: TestClient) -> None:
    added = created(catalog_client, "/api/v1/organisations", ACME)
    assert (added["domains"], added["requesters"], added["version"]) == (["acme.example"], [], 1)
    changed = catalog_client.patch(
        "/api/v1/organisations/Acme", json={"version": 1, "domains": ["acme.example", "acme.test"]}
    )
    assert changed.json()["domains"] == ["acme.example", "acme.test"]
    assert [o["name"] for o in catalog_client.get("/api/v1/organisations").json()] == ["Acme"]


def test_refusals_name_the_field_and_change_nothing(catalog_client: TestClient) -> None:
    created(catalog_client, "/api/v1/organisations", ACME)
    bad = catalog_client.post("/api/v1/organisations", json={**ACME, "domains": ["not a domain"]})
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (422, ["domains.0"])
    taken = catalog_client.post("/api/v1/organisations", json={**ACME, "name": "Globex"})
    assert (taken.status_code, taken.json()["error"]["fields"]) == (
        409,
        {"domains": "acme.example is Acme's"},
    )
    unknown = catalog_client.post(
        "/api/v1/organisations",
        json={**ACME, "name": "Initech", "domains": [], "platforms": ["x1"]},
    )
    assert unknown.json()["error"]["fields"] == {"platforms": "no platform 'x1'"}
    stale = catalog_client.patch("/api/v1/organisations/Acme", json={"version": 7, "domains": []})
    assert stale.status_code == 409
    assert catalog_client.get("/api/v1/organisations/Nobody").status_code == 404
    assert [o["name"] for o in catalog_client.get("/api/v1/organisations").json()] == ["Acme"]
    assert catalog_client.get("/api/v1/organisations/Acme").json()["domains"] == ["acme.example"]


def test_requesters_and_responders_cannot_keep_organisations(
    settings: Settings, catalog_client: TestClient
) -> None:
    created(catalog_client, "/api/v1/organisations", ACME)
    ann = bearer_for(settings, "ann@acme.example", Role.REQUESTER, organisation="Acme")
    with client_as(settings, ann) as requester:
        assert requester.get("/api/v1/organisations").status_code == 403
        assert requester.get("/api/v1/organisations/Acme").status_code == 403
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert responder.get("/api/v1/organisations/Acme").status_code == 200
        refused = responder.patch("/api/v1/organisations/Acme", json={"version": 1, "domains": []})
        assert refused.status_code == 403


def test_the_pages_add_and_change_an_organisation(catalog_client: TestClient) -> None:
    page = catalog_client.get("/organisations", headers=HTML)
    assert page.status_code == 200 and 'href="/desk/settings/procurement"' in page.text
    refused = catalog_client.post(
        "/organisations", data={"name": "Acme", "domains": "acme.example"}, headers=HTML
    )
    assert refused.status_code == 422 and 'id="organisation-platforms-error"' in refused.text
    added = catalog_client.post(
        "/organisations",
        data={"name": "Acme", "domains": "acme.example\nacme.test", "platforms": "procurement"},
        headers=HTML,
        follow_redirects=False,
    )
    assert (added.status_code, added.headers["location"]) == (303, "/organisations/Acme")
    changed = catalog_client.post(
        "/organisations/Acme",
        data={"version": "1", "domains": "acme.test", "platforms": "procurement"},
        headers=HTML,
        follow_redirects=False,
    )
    assert changed.status_code == 303
    detail = catalog_client.get("/organisations/Acme", headers=HTML).text
    assert "acme.test" in detail and "acme.example" not in detail

"""/api/v1/request-types, /api/v1/requests and a request's approvals, and their pages: the
catalog kept by operations managers, requests made by requesters, approvals on the ticket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

# Tickets name their organisation, which must be one of the desk's records.
pytestmark = pytest.mark.usefixtures("customers")

HTML = {"Accept": "text/html"}
ACCESS = {
    "slug": "db-access",
    "name": "Database access",
    "service": "db",
    "priority": 4,
    "fields": [
        {"name": "schema", "label": "Schema", "required": True},
        {"name": "level", "label": "Level", "type": "choice", "choices": ["read", "write"]},
        {"name": "until", "label": "Until", "type": "date"},
    ],
    "approvals": [{"approver": "operations_manager"}],
}


@pytest.fixture
def ann(settings: Settings, catalog_client: TestClient) -> Iterator[TestClient]:
    created(catalog_client, "/api/v1/request-types", ACCESS)
    token = bearer_for(settings, "ann@customer.example", Role.REQUESTER, organisation="Acme")
    with client_as(settings, token) as client:
        yield client


def asked(client: TestClient, **answers: str) -> dict[str, Any]:
    return created(client, "/api/v1/requests", {"type": "db-access", "answers": answers})


def test_a_requester_asks_and_an_operations_manager_approves(
    ann: TestClient, catalog_client: TestClient
) -> None:
    assert [t["slug"] for t in ann.get("/api/v1/request-types").json()] == ["db-access"]
    ticket = asked(ann, schema="billing", level="read")
    assert (ticket["kind"], ticket["squad"], ticket["answers"]) == (
        "request",
        "identity",
        {"schema": "billing", "level": "read"},
    )
    key = ticket["key"]
    assert ann.post(f"/api/v1/tickets/{key}/approvals/approved", json={}).status_code == 403
    approved = catalog_client.post(f"/api/v1/tickets/{key}/approvals/approved", json={})
    assert approved.json()["approvals"][0]["decision"] == "approved"
    again = catalog_client.post(f"/api/v1/tickets/{key}/approvals/declined", json={})
    assert (again.status_code, again.json()["error"]["fields"]) == (
        409,
        {"approvals": "none waiting"},
    )
    queue = catalog_client.get("/api/v1/tickets", params={"squad": "identity"}).json()
    assert [t["key"] for t in queue["items"]] == [key]


def test_refusals_name_the_field_and_open_nothing(
    ann: TestClient, catalog_client: TestClient
) -> None:
    bad = ann.post(
        "/api/v1/requests",
        json={"type": "db-access", "answers": {"level": "admin", "until": "soon"}},
    )
    assert (bad.status_code, bad.json()["error"]["fields"]) == (
        422,
        {
            "answers.schema": "required",
            "answers.level": "one of: read, write",
            "answers.until": "a date (YYYY-MM-DD)",
        },
    )
    unknown = ann.post("/api/v1/requests", json={"type": "nope", "answers": {}})
    assert unknown.json()["error"]["fields"] == {"type": "no request type 'nope'"}
    assert ann.post("/api/v1/request-types", json={**ACCESS, "slug": "x2"}).status_code == 403
    taken = catalog_client.post("/api/v1/request-types", json=ACCESS)
    assert taken.status_code == 409
    repeated = {**ACCESS, "slug": "twice", "fields": ACCESS["fields"] * 2}
    assert catalog_client.post("/api/v1/request-types", json=repeated).json()["error"][
        "fields"
    ] == {"fields.3.name": "repeated"}
    stale = catalog_client.patch("/api/v1/request-types/db-access", json={"version": 5})
    assert stale.status_code == 409
    assert catalog_client.get("/api/v1/tickets").json()["items"] == []


def test_a_requester_asks_from_the_portal_with_field_errors_beside_the_fields(
    ann: TestClient, catalog_client: TestClient
) -> None:
    portal = ann.get("/portal", headers=HTML).text
    assert 'href="/requests/new/db-access"' in portal
    form = ann.get("/requests/new/db-access", headers=HTML).text
    assert 'name="answer_schema"' in form and 'name="requester"' not in form
    refused = ann.post(
        "/requests/new/db-access", data={"answer_level": "read", "answer_until": "x"}, headers=HTML
    )
    assert refused.status_code == 422
    assert 'id="request-answers.schema-error"' in refused.text and "a date" in refused.text
    sent = ann.post(
        "/requests/new/db-access",
        data={"answer_schema": "billing", "answer_level": "write"},
        headers=HTML,
        follow_redirects=False,
    )
    key = sent.headers["location"].rsplit("/", 1)[1]
    staff = catalog_client.get(f"/tickets/{key}", headers=HTML).text
    assert f'action="/tickets/{key}/approvals/approved"' in staff and "billing" in staff
    declined = catalog_client.post(
        f"/tickets/{key}/approvals/declined",
        data={"note": "use read"},
        headers=HTML,
        follow_redirects=False,
    )
    assert declined.status_code == 303
    assert ann.get(f"/api/v1/tickets/{key}").json()["status"] == "closed"


def test_operations_managers_add_to_the_catalog_from_its_page(catalog_client: TestClient) -> None:
    page = catalog_client.get("/request-types", headers=HTML)
    assert page.status_code == 200 and 'id="request-type-form"' in page.text
    form = {
        "slug": "vpn",
        "name": "VPN access",
        "service": "auth",
        "priority": "3",
        "fields": "reason; Why; text; required\nregion; Region; choice; optional; EU, US",
        "approvals": "squad_lead",
    }
    wrong = catalog_client.post(
        "/request-types", data=form | {"fields": "x; X; choice"}, headers=HTML
    )
    assert wrong.status_code == 422 and "a choice needs choices" in wrong.text
    added = catalog_client.post("/request-types", data=form, headers=HTML, follow_redirects=False)
    assert added.status_code == 303
    vpn = catalog_client.get("/api/v1/request-types/vpn").json()
    assert [(f["name"], f["required"], f["choices"]) for f in vpn["fields"]] == [
        ("reason", True, []),
        ("region", False, ["EU", "US"]),
    ]
    assert vpn["approvals"] == [{"approver": "squad_lead", "squad": None}]


def test_a_requester_sees_only_their_organisations_platforms_types(
    catalog_client: TestClient, ann: TestClient
) -> None:
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(
        catalog_client, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"}
    )
    storefront = {"slug": "storefront", "name": "Storefront", "tier": 2, "owner": "shop"}
    created(catalog_client, "/api/v1/services", {**storefront, "platform": "commerce"})
    gift_cards = {**ACCESS, "slug": "gift-cards", "name": "Gift cards", "service": "storefront"}
    created(catalog_client, "/api/v1/request-types", gift_cards)
    assert [t["slug"] for t in ann.get("/api/v1/request-types").json()] == ["db-access"]
    assert ann.get("/api/v1/request-types/gift-cards").status_code == 404
    assert ann.get("/requests/new/gift-cards", headers=HTML).status_code == 404
    refused = ann.post("/api/v1/requests", json={"type": "gift-cards", "answers": {"schema": "x"}})
    assert refused.json()["error"]["fields"] == {"type": "no request type 'gift-cards'"}
    staff = [t["slug"] for t in catalog_client.get("/api/v1/request-types").json()]
    assert staff == ["db-access", "gift-cards"]

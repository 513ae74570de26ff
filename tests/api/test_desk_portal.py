"""Requesters through the API and the portal's pages: their organisation's tickets only
(another's answers 404, so keys do not leak), and never an internal note."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_desk_api import TICKET
from tests.conftest import bearer_for, client_as

# Tickets name their organisation, which must be one of the desk's records.
pytestmark = pytest.mark.usefixtures("customers")

HTML = {"Accept": "text/html"}
SECRET_NOTE = "Their SSO certificate expired"


@pytest.fixture
def ann(settings: Settings, catalog_client: TestClient) -> Iterator[TestClient]:
    """A requester of Acme, the organisation of TICKET's requester."""
    token = bearer_for(settings, "ann@customer.example", Role.REQUESTER, organisation="Acme")
    with client_as(settings, token) as client:
        yield client


@pytest.fixture
def globex_ticket(catalog_client: TestClient) -> str:
    other = {**TICKET, "requester": "bob@globex.example", "organisation": "Globex"}
    key: str = created(catalog_client, "/api/v1/tickets", other)["key"]
    return key


def noted(desk: TestClient, key: str) -> None:
    created(desk, f"/api/v1/tickets/{key}/messages", {"body": "On it"})
    created(desk, f"/api/v1/tickets/{key}/messages", {"body": SECRET_NOTE, "internal": True})


def test_a_requester_reports_and_reads_without_internal_notes(
    ann: TestClient, catalog_client: TestClient
) -> None:
    ticket = created(ann, "/api/v1/tickets", {"title": "Cannot sign in", "service": "auth"})
    assert (ticket["requester"], ticket["organisation"]) == ("ann@customer.example", "Acme")
    noted(catalog_client, ticket["key"])
    read = ann.get(f"/api/v1/tickets/{ticket['key']}").json()
    assert [m["body"] for m in read["messages"]] == ["On it"]
    listed = ann.get("/api/v1/tickets").json()["items"]
    assert [m["body"] for t in listed for m in t["messages"]] == ["On it"]


def test_another_organisations_ticket_is_not_found(ann: TestClient, globex_ticket: str) -> None:
    hidden = ann.get(f"/api/v1/tickets/{globex_ticket}")
    missing = ann.get("/api/v1/tickets/TKT-999")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json()["error"]["message"] == f"no ticket {globex_ticket}"
    assert ann.get("/api/v1/tickets", params={"organisation": "Globex"}).json()["items"] == []


def test_a_requester_is_refused_with_the_field_named_and_nothing_written(
    ann: TestClient, catalog_client: TestClient
) -> None:
    for_someone = ann.post(
        "/api/v1/tickets",
        json={"title": "Cannot sign in", "service": "auth", "requester": "eve@customer.example"},
    )
    assert for_someone.status_code == 422
    assert for_someone.json()["error"]["fields"] == {
        "requester": "requesters report for themselves"
    }
    elsewhere = ann.post(
        "/api/v1/tickets",
        json={"title": "Cannot sign in", "service": "auth", "organisation": "Globex"},
    )
    assert elsewhere.status_code == 403
    unknown = ann.post("/api/v1/tickets", json={"title": "Cannot sign in", "service": "nope"})
    assert unknown.json()["error"]["fields"] == {"service": "unknown service"}
    assert catalog_client.get("/api/v1/tickets").json()["items"] == []


def test_a_requester_cannot_work_tickets_or_read_the_rest_of_opsroom(
    ann: TestClient, catalog_client: TestClient
) -> None:
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    assert ann.post(f"/api/v1/tickets/{key}/resolve", json={}).status_code == 403
    assert ann.post(f"/api/v1/tickets/{key}/incident", json={}).status_code == 403
    assert ann.get("/api/v1/services").status_code == 403
    assert ann.get("/api/v1/tickets/csat").status_code == 403


def test_the_desk_names_the_requester_it_opens_a_ticket_for(catalog_client: TestClient) -> None:
    unnamed = catalog_client.post("/api/v1/tickets", json={"title": "Broken", "service": "auth"})
    assert unnamed.status_code == 422
    assert unnamed.json()["error"]["fields"] == {
        "requester": "required",
        "organisation": "required",
    }


# --- the portal's pages -------------------------------------------------------------------


def test_the_portal_is_a_requesters_home(ann: TestClient, globex_ticket: str) -> None:
    home = ann.get("/", headers=HTML, follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/portal")
    ours = created(ann, "/api/v1/tickets", {"title": "Cannot sign in", "service": "auth"})["key"]
    portal = ann.get("/portal", headers=HTML)
    assert portal.status_code == 200
    assert f'href="/tickets/{ours}"' in portal.text and globex_ticket not in portal.text
    assert 'href="/tickets/new"' in portal.text
    assert 'href="/incidents"' not in portal.text  # no nav beyond their tickets
    assert ann.get(f"/tickets/{globex_ticket}", headers=HTML).status_code == 404
    assert ann.get("/tickets", headers=HTML).status_code == 403


def test_a_requester_reports_from_the_form_and_reads_the_ticket_page(
    ann: TestClient, catalog_client: TestClient
) -> None:
    form = ann.get("/tickets/new", headers=HTML).text
    assert 'name="service"' in form and 'name="requester"' not in form
    refused = ann.post("/tickets", data={"title": "No", "service": ""}, headers=HTML)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and "required" in refused.text
    sent = ann.post(
        "/tickets",
        data={"title": "Cannot sign in", "service": "auth", "description": "Since 9 <am>"},
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303
    key = sent.headers["location"].rsplit("/", 1)[1]
    noted(catalog_client, key)
    page = ann.get(f"/tickets/{key}", headers=HTML).text
    assert "Since 9 &lt;am&gt;" in page and "On it" in page
    assert SECRET_NOTE not in unescape(page)
    assert "/move/" not in page and 'name="internal"' not in page
    staff_page = catalog_client.get(f"/tickets/{key}", headers=HTML).text
    assert SECRET_NOTE in unescape(staff_page)


def test_the_desk_opens_a_ticket_from_the_form_naming_the_requester(
    catalog_client: TestClient,
) -> None:
    form = catalog_client.get("/tickets/new", headers=HTML).text
    assert 'name="requester"' in form and '<select name="organisation" required>' in form
    assert '<option value="Acme">Acme</option>' in form  # the records, to choose from
    asked = {"title": "Cannot sign in", "service": "auth"}
    refused = catalog_client.post("/tickets", data=asked, headers=HTML)
    assert refused.status_code == 422
    assert 'id="report-requester-error"' in refused.text
    named = asked | {"requester": "bo@nobody.example", "organisation": "Nobody"}
    stranger = catalog_client.post("/tickets", data=named, headers=HTML)
    assert stranger.status_code == 422
    assert 'id="report-organisation-error">no organisation &#39;Nobody&#39;' in stranger.text
    assert catalog_client.get("/api/v1/tickets").json()["items"] == []


def test_a_requester_writes_on_their_ticket_from_the_api_and_the_page(
    ann: TestClient, catalog_client: TestClient, globex_ticket: str
) -> None:
    key = created(ann, "/api/v1/tickets", {"title": "Cannot sign in", "service": "auth"})["key"]
    wrote = created(ann, f"/api/v1/tickets/{key}/messages", {"body": "Still broken"})
    assert [(m["author"], m["internal"]) for m in wrote["messages"]] == [
        ("ann@customer.example", False)
    ]
    note = ann.post(f"/api/v1/tickets/{key}/messages", json={"body": "x", "internal": True})
    assert (note.status_code, list(note.json()["error"]["fields"])) == (422, ["internal"])
    hidden = ann.post(f"/api/v1/tickets/{globex_ticket}/messages", json={"body": "hello"})
    assert hidden.status_code == 404
    catalog_client.post(f"/api/v1/tickets/{key}/resolve", json={})
    page = ann.post(
        f"/tickets/{key}/messages",
        data={"body": "Broken again"},
        headers=HTML,
        follow_redirects=False,
    )
    assert page.status_code == 303
    reopened = catalog_client.get(f"/api/v1/tickets/{key}").json()
    assert (reopened["status"], reopened["messages"][-1]["body"]) == ("open", "Broken again")
    empty = ann.post(f"/tickets/{key}/messages", data={"body": ""}, headers=HTML)
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text

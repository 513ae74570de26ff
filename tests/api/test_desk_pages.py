"""The desk's pages: the queue, a ticket's conversation and the survey a requester answers
from their email without an account."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from tests.api.conftest import created
from tests.api.test_desk_api import TICKET
from tests.conftest import ADMIN, bearer_for, client_as

# Tickets name their organisation, which must be one of the desk's records.
pytestmark = pytest.mark.usefixtures("customers")

HTML = {"Accept": "text/html"}


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def survey_link(settings: Settings) -> str:
    with session_scope(settings, write=False) as s:
        sent = notify.log(s, actor=ADMIN, person=TICKET["requester"]).items
    (link,) = [m.message["link"] for m in sent if "/surveys/" in m.message["link"]]
    return "/surveys/" + link.rsplit("/", 1)[1]


def test_a_reply_from_the_ticket_page_shows_in_the_conversation(
    catalog_client: TestClient,
) -> None:
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    assert key in catalog_client.get("/tickets", headers=HTML).text
    refused = post(catalog_client, f"/tickets/{key}/messages", {"internal": "true"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text and "required" in refused.text
    assert 'name="internal" value="true" checked' in refused.text
    sent = post(catalog_client, f"/tickets/{key}/messages", {"body": "Try again <now>"})
    assert sent.status_code == 303
    page = catalog_client.get(f"/tickets/{key}", headers=HTML).text
    assert "Try again &lt;now&gt;" in page
    assert '<strong id="ticket-status">open</strong>' in page


def test_a_stale_move_is_refused_in_place(catalog_client: TestClient) -> None:
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    refused = post(catalog_client, f"/tickets/{key}/move/resolve", {"version": "5"})
    assert refused.status_code == 409
    assert "Reload to see the current version" in refused.text


def test_the_requester_answers_the_survey_once_without_signing_in(
    settings: Settings, catalog_client: TestClient, anonymous: TestClient
) -> None:
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    catalog_client.post(f"/api/v1/tickets/{key}/resolve", json={})
    link = survey_link(settings)
    assert "How satisfied are you?" in anonymous.get(link).text
    missing = post(anonymous, link, {"comment": "fine"})
    assert missing.status_code == 422
    assert ">fine</textarea>" in missing.text
    assert post(anonymous, link, {"score": "4", "comment": "fine"}).status_code == 303
    assert "your answer is recorded" in unescape(anonymous.get(link).text)
    replayed = post(anonymous, link, {"score": "1"})
    assert replayed.status_code == 409
    assert anonymous.get("/surveys/guessed", headers=HTML).status_code == 404
    assert catalog_client.get("/api/v1/tickets/csat").json()["csat"] == 100.0


def test_the_queue_needs_a_sign_in(anonymous: TestClient) -> None:
    bounced = anonymous.get("/tickets", headers=HTML, follow_redirects=False)
    assert (bounced.status_code, bounced.headers["location"]) == (303, "/login?next=%2Ftickets")


def test_a_viewer_who_replies_is_refused_beside_the_form(
    settings: Settings, catalog_client: TestClient
) -> None:
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    with client_as(settings, bearer_for(settings, "v@example.com", Role.VIEWER)) as viewer:
        refused = post(viewer, f"/tickets/{key}/messages", {"body": "a viewer's reply"})
    assert refused.status_code == 403
    assert f"{key}" in refused.text and 'role="alert"' in refused.text
    assert 'name="body"' in refused.text
    assert "a viewer&#39;s reply" not in catalog_client.get(f"/tickets/{key}", headers=HTML).text


def test_an_incident_is_declared_from_the_ticket_page(catalog_client: TestClient) -> None:
    key = created(catalog_client, "/api/v1/tickets", TICKET)["key"]
    assert "Declare an incident" in catalog_client.get(f"/tickets/{key}", headers=HTML).text
    unknown = post(catalog_client, f"/tickets/{key}/incident", {"incident": "INC-7"})
    assert unknown.status_code == 422 and 'id="incident-incident-error"' in unknown.text
    declared = post(catalog_client, f"/tickets/{key}/incident", {"impact": "1", "urgency": "2"})
    assert declared.status_code == 303
    page = catalog_client.get(f"/tickets/{key}", headers=HTML).text
    assert 'href="/incidents/INC-1"' in page and "Declare an incident" not in page
    assert "part of incident INC-1" in page

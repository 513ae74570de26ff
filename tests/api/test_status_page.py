"""/status/<platform> and /api/v1/status: public without signing in, cached by ETag and
Last-Modified, restricted or switched off per platform, with an Atom feed and a subscription
form that refuses bad input by field."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import TEST_NOW, bearer_for, client_as

ATOM = "{http://www.w3.org/2005/Atom}"
LOGIN_DOWN = {"title": "Login down", "services": ["auth"], "impact": 1, "urgency": 1}


def _visibility(client: TestClient, visibility: str) -> None:
    read = client.get("/api/v1/status/procurement/settings").json()
    changed = client.put(
        "/api/v1/status/procurement/settings", json={**read, "visibility": visibility}
    )
    assert changed.status_code == 200, changed.text


def test_the_status_page_is_public_and_answers_304_while_nothing_changes(
    catalog_client: TestClient, anonymous: TestClient
) -> None:
    first = anonymous.get("/api/v1/status/procurement")
    assert first.status_code == 200
    assert first.json()["state"] == "operational"
    assert first.headers["cache-control"] == "public, max-age=15"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = anonymous.get("/api/v1/status/procurement", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    since = anonymous.get("/api/v1/status/procurement", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    created(catalog_client, "/api/v1/incidents", LOGIN_DOWN)
    changed = anonymous.get("/api/v1/status/procurement", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert {c["slug"]: c["state"] for c in changed.json()["components"]}["auth"] == "major_outage"
    page = anonymous.get("/status/procurement", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Major outage" in page.text and "Login down" in page.text
    assert anonymous.get("/api/v1/status/nowhere").status_code == 404


def test_an_old_if_modified_since_gets_the_page(
    anonymous: TestClient, catalog_client: TestClient
) -> None:
    long_ago = format_datetime(TEST_NOW.replace(year=2000), usegmt=True)
    response = anonymous.get("/api/v1/status/procurement", headers={"If-Modified-Since": long_ago})
    assert response.status_code == 200
    garbled = anonymous.get("/api/v1/status/procurement", headers={"If-Modified-Since": "soon"})
    assert garbled.status_code == 200


def test_the_page_draws_uptime_bars_and_offers_the_feed_without_javascript(
    catalog_client: TestClient, anonymous: TestClient
) -> None:
    page = anonymous.get("/status/procurement").text
    assert page.count('class="uptime-bars"') >= 2  # a service and a journey at least
    first = (TEST_NOW - timedelta(days=89)).date()
    assert f"<title>{first} to {TEST_NOW.date()}: 100.00%</title>" in page
    assert 'href="/status/procurement/feed.atom"' in page


def _entries(feed: ET.Element) -> dict[str, ET.Element]:
    return {e.findtext(f"{ATOM}title", ""): e for e in feed.iter(f"{ATOM}entry")}


def test_the_atom_feed_is_valid_atom_with_customer_updates_only(
    catalog_client: TestClient, anonymous: TestClient
) -> None:
    key = created(catalog_client, "/api/v1/incidents", LOGIN_DOWN)["key"]
    for audience, body in (("internal", "db01 <disk> full"), ("customer", "We are on it & fixing")):
        update = {"audience": audience, "body": body}
        created(catalog_client, f"/api/v1/incidents/{key}/updates", update)
    response = anonymous.get("/status/procurement/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert feed.findtext(f"{ATOM}{required}")
    entry = _entries(feed)["Login down"]
    assert entry.findtext(f"{ATOM}id", "").endswith(f"#{key}")
    datetime.fromisoformat(entry.findtext(f"{ATOM}updated", ""))
    content = entry.findtext(f"{ATOM}content", "")
    assert "We are on it & fixing" in content and "db01" not in content
    assert "db01" not in response.text


def test_a_restricted_page_asks_to_sign_in_and_one_switched_off_is_not_found(
    settings: Settings, catalog_client: TestClient, anonymous: TestClient
) -> None:
    _visibility(catalog_client, "signed_in")
    refused = anonymous.get("/api/v1/status/procurement")
    assert refused.status_code == 401 and refused.json()["error"]["code"]
    assert anonymous.get("/status/procurement/feed.atom").status_code in {401, 303}
    with client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER)) as viewer:
        shown = viewer.get("/api/v1/status/procurement")
        assert shown.status_code == 200
        assert shown.headers["cache-control"] == "private, max-age=15"
    _visibility(catalog_client, "off")
    for path in (
        "/api/v1/status/procurement",
        "/status/procurement",
        "/status/procurement/feed.atom",
    ):
        assert catalog_client.get(path).status_code == 404, path
    subscribing = anonymous.post(
        "/api/v1/status/procurement/subscribers", json={"email": "a@b.example"}
    )
    assert subscribing.status_code == 404


def test_settings_refuse_an_unknown_visibility_and_a_stale_version(
    catalog_client: TestClient,
) -> None:
    read = catalog_client.get("/api/v1/status/procurement/settings").json()
    bad = catalog_client.put(
        "/api/v1/status/procurement/settings", json={**read, "visibility": "secret"}
    )
    assert (bad.status_code, list(bad.json()["error"]["fields"])) == (422, ["visibility"])
    _visibility(catalog_client, "signed_in")
    stale = catalog_client.put(
        "/api/v1/status/procurement/settings", json={**read, "visibility": "off"}
    )
    assert stale.status_code == 409
    assert (
        catalog_client.get("/api/v1/status/procurement/settings").json()["visibility"]
        == "signed_in"
    )


@pytest.mark.parametrize(("body", "field"), [({"email": "not-an-address"}, "email"), ({}, "email")])
def test_subscribing_refuses_a_bad_address_by_field(
    catalog_client: TestClient, anonymous: TestClient, body: dict[str, Any], field: str
) -> None:
    refused = anonymous.post("/api/v1/status/procurement/subscribers", json=body)
    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (422, [field])
    form = anonymous.post("/status/procurement/subscribe", data={"email": "not-an-address"})
    assert form.status_code == 422
    assert 'aria-invalid="true"' in form.text and 'value="not-an-address"' in form.text


def test_a_forged_confirmation_link_is_refused(
    catalog_client: TestClient, anonymous: TestClient
) -> None:
    asked = anonymous.post(
        "/api/v1/status/procurement/subscribers", json={"email": "ann@example.org"}
    )
    assert asked.status_code == 202
    forged = anonymous.post("/api/v1/status/procurement/subscribers/1/confirm?token=abc")
    assert (forged.status_code, forged.json()["error"]["fields"]) == (422, {"token": "invalid"})
    page = anonymous.post("/status/procurement/confirm?subscriber=1&token=abc")
    assert page.status_code == 422 and "not valid" in page.text
    (waiting,) = catalog_client.get("/api/v1/status/procurement/subscribers").json()
    assert (waiting["email"], waiting["confirmed_at"]) == ("ann@example.org", None)

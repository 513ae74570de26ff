"""Notification pages: the Subscribers section, my subscriptions, the unsubscribe link, and
editing contact methods and rules from a form."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.test_incident_pages import HTML, field_errors, post, refusal
from tests.conftest import bearer_for, client_as

ADMIN = "admin@example.com"
SETTINGS = "/me/notifications"


def test_the_subscribers_section_subscribes_and_refuses_duplicates(
    catalog_client: TestClient,
) -> None:
    client = catalog_client
    assert (
        'hx-get="/subscriptions/section?service=auth"'
        in client.get("/services/auth", headers=HTML).text
    )
    section = client.get(
        "/subscriptions/section?journey=login", headers={**HTML, "HX-Request": "true"}
    )
    assert "Nobody is subscribed yet." in section.text
    done = post(client, "/subscriptions", {"journey": "login", "subscriber": "cfo@example.com"})
    assert done.status_code == 303 and done.headers["location"] == "/journeys/login#subscribers"
    twice = client.post(
        "/subscriptions",
        data={"journey": "login", "subscriber": "cfo@example.com"},
        headers={**HTML, "HX-Request": "true"},
    )
    assert twice.status_code == 409
    assert "already subscribed" in refusal(twice.text)
    bad = client.post(
        "/subscriptions",
        data={"journey": "login", "subscriber": "not-mail"},
        headers={**HTML, "HX-Request": "true"},
    )
    assert bad.status_code == 422 and field_errors(bad.text)
    assert (
        "cfo@example.com" in client.get("/subscriptions/section?journey=login", headers=HTML).text
    )
    mine = post(client, "/subscriptions", {"service": "auth"})
    assert mine.status_code == 303
    assert "auth" in client.get("/subscriptions/mine", headers=HTML).text


def test_the_subscribers_section_chooses_and_shows_the_updates_received(
    catalog_client: TestClient,
) -> None:
    client = catalog_client
    chosen = {"journey": "login", "subscriber": "war-room@example.com", "audience": "internal"}
    assert post(client, "/subscriptions", chosen).status_code == 303
    by_role = {"journey": "login", "subscriber": "cfo@example.com", "audience": ""}
    assert post(client, "/subscriptions", by_role).status_code == 303
    listed = client.get("/api/v1/subscriptions", params={"journey": "login"}).json()
    assert {s["subscriber"]: s["audience"] for s in listed} == {
        "cfo@example.com": "customer",
        "war-room@example.com": "internal",
    }
    section = client.get("/subscriptions/section?journey=login", headers=HTML).text
    assert "internal and customer" in section and "customer only" in section
    bad = client.post(
        "/subscriptions",
        data={"journey": "login", "subscriber": "x@example.com", "audience": "all"},
        headers={**HTML, "HX-Request": "true"},
    )
    assert bad.status_code == 422 and 'id="subscribe-audience-error"' in bad.text
    assert len(client.get("/api/v1/subscriptions").json()) == 2
    cfo = next(s for s in listed if s["subscriber"] == "cfo@example.com")
    changed = post(client, f"/subscriptions/{cfo['id']}/audience", {"audience": "internal"})
    assert (
        changed.status_code == 303 and changed.headers["location"] == "/journeys/login#subscribers"
    )
    refused = client.post(
        f"/subscriptions/{cfo['id']}/audience",
        data={"audience": "board"},
        headers={**HTML, "HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert f'id="audience-{cfo["id"]}-audience-error"' in refused.text
    audiences = {s["subscriber"]: s["audience"] for s in client.get("/api/v1/subscriptions").json()}
    assert audiences["cfo@example.com"] == "internal"


def test_contact_methods_and_rules_are_edited_from_the_page(client: TestClient) -> None:
    added = post(
        client,
        f"{SETTINGS}/contact-methods",
        {"kind": "teams", "address": "https://teams.example.com/a"},
    )
    assert added.status_code == 303
    (method,) = client.get(f"/api/v1/people/{ADMIN}/contact-methods").json()
    refused = post(client, f"{SETTINGS}/contact-methods/{method['id']}", {"address": "mailbox"})
    assert refused.status_code == 422
    assert field_errors(refused.text) == ["a webhook or chat contact needs an http(s) URL"]
    saved = post(
        client,
        f"{SETTINGS}/contact-methods/{method['id']}",
        {"address": "https://teams.example.com/b", "label": "bridge"},
    )
    assert saved.status_code == 303
    assert (
        post(
            client, f"{SETTINGS}/rules", {"contact_method": str(method["id"]), "delay_minutes": "2"}
        ).status_code
        == 303
    )
    (rule,) = client.get(f"/api/v1/people/{ADMIN}/notification-rules").json()
    assert post(client, f"{SETTINGS}/rules/{rule['id']}", {"delay_minutes": "9"}).status_code == 303
    page = client.get(SETTINGS, headers=HTML).text
    assert "https://teams.example.com/b" in page and 'value="9"' in page
    assert post(client, f"{SETTINGS}/rules/{rule['id']}/remove", {}).status_code == 303
    assert post(client, f"{SETTINGS}/contact-methods/{method['id']}/remove", {}).status_code == 303
    assert client.get(f"/api/v1/people/{ADMIN}/contact-methods").json() == []


def test_without_javascript_the_subscribers_page_shows_a_refusal_in_full(
    catalog_client: TestClient,
) -> None:
    page = catalog_client.get("/subscriptions/section?service=auth", headers=HTML)
    assert "<h1>Subscribers of auth</h1>" in page.text and "Nobody is subscribed yet." in page.text
    refused = post(catalog_client, "/subscriptions", {"service": "payroll"})
    assert refused.status_code == 422
    assert "<h1>Subscribers of payroll</h1>" in refused.text
    assert field_errors(refused.text) == ["unknown service 'payroll'"]


def test_someone_elses_phone_number_is_masked_and_offered_no_form(
    settings: Settings, client: TestClient
) -> None:
    added = post(
        client, f"{SETTINGS}/contact-methods", {"kind": "sms", "address": "+27 82 555 0142"}
    )
    assert added.status_code == 303
    mine = client.get(SETTINGS, headers=HTML).text
    assert "+27825550142" in mine and 'aria-label="Verify contact method' in mine
    assert 'aria-label="Add a rule"' not in mine  # an unverified number serves no rule
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        theirs = responder.get(SETTINGS, params={"person": ADMIN}, headers=HTML)
    assert theirs.status_code == 200
    assert "+27825550142" not in theirs.text and "+27•••••0142" in theirs.text
    settings_part = theirs.text.split('id="contact-methods"')[1].split("</main>")[0]
    assert "<form" not in settings_part


def test_quiet_hours_are_set_and_cleared_from_the_settings_page(client: TestClient) -> None:
    bad = post(
        client,
        f"{SETTINGS}/quiet-hours",
        {"start": "22:00", "end": "07:00", "time_zone": "Mars/Olympus"},
    )
    assert bad.status_code == 422 and "not an IANA time zone" in " ".join(field_errors(bad.text))
    night = {"start": "22:00", "end": "07:00", "time_zone": "Africa/Johannesburg"}
    assert post(client, f"{SETTINGS}/quiet-hours", night).status_code == 303
    assert client.get(f"/api/v1/people/{ADMIN}/quiet-hours").json()["start"] == "22:00:00"
    assert 'value="Africa/Johannesburg"' in client.get(SETTINGS, headers=HTML).text
    assert post(client, f"{SETTINGS}/quiet-hours/clear", {}).status_code == 303
    assert client.get(f"/api/v1/people/{ADMIN}/quiet-hours").status_code == 404

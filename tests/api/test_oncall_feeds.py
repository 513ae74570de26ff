"""Calendar feeds carry a secret token: a calendar application subscribes without signing
in, a wrong or rotated token answers 404 like a feed that does not exist, and signed-in
callers keep reading the feed without one."""

from __future__ import annotations

import re
from html import unescape

import icalendar
from fastapi.testclient import TestClient

from opsroom.infra.config import Settings
from tests.api.test_incident_pages import HTML, post
from tests.api.test_oncall_api import oncall_client  # noqa: F401 - fixture
from tests.conftest import client_as

SCHEDULE_FEED = "/api/v1/schedules/identity-primary/calendar.ics"
PERSON_FEED = "/api/v1/people/carol@example.com/oncall.ics"


def _subscribe_url(html: str, label: str) -> str:
    found = re.search(rf'aria-label="{label}" value="([^"]+)"', html)
    assert found, f"no {label} on the page"
    return unescape(found.group(1)).removeprefix("http://127.0.0.1:8000")


def test_the_schedule_page_shows_a_feed_url_that_works_without_signing_in(
    oncall_client: TestClient,  # noqa: F811
    settings: Settings,
) -> None:
    page = oncall_client.get("/oncall/schedules/identity-primary", headers=HTML).text
    url = _subscribe_url(page, "Subscribe URL")
    assert re.search(r"\?token=[0-9a-f]{40}$", url)
    visitor = client_as(settings, None)
    feed = visitor.get(f"{url}&days=14")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(feed.content).walk("VEVENT")


def test_a_feed_without_a_valid_token_is_not_found(
    oncall_client: TestClient,  # noqa: F811
    settings: Settings,
) -> None:
    visitor = client_as(settings, None)
    assert visitor.get(SCHEDULE_FEED).status_code == 404
    assert visitor.get(SCHEDULE_FEED, params={"token": "0" * 40}).status_code == 404
    assert visitor.get(PERSON_FEED, params={"token": "guess"}).status_code == 404
    assert visitor.get(PERSON_FEED, params={"token": "été"}).status_code == 404
    page = oncall_client.get("/oncall/schedules/identity-primary", headers=HTML).text
    other = _subscribe_url(page, "Subscribe URL").replace("identity-primary", "nope")
    assert visitor.get(other).status_code == 404  # a token is good for its own feed only


def test_signed_in_callers_read_feeds_without_a_token(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    assert oncall_client.get(SCHEDULE_FEED).status_code == 200
    assert oncall_client.get(PERSON_FEED).status_code == 200


def test_rotating_a_feed_revokes_its_old_url(
    oncall_client: TestClient,  # noqa: F811
    settings: Settings,
) -> None:
    visitor = client_as(settings, None)
    page = oncall_client.get("/oncall/schedules/identity-primary", headers=HTML).text
    old = _subscribe_url(page, "Subscribe URL")
    assert post(oncall_client, "/oncall/schedules/identity-primary/feed", {}).status_code == 303
    page = oncall_client.get("/oncall/schedules/identity-primary", headers=HTML).text
    new = _subscribe_url(page, "Subscribe URL")
    assert new != old
    assert (visitor.get(old).status_code, visitor.get(new).status_code) == (404, 200)

    token = oncall_client.post("/api/v1/people/carol@example.com/calendar-token").json()["token"]
    assert visitor.get(PERSON_FEED, params={"token": token}).status_code == 200
    again = oncall_client.post("/api/v1/people/carol@example.com/calendar-token").json()["token"]
    assert visitor.get(PERSON_FEED, params={"token": token}).status_code == 404
    assert visitor.get(PERSON_FEED, params={"token": again}).status_code == 200
    audit = oncall_client.get("/api/v1/audit", params={"subject_key": "carol@example.com"})
    assert [e["action"] for e in audit.json()["items"]].count("calendar_feed.rotated") == 2


def test_my_own_feed_url_is_on_the_on_call_page(
    oncall_client: TestClient,  # noqa: F811
    settings: Settings,
) -> None:
    page = oncall_client.get("/oncall", headers=HTML).text
    url = _subscribe_url(page, "My subscribe URL")
    assert "/oncall.ics?token=" in url
    assert client_as(settings, None).get(url).status_code == 200

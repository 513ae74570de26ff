"""/api/v1 on-call routes: schedules, coverage, overrides, policies, paging, notification log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.runtime.worker import run_once
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as
from tests.peers.receivers import WebhookReceiver, webhook_receiver
from tests.unit.oncall.test_ical import ICS

START = "2026-11-02T09:00:00+01:00"
SCHEDULE = {
    "slug": "identity-primary",
    "name": "Identity primary",
    "squad": "identity",
    "zone": "Europe/Amsterdam",
    "layers": [
        {
            "participants": ["alice@example.com", "bob@example.com"],
            "start": START,
            "zone": "Europe/Amsterdam",
        },
        {
            "name": "days",
            "participants": ["carol@example.com"],
            "start": START,
            "zone": "Europe/Amsterdam",
            "restrictions": [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}],
        },
    ],
}
POLICY = {
    "slug": "identity-default",
    "name": "Identity default",
    "squad": "identity",
    "squad_default": True,
    "levels": [
        {"targets": [{"kind": "schedule", "ref": "identity-primary"}], "timeout_minutes": 5},
        {"targets": [{"kind": "person", "ref": "dave@example.com"}], "timeout_minutes": 10},
    ],
    "repeats": 1,
}


@pytest.fixture
def oncall_client(catalog_client: TestClient) -> TestClient:
    created(catalog_client, "/api/v1/schedules", SCHEDULE)
    created(catalog_client, "/api/v1/escalation-policies", POLICY)
    return catalog_client


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as r:
        yield r


def _errors(response: Any) -> dict[str, str]:
    fields: dict[str, str] = response.json()["error"].get("fields", {})
    return fields


def test_who_is_on_call_now_and_at_a_given_moment(oncall_client: TestClient) -> None:
    evening = oncall_client.get(
        "/api/v1/oncall/now", params={"squad": "identity", "at": "2026-11-03T20:00:00Z"}
    )
    assert [(o["schedule"], o["person"]) for o in evening.json()] == [
        ("identity-primary", "alice@example.com")
    ]
    day = oncall_client.get(
        "/api/v1/oncall/now", params={"service": "auth", "at": "2026-11-10T10:00:00+01:00"}
    )
    assert day.json()[0]["person"] == "carol@example.com"
    assert day.json()[0]["until"] == "2026-11-10T16:00:00Z"


def test_who_answers_for_a_service_follows_its_policy_to_the_deciding_layer(
    oncall_client: TestClient,
) -> None:
    day = oncall_client.get(
        "/api/v1/oncall/who", params={"service": "auth", "at": "2026-11-10T10:00:00+01:00"}
    ).json()
    assert day["policy"] == "identity-default"
    assert [(a["person"], a["decided_by"], a["layer_name"]) for a in day["answers"]] == [
        ("carol@example.com", "layer", "days")
    ]
    unknown = oncall_client.get("/api/v1/oncall/who", params={"service": "nope"})
    assert unknown.status_code == 422 and _errors(unknown) == {"service": "unknown service"}
    naive = oncall_client.get(
        "/api/v1/oncall/who", params={"service": "auth", "at": "2026-11-10T10:00:00"}
    )
    assert naive.status_code == 422


def test_coverage_shows_gaps_before_the_rotation_starts_and_fairness(
    oncall_client: TestClient,
) -> None:
    body = oncall_client.get(
        "/api/v1/schedules/identity-primary/coverage",
        params={"start": "2026-11-01T09:00:00+01:00", "days": 15},
    ).json()
    assert [(g["start"], g["end"]) for g in body["gaps"]] == [
        ("2026-11-01T08:00:00Z", "2026-11-02T08:00:00Z")
    ]
    assert body["gap_hours"] == 24
    loads = {f["person"]: f for f in body["fairness"]}
    assert loads["carol@example.com"]["off_hours"] == 0
    assert loads["carol@example.com"]["hours"] == 10 * 8


def test_an_override_wins_and_can_be_removed(oncall_client: TestClient) -> None:
    override = created(
        oncall_client,
        "/api/v1/schedules/identity-primary/overrides",
        {
            "person": "erin@example.com",
            "start": "2026-11-03T18:00:00Z",
            "end": "2026-11-04T06:00:00Z",
            "reason": "swap",
        },
    )
    at = {"at": "2026-11-03T20:00:00Z", "squad": "identity"}
    assert (
        oncall_client.get("/api/v1/oncall/now", params=at).json()[0]["person"] == "erin@example.com"
    )
    path = f"/api/v1/schedules/identity-primary/overrides/{override['id']}"
    assert oncall_client.delete(path).json()["overrides"] == []
    assert oncall_client.delete(path).status_code == 404
    assert (
        oncall_client.get("/api/v1/oncall/now", params=at).json()[0]["person"]
        == "alice@example.com"
    )


def test_schedule_errors(oncall_client: TestClient) -> None:
    assert oncall_client.post("/api/v1/schedules", json=SCHEDULE).status_code == 409
    bad_zone = {
        **SCHEDULE,
        "slug": "other",
        "layers": [{**SCHEDULE["layers"][0], "zone": "Mars/Base"}],
    }  # type: ignore[dict-item]
    refused = oncall_client.post("/api/v1/schedules", json=bad_zone)
    assert refused.status_code == 422 and _errors(refused) == {
        "layers.0.zone": "unknown time zone 'Mars/Base'"
    }
    assert (
        oncall_client.post(
            "/api/v1/schedules", json={**SCHEDULE, "slug": "x2", "squad": "nobody"}
        ).status_code
        == 404
    )
    assert oncall_client.get("/api/v1/schedules/nope").status_code == 404
    backwards = {
        "person": "erin@example.com",
        "start": "2026-11-04T06:00:00Z",
        "end": "2026-11-03T06:00:00Z",
    }
    refused = oncall_client.post("/api/v1/schedules/identity-primary/overrides", json=backwards)
    assert refused.status_code == 422 and "end" in _errors(refused)


def test_policies_are_read_updated_with_versions_and_checked(oncall_client: TestClient) -> None:
    assert oncall_client.get("/api/v1/escalation-policies").json()[0]["repeats"] == 1
    changed = oncall_client.patch(
        "/api/v1/escalation-policies/identity-default", json={"version": 1, "repeats": 2}
    )
    assert changed.json()["version"] == 2
    stale = oncall_client.patch(
        "/api/v1/escalation-policies/identity-default", json={"version": 1, "repeats": 0}
    )
    assert stale.status_code == 409
    unknown = {
        **POLICY,
        "slug": "p2",
        "levels": [{"targets": [{"kind": "schedule", "ref": "ghost"}]}],
    }
    refused = oncall_client.post("/api/v1/escalation-policies", json=unknown)
    assert refused.status_code == 422 and _errors(refused) == {
        "levels.0.targets": "unknown schedule 'ghost'"
    }
    no_service = {**POLICY, "slug": "p3", "services": ["nope"]}
    assert _errors(oncall_client.post("/api/v1/escalation-policies", json=no_service)) == {
        "services": "unknown service 'nope'"
    }


def test_paging_a_squad_reaches_its_on_call_and_the_log_shows_it(
    oncall_client: TestClient, receiver: WebhookReceiver
) -> None:
    created(
        oncall_client,
        "/api/v1/people/alice@example.com/contact-methods",
        {"kind": "slack", "address": receiver.url},
    )
    paged = oncall_client.post(
        "/api/v1/pages",
        json={"kind": "squad", "ref": "identity", "message": "Look at the database"},
    )
    assert paged.status_code == 202
    (person,) = paged.json()
    log = oncall_client.get("/api/v1/notifications", params={"person": person}).json()["items"]
    assert [(m["channel"], m["status"]) for m in log] == [
        ("slack" if person == "alice@example.com" else "email", "pending")
    ]
    refused = oncall_client.post(
        "/api/v1/pages", json={"kind": "squad", "ref": "ghosts", "message": "hello"}
    )
    assert refused.status_code == 422


def test_the_log_names_the_idempotency_key_each_page_was_sent_with(
    oncall_client: TestClient, receiver: WebhookReceiver, settings: Settings
) -> None:
    for person in ("alice@example.com", "bob@example.com", "carol@example.com"):
        method = {"kind": "webhook", "address": f"{receiver.url}?to={person}"}
        created(oncall_client, f"/api/v1/people/{person}/contact-methods", method)
    page = {"kind": "squad", "ref": "identity", "message": "Look at the database"}
    (person,) = oncall_client.post("/api/v1/pages", json=page).json()
    while run_once(settings, owner="worker"):
        pass
    (logged,) = oncall_client.get("/api/v1/notifications", params={"person": person}).json()[
        "items"
    ]
    (post,) = receiver.posts
    assert logged["status"] == "sent"
    assert post.headers["idempotency-key"] == post.json()["idempotency_key"]
    assert post.json()["idempotency_key"] == logged["idempotency_key"]


def test_contact_methods_and_rules(oncall_client: TestClient) -> None:
    base = "/api/v1/people/alice@example.com"
    method = created(
        oncall_client, f"{base}/contact-methods", {"kind": "email", "address": "alice@example.com"}
    )
    rule = created(
        oncall_client,
        f"{base}/notification-rules",
        {"contact_method": method["id"], "delay_minutes": 2},
    )
    assert oncall_client.get(f"{base}/notification-rules").json() == [rule]
    assert (
        oncall_client.post(
            f"{base}/contact-methods", json={"kind": "teams", "address": "not a url"}
        ).status_code
        == 422
    )
    other = "/api/v1/people/bob@example.com/notification-rules"
    assert oncall_client.post(other, json={"contact_method": method["id"]}).status_code == 404


def test_a_responder_edits_only_their_own_contact_methods(
    settings: Settings, oncall_client: TestClient
) -> None:
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        own = responder.post(
            "/api/v1/people/r@example.com/contact-methods",
            json={"kind": "email", "address": "r@example.com"},
        )
        assert own.status_code == 201
        other = responder.post(
            "/api/v1/people/alice@example.com/contact-methods",
            json={"kind": "email", "address": "x@example.com"},
        )
        assert other.status_code == 403
        assert (
            responder.post("/api/v1/schedules", json={**SCHEDULE, "slug": "mine"}).status_code
            == 403
        )


def test_calendar_feeds_per_schedule_and_person(oncall_client: TestClient) -> None:
    feed = oncall_client.get("/api/v1/schedules/identity-primary/calendar.ics", params={"days": 14})
    assert feed.headers["content-type"].startswith("text/calendar")
    events = icalendar.Calendar.from_ical(feed.content).walk("VEVENT")
    assert events and all(
        e[t].to_ical().endswith(b"Z") for e in events for t in ("DTSTART", "DTEND")
    )
    mine = oncall_client.get("/api/v1/people/carol@example.com/oncall.ics", params={"days": 14})
    people = {str(e["ATTENDEE"]) for e in icalendar.Calendar.from_ical(mine.content).walk("VEVENT")}
    assert people <= {"mailto:carol@example.com"}
    assert oncall_client.get("/api/v1/schedules/nope/calendar.ics").status_code == 404


def test_a_schedule_is_imported_from_an_ics_file(oncall_client: TestClient) -> None:
    body = {"slug": "imported", "name": "Imported", "ics": ICS.decode(), "days": 400}
    imported = created(oncall_client, "/api/v1/schedules/import", body)
    assert {o["person"] for o in imported["overrides"]} == {"dave@example.com"}
    refused = oncall_client.post(
        "/api/v1/schedules/import", json={**body, "slug": "junk", "ics": "not a calendar at all"}
    )
    assert refused.status_code == 422 and "ics" in _errors(refused)

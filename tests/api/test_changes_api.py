from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # where the frozen_clock fixture stands


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


def draft(client: TestClient, hours: int = 24, **fields: Any) -> dict[str, Any]:
    body = {
        "title": "Rotate the search index",
        "services": ["search"],
        "squad": "identity",
        "implementer": "dev@example.com",
        "planned_start": (NOW + timedelta(hours=hours)).isoformat(),
        "planned_end": (NOW + timedelta(hours=hours + 2)).isoformat(),
        "links": [{"kind": "ticket", "url": "https://tickets.example.com/OPS-1"}],
        **fields,
    }
    return created(client, "/api/v1/changes", body)


def post(client: TestClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(path, json=body or {})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_a_change_from_draft_to_done(api: TestClient) -> None:
    change = draft(api)
    assert (change["key"], change["status"], change["risk_level"]) == ("CHG-1", "draft", "low")
    assert {f["name"] for f in change["risk_factors"]} >= {"service tier", "blast radius", "freeze"}
    submitted = post(api, "/api/v1/changes/CHG-1/submit")
    assert submitted["outstanding_approvals"] == ["squad_lead"]
    approved = post(api, "/api/v1/changes/CHG-1/approve", {"comment": "ok"})
    assert approved["status"] == "approved" and approved["decisions"][0]["comment"] == "ok"
    for move in ("schedule", "start", "complete"):
        post(api, f"/api/v1/changes/chg-1/{move}")
    listed = api.get("/api/v1/changes", params={"status": "completed", "service": "search"}).json()
    assert [c["key"] for c in listed["items"]] == ["CHG-1"]
    assert api.get("/api/v1/changes", params={"squad": "nobody"}).json()["items"] == []


def test_change_errors(api: TestClient) -> None:
    backwards = draft_body(planned_end=NOW.isoformat())
    assert error_of(api.post("/api/v1/changes", json=backwards), 422)["fields"] == {
        "planned_end": "must be after planned_start"
    }
    unknown = error_of(api.post("/api/v1/changes", json=draft_body(services=["nope"])), 422)
    assert unknown["fields"] == {"services": "unknown service 'nope'"}
    naive = error_of(
        api.post("/api/v1/changes", json=draft_body(planned_start="2026-12-01T10:00:00")), 422
    )
    assert "planned_start" in naive["fields"]
    assert error_of(api.get("/api/v1/changes/CHG-99"), 404)["code"] == "not_found"
    draft(api)
    refused = error_of(api.post("/api/v1/changes/CHG-1/complete", json={}), 409)
    assert refused["code"] == "invalid_transition"
    assert error_of(api.post("/api/v1/changes/CHG-1/explode", json={}), 422)
    assert error_of(api.post("/api/v1/changes/CHG-1/approve", json={}), 409)["fields"] == {
        "status": "draft"
    }
    stale = error_of(api.patch("/api/v1/changes/CHG-1", json={"version": 7, "title": "New"}), 409)
    assert stale["code"] == "stale_version"


def draft_body(**fields: Any) -> dict[str, Any]:
    return {
        "title": "A change",
        "services": ["search"],
        "squad": "identity",
        "planned_start": (NOW + timedelta(hours=1)).isoformat(),
        "planned_end": (NOW + timedelta(hours=2)).isoformat(),
        **fields,
    }


def test_freezes_refuse_normal_changes_until_excepted(api: TestClient) -> None:
    freeze = created(
        api,
        "/api/v1/freezes",
        {
            "slug": "year-end",
            "name": "Year-end peak",
            "starts_on": "2026-11-01",
            "ends_on": "2026-11-10",
            "timezone": "Europe/Amsterdam",
            "everything": True,
        },
    )
    assert freeze["everything"] and freeze["starts_at"] == "2026-10-31T23:00:00Z"
    assert error_of(api.post("/api/v1/freezes", json={**freeze_body(), "slug": "year-end"}), 409)
    assert (
        "timezone"
        in error_of(
            api.post("/api/v1/freezes", json={**freeze_body(), "timezone": "Mars/Base"}), 422
        )["fields"]
    )
    draft(api)
    refusal = error_of(api.post("/api/v1/changes/CHG-1/submit", json={}), 409)
    assert "inside the freeze 'Year-end peak'" in refusal["message"]
    post(api, "/api/v1/changes/CHG-1/exception", {"reason": "security patch"})
    assert post(api, "/api/v1/changes/CHG-1/submit")["status"] == "submitted"
    emergency = draft(api, type="emergency")
    assert post(api, f"/api/v1/changes/{emergency['key']}/submit")["in_freeze"]
    assert post(api, f"/api/v1/changes/{emergency['key']}/start")["status"] == "in_progress"
    assert api.delete("/api/v1/freezes/year-end").json()["name"] == "Year-end peak"
    assert error_of(api.get("/api/v1/freezes/year-end"), 404)


def freeze_body() -> dict[str, Any]:
    return {
        "slug": "other",
        "name": "Other",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-02",
        "platforms": ["procurement"],
    }


def test_viewers_read_but_do_not_change(api: TestClient, settings: Settings) -> None:
    draft(api)
    with client_as(settings, bearer_for(settings, "v@example.com", Role.VIEWER)) as viewer:
        assert viewer.get("/api/v1/changes/CHG-1").status_code == 200
        assert error_of(viewer.post("/api/v1/changes/CHG-1/submit", json={}), 403)
        assert error_of(viewer.post("/api/v1/freezes", json=freeze_body()), 403)


def test_assessment_and_calendar_show_collisions(api: TestClient) -> None:
    first = draft(api, services=["db"])
    post(api, f"/api/v1/changes/{first['key']}/submit")
    body = {k: v for k, v in draft_body(services=["search"]).items() if k != "title"}
    body["planned_start"] = (NOW + timedelta(hours=25)).isoformat()
    body["planned_end"] = (NOW + timedelta(hours=27)).isoformat()
    seen = post(api, "/api/v1/changes/assess", body)
    assert [(c["change"], c["reason"]) for c in seen["collisions"]] == [
        ("CHG-1", "search and db depend on each other directly")
    ]
    second = draft(api, hours=25)
    post(api, f"/api/v1/changes/{second['key']}/submit")
    month = api.get(
        "/api/v1/changes/calendar",
        params={"start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
    )
    assert month.json()["collisions"] == {"CHG-1": ["CHG-2"], "CHG-2": ["CHG-1"]}
    too_long = api.get(
        "/api/v1/changes/calendar",
        params={"start": "2026-01-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"},
    )
    assert error_of(too_long, 422)["fields"] == {"end": "after start, within 62 days"}


def test_pipeline_deployments_suspects_and_causes(api: TestClient) -> None:
    deployed = created(
        api,
        "/api/v1/changes/events",
        {
            "service": "auth",
            "summary": "auth 3.1.0",
            "pipeline": "auth-deploy",
            "finished_at": (NOW - timedelta(hours=3)).isoformat(),
        },
    )
    assert (deployed["status"], deployed["source"]) == ("completed", "pipeline:auth-deploy")
    incident = created(api, "/api/v1/incidents", {"title": "Login fails", "services": ["auth"]})
    suspects = api.get(f"/api/v1/incidents/{incident['key']}/suspect-changes").json()
    assert [s["change"] for s in suspects] == [deployed["key"]]
    assert suspects[0]["reasons"][:2] == ["on auth", "3.0 h before impact"]
    caused = post(api, f"/api/v1/changes/{deployed['key']}/cause", {"incident": incident["key"]})
    assert caused["status"] == "failed" and caused["incidents"] == [incident["key"]]
    assert error_of(
        api.post(f"/api/v1/changes/{deployed['key']}/cause", json={"incident": "INC-99"}), 404
    )
    assert error_of(api.get("/api/v1/incidents/INC-99/suspect-changes"), 404)
    figures = api.get(
        "/api/v1/changes/figures",
        params={"since": "2026-11-01T00:00:00Z", "until": "2026-12-01T00:00:00Z", "by": "service"},
    ).json()
    assert figures == [
        {
            "group": "auth",
            "volume": 1,
            "finished": 1,
            "succeeded": 0,
            "failed": 1,
            "emergency": 0,
            "during_freeze": 0,
            "success_rate": 0.0,
            "change_failure_rate": 1.0,
            "emergency_share": 0.0,
        }
    ]


def test_the_ical_feed_parses_back(api: TestClient) -> None:
    created(
        api,
        "/api/v1/freezes",
        {
            "slug": "year-end",
            "name": "Year-end peak",
            "starts_on": "2026-12-14",
            "ends_on": "2027-01-04",
            "platforms": ["procurement"],
        },
    )
    change = draft(api, hours=24 * 30)
    post(api, f"/api/v1/changes/{change['key']}/submit")
    post(api, f"/api/v1/changes/{change['key']}/approve")
    draft(api, title="Still a draft")
    response = api.get("/api/v1/changes/calendar.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    feed = icalendar.Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in feed.walk("VEVENT")}
    assert set(events) == {"CHG-1@opsroom", "freeze-year-end@opsroom"}
    assert events["CHG-1@opsroom"].decoded("dtstart") == NOW + timedelta(days=30)
    assert str(events["freeze-year-end@opsroom"]["summary"]) == "Change freeze: Year-end peak"
    assert events["freeze-year-end@opsroom"].decoded("dtend").isoformat() == "2027-01-05"


def test_a_change_records_the_vendor_that_makes_it(api: TestClient) -> None:
    created(api, "/api/v1/vendors", {"slug": "cloudco", "name": "Cloudco"})
    change = draft(api, vendor="cloudco")
    assert change["vendor"] == "cloudco"
    unknown = api.patch("/api/v1/changes/CHG-1", json={"version": 1, "vendor": "nobody"})
    assert error_of(unknown, 422)["fields"] == {"vendor": "unknown vendor"}
    assert api.get("/api/v1/changes/CHG-1").json()["vendor"] == "cloudco"
    cleared = api.patch("/api/v1/changes/CHG-1", json={"version": 1, "vendor": None})
    assert cleared.json()["vendor"] is None
    refused = error_of(api.post("/api/v1/changes", json=draft_body(vendor="nobody")), 422)
    assert refused["fields"] == {"vendor": "unknown vendor"}
    assert [c["key"] for c in api.get("/api/v1/changes").json()["items"]] == ["CHG-1"]

"""The change pages: raising a change with its risk shown live, the change page's forms and
the calendar; refusals are shown without saving anything."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from opsroom.infra import clock
from tests.api.conftest import created

HTML = {"Accept": "text/html"}
# The frozen clock stands at 2 Nov 2026 09:00 UTC; pages show Europe/Amsterdam or UTC times.
WINDOW = {"planned_start": "2026-11-20T10:00", "planned_end": "2026-11-20T12:00"}


@pytest.fixture
def ops(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


def post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def raise_change(client: TestClient, **fields: Any) -> str:
    form = {
        "title": "Reindex search",
        "services": ["search"],
        "squad": "identity",
        "implementer": "dev@example.com",
        **WINDOW,
        **fields,
    }
    response = post(client, "/changes", form)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location.rsplit("/", 1)[-1]


def field_errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'<span class="field-error"[^>]*>([^<]*)</span>', html)]


def refusal(html: str) -> str:
    found = re.search(r'<div class="callout danger" role="alert">\s*<p>(.*?)</p>', html, re.S)
    assert found, "no refusal shown"
    return unescape(found.group(1))


def test_raising_and_approving_a_change(ops: TestClient) -> None:
    key = raise_change(ops, then="submit", rollback_plan="reindex from the snapshot")
    page = ops.get(f"/changes/{key}", headers=HTML).text
    assert "CHG-1" in page and "low risk" in page and "reindex from the snapshot" in page
    assert re.search(r"squad lead ·\s*<span class=\"warn-text\">waiting", page)
    assert post(ops, f"/changes/{key}/approve", {"comment": "go"}).status_code == 303
    assert ops.get(f"/api/v1/changes/{key}").json()["status"] == "approved"
    assert post(ops, f"/changes/{key}/move/schedule", {"version": "3"}).status_code == 303
    listed = ops.get("/changes", params={"status": "scheduled"}, headers=HTML).text
    assert "Reindex search" in listed


def test_a_refused_form_keeps_what_was_typed(ops: TestClient) -> None:
    response = post(
        ops, "/changes", {"title": "x", "services": ["search"], "squad": "identity", **WINDOW}
    )
    assert response.status_code == 422
    assert field_errors(response.text) == ["String should have at least 3 characters"]
    assert 'value="2026-11-20T10:00"' in response.text
    backwards = post(
        ops,
        "/changes",
        {
            "title": "Backwards",
            "services": ["search"],
            "squad": "identity",
            "planned_start": "2026-11-20T12:00",
            "planned_end": "2026-11-20T10:00",
        },
    )
    assert refusal(backwards.text) == "The planned window ends before it starts."
    assert ops.get("/api/v1/changes").json()["items"] == []


def test_the_live_assessment_warns_of_collisions_and_freezes(ops: TestClient) -> None:
    raise_change(ops, then="submit", services=["db"], title="Patch the database")
    created(
        ops,
        "/api/v1/freezes",
        {
            "slug": "peak",
            "name": "Peak",
            "starts_on": "2026-11-20",
            "ends_on": "2026-11-21",
            "platforms": ["procurement"],
        },
    )
    panel = post(
        ops, "/changes/assess", {"services": ["search"], "squad": "identity", **WINDOW}
    ).text
    assert (
        "Collides with 1 change" in panel and "search and db depend on each other directly" in panel
    )
    assert "Inside the freeze <strong>Peak</strong>" in panel
    assert "Choose the services" in post(ops, "/changes/assess", {"services": ["search"]}).text


def test_a_freeze_refusal_shows_on_the_change_page(ops: TestClient) -> None:
    created(
        ops,
        "/api/v1/freezes",
        {
            "slug": "peak",
            "name": "Peak",
            "starts_on": "2026-11-20",
            "ends_on": "2026-11-21",
            "platforms": ["procurement"],
        },
    )
    key = raise_change(ops)
    response = post(ops, f"/changes/{key}/submit", {"version": "1"})
    assert response.status_code == 409
    assert "inside the freeze 'Peak'" in refusal(response.text)
    assert (
        post(ops, f"/changes/{key}/exception", {"reason": "card scheme deadline"}).status_code
        == 303
    )
    assert post(ops, f"/changes/{key}/submit", {}).status_code == 303
    assert (
        "Exception granted by admin@example.com: card scheme deadline"
        in ops.get(f"/changes/{key}", headers=HTML).text
    )


def test_the_calendar_shows_changes_freezes_and_collisions(ops: TestClient) -> None:
    first = raise_change(ops, then="submit", services=["db"])
    second = raise_change(ops, then="submit")
    created(
        ops,
        "/api/v1/freezes",
        {
            "slug": "peak",
            "name": "Year-end peak",
            "starts_on": "2026-11-27",
            "ends_on": "2026-11-30",
            "everything": True,
        },
    )
    page = ops.get("/changes/calendar", params={"month": "2026-11"}, headers=HTML).text
    assert "November 2026" in page and "Freeze: Year-end peak" in page
    assert f"collides with {second}" in page and f"collides with {first}" in page
    only_db = ops.get(
        "/changes/calendar", params={"month": "2026-11", "service": "db"}, headers=HTML
    ).text
    assert f">{first}<" in only_db and f">{second}<" not in only_db
    week = ops.get("/changes/calendar", params={"week": "2026-11-18"}, headers=HTML).text
    assert "week of 16 November 2026" in week and f">{first}<" in week
    assert "week=2026-11-23" in week and "Freeze: Year-end peak" not in week
    assert (
        f">{first}<"
        not in ops.get("/changes/calendar", params={"week": "2026-11-09"}, headers=HTML).text
    )
    for month in ("2026-13", "November"):
        assert (
            ops.get("/changes/calendar", params={"month": month}, headers=HTML).status_code == 422
        )


def test_the_incident_page_ranks_suspect_changes_and_marks_the_cause(ops: TestClient) -> None:
    deployed = created(
        ops,
        "/api/v1/changes/events",
        {
            "service": "db",
            "summary": "db 14.2",
            "finished_at": "2026-11-02T07:00:00Z",
        },
    )
    incident = created(ops, "/api/v1/incidents", {"title": "Login fails", "services": ["auth"]})
    page = ops.get(f"/incidents/{incident['key']}", headers=HTML).text
    assert "Suspect changes" in page and "upstream: db · 2.0 h before impact" in page
    response = post(ops, f"/changes/{deployed['key']}/cause", {"incident": incident["key"]})
    assert response.headers["location"] == f"/incidents/{incident['key']}#suspects"
    marked = ops.get(f"/incidents/{incident['key']}", headers=HTML).text
    assert "marked as the cause" in marked
    assert "2.0 h before impact · failed</span>" in marked  # failed once, not "· failed · failed"
    change_page = ops.get(f"/changes/{deployed['key']}", headers=HTML).text
    assert f'<a href="/incidents/{incident["key"]}">' in change_page
    assert ops.get(f"/api/v1/changes/{deployed['key']}").json()["status"] == "failed"


def test_marking_a_draft_as_a_cause_is_refused_on_its_page(ops: TestClient) -> None:
    key = raise_change(ops)
    incident = created(ops, "/api/v1/incidents", {"title": "Login fails", "services": ["auth"]})
    response = post(ops, f"/changes/{key}/cause", {"incident": incident["key"]})
    assert response.status_code == 409
    assert (
        refusal(response.text) == f"{key} is draft: only a change that ran can cause an incident."
    )
    assert post(ops, f"/changes/{key}/cause", {"incident": "nonsense"}).status_code == 422


def test_a_change_raised_for_a_vendor_names_it(ops: TestClient) -> None:
    ops.post("/api/v1/vendors", json={"slug": "cloudco", "name": "Cloudco"})
    form = ops.get("/changes/new", headers=HTML).text
    assert '<option value="cloudco">Cloudco</option>' in form
    key = raise_change(ops, vendor="cloudco")
    page = ops.get(f"/changes/{key}", headers=HTML).text
    assert 'href="/vendors/cloudco/scorecard"' in page

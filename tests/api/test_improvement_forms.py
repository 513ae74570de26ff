"""The forms added to the problem, action-item and settings pages, and the squad page's
sections: saved when right, refused next to the form when not."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

DEFAULTS = {
    "version": "0",
    "review_priorities": ["P1", "P2"],
    "review_due_business_days": "5",
    "categories": "code\nvendor",
    "recurrence_incidents": "3",
    "recurrence_days": "30",
    "recurrence_similarity": "70",
    "due_P1": "10",
    "due_P2": "30",
    "due_P3": "60",
    "due_P4": "90",
    "due_P5": "180",
    "escalate_after_days": "7",
}


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


def test_the_settings_form_saves_and_refuses_bad_values_by_field(api: TestClient) -> None:
    assert "Contributing-factor categories" in api.get("/problems/settings").text
    refused = api.post("/problems/settings", data=DEFAULTS | {"recurrence_similarity": "5"})
    assert refused.status_code == 422
    assert 'id="settings-recurrence_similarity-error"' in refused.text
    saved = api.post("/problems/settings", data=DEFAULTS, follow_redirects=False)
    assert (saved.status_code, saved.headers["location"]) == (303, "/problems/settings")
    page = api.get("/problems/settings").text
    assert (
        "Version 1" in page
        and 'name="due_P1" min="1" max="730" step="1" required value="10"' in page
    )
    stale = api.post("/problems/settings", data=DEFAULTS)
    assert stale.status_code == 409 and "Reload to see the current version" in stale.text


def test_the_settings_form_is_for_operations_managers(api: TestClient, settings: Settings) -> None:
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert responder.get("/problems/settings").status_code == 200
        assert responder.post("/problems/settings", data=DEFAULTS).status_code == 403
    assert api.get("/api/v1/problems/settings").json()["version"] == 0


def test_an_action_is_raised_from_the_tracker_and_edited_on_its_page(api: TestClient) -> None:
    assert "Raise an action item" in api.get("/actions").text
    refused = api.post("/actions", data={"title": "Add an alert", "owner_squad": "nobody"})
    assert refused.status_code == 422 and "unknown squad &#39;nobody&#39;" in refused.text
    raised = api.post(
        "/actions",
        data={
            "title": "Add an alert",
            "owner_squad": "identity",
            "priority": "2",
            "kind": "detect",
        },
        follow_redirects=False,
    )
    assert raised.headers["location"] == "/actions/ACT-1"
    item = api.get("/api/v1/actions/ACT-1").json()
    assert (item["due_on"], item["kind"], item["source_type"]) == ("2026-12-02", "detect", "other")
    bad = api.post("/actions/ACT-1/edit", data={"version": "1", "due_on": "someday"})
    assert bad.status_code == 422 and 'id="edit-due_on-error"' in bad.text
    edit = {"version": "1", "owner": "ann@example.com", "due_on": "2026-11-20", "priority": "1"}
    assert api.post("/actions/ACT-1/edit", data=edit).status_code == 200
    item = api.get("/api/v1/actions/ACT-1").json()
    assert (item["owner"], item["due_on"], item["priority"]) == (
        "ann@example.com",
        "2026-11-20",
        "P1",
    )


def test_a_problem_is_edited_on_its_page(api: TestClient) -> None:
    key = created(api, "/api/v1/problems", {"title": "Slow logins", "services": ["auth"]})["key"]
    edit = {
        "version": "1",
        "title": "Slow logins at peak",
        "services": ["auth", "gateway"],
        "owner_squad": "identity",
        "impact": "1",
        "urgency": "1",
        "statement": "Peaks at 9",
    }
    assert api.post(f"/problems/{key}/edit", data=edit).status_code == 200
    problem = api.get(f"/api/v1/problems/{key}").json()
    assert (problem["title"], problem["services"], problem["priority"]) == (
        "Slow logins at peak",
        ["auth", "gateway"],
        "P1",
    )
    refused = api.post(f"/problems/{key}/edit", data=edit | {"services": ["nowhere"]})
    assert refused.status_code == 409 and "Reload to see the current version" in refused.text
    refused = api.post(f"/problems/{key}/edit", data=edit | {"version": "2", "title": "x"})
    assert refused.status_code == 422 and 'id="edit-title-error"' in refused.text


def test_the_squad_page_loads_its_problems_reviews_and_actions(api: TestClient) -> None:
    page = api.get("/squads/identity").text
    for section in ("problems", "reviews", "actions"):
        assert f'hx-get="/squads/identity/{section}"' in page
    incident = created(
        api,
        "/api/v1/incidents",
        {"title": "Logins fail", "services": ["auth"], "impact": 1, "urgency": 1},
    )["key"]
    api.post(f"/api/v1/incidents/{incident}/resolve")
    created(api, "/api/v1/problems", {"title": "Slow logins", "services": ["auth"]})
    created(
        api,
        "/api/v1/actions",
        {"title": "Add an alert", "owner_squad": "identity", "due_on": "2026-10-01"},
    )
    problems = api.get("/squads/identity/problems").text
    reviews = api.get("/squads/identity/reviews").text
    actions = api.get("/squads/identity/actions").text
    assert "Slow logins" in problems and 'href="/problems?squad=identity"' in problems
    assert incident in reviews and 'href="/reviews?squad=identity&amp;overdue=true"' in reviews
    assert "Add an alert" in actions and "overdue" in actions
    assert 'href="/actions?squad=identity&amp;overdue=true">1</a>' in actions
    created(
        api, "/api/v1/squads", {"slug": "payments", "name": "Payments", "platform": "procurement"}
    )
    assert "No open problems" in api.get("/squads/payments/problems").text
    assert api.get("/squads/nobody/actions").status_code == 404

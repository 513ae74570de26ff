"""Problems, reviews and action items over HTTP: the happy paths and the refusals."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    created(
        catalog_client,
        "/api/v1/squads",
        {"slug": "payments", "name": "Payments", "platform": "procurement"},
    )
    created(
        catalog_client,
        "/api/v1/services",
        {
            "slug": "checkout",
            "name": "Checkout",
            "tier": 1,
            "platform": "procurement",
            "owner": "payments",
        },
    )
    return catalog_client


def resolved_p1(api: TestClient, title: str = "Checkout down") -> str:
    body = {"title": title, "services": ["checkout"], "impact": 1, "urgency": 1}
    key: str = created(api, "/api/v1/incidents", body)["key"]
    assert api.post(f"/api/v1/incidents/{key}/resolve").status_code == 200
    return key


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


def test_review_written_published_and_exported(api: TestClient, settings: Settings) -> None:
    key = resolved_p1(api)
    review = api.get(f"/api/v1/reviews/{key}").json()
    assert (review["status"], review["owner_squad"], review["required"]) == (
        "draft",
        "payments",
        True,
    )
    written = {"summary": "Checkout failed.", "what_happened": "w", "contributing_factors": "c"}
    patched = api.patch(f"/api/v1/reviews/{key}", json={"version": 1, **written})
    assert patched.json()["summary"] == "Checkout failed."
    stale = api.patch(f"/api/v1/reviews/{key}", json={"version": 1, "summary": "x"})
    assert error(stale, 409)["code"] == "stale_version"
    item = created(
        api, f"/api/v1/reviews/{key}/actions", {"title": "Add a breaker", "owner_squad": "identity"}
    )
    assert (item["key"], item["independent_verification"]) == ("ACT-1", True)
    assert error(api.post(f"/api/v1/reviews/{key}/publish"), 409)["code"] == "invalid_transition"
    assert api.post(f"/api/v1/reviews/{key}/submit").json()["status"] == "in_review"
    refused = error(api.post(f"/api/v1/reviews/{key}/publish"), 422)  # by its own author
    assert list(refused["fields"]) == ["approval"]
    manager = bearer_for(settings, "om2@example.com", Role.OPERATIONS_MANAGER)
    with client_as(settings, manager) as second:
        assert second.post(f"/api/v1/reviews/{key}/publish").json()["status"] == "published"
    markdown = api.get(f"/api/v1/reviews/{key}/markdown")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith(f"# Post-incident review: {key} Checkout down")
    assert "- ACT-1 Add a breaker (identity" in markdown.text
    assert [r["key"] for r in api.get("/api/v1/reviews?status=published").json()["items"]] == [key]
    assert api.get("/api/v1/reviews/figures").json()["published_on_time_pct"] == 100.0
    assert api.get(f"/api/v1/reviews/{key}/timeline").json()[0]["kind"] == "drafted"


def test_review_refusals(api: TestClient) -> None:
    assert error(api.get("/api/v1/reviews/INC-9"), 404)["code"] == "not_found"
    assert error(api.post("/api/v1/reviews", json={"incident": "INC-9"}), 422)["fields"]["incident"]
    assert (
        "incident" in error(api.post("/api/v1/reviews", json={"incident": "nine"}), 422)["fields"]
    )
    key = resolved_p1(api)
    assert error(api.post("/api/v1/reviews", json={"incident": key}), 409)["code"] == "conflict"
    assert error(
        api.post(f"/api/v1/reviews/{key}/actions", json={"title": "Fix", "owner_squad": "x"}), 422
    )


def test_action_tracker(api: TestClient, frozen_clock: clock.FrozenClock) -> None:
    body = {
        "title": "Alert on pool saturation",
        "owner_squad": "payments",
        "kind": "detect",
        "priority": 2,
    }
    item = created(api, "/api/v1/actions", body)
    assert (item["due_on"], item["status"], item["source_type"]) == ("2026-12-02", "open", "other")
    created(api, "/api/v1/actions", {**body, "owner_squad": "identity", "due_on": "2026-11-01"})
    assert [i["key"] for i in api.get("/api/v1/actions?overdue=true").json()["items"]] == ["ACT-2"]
    assert [i["key"] for i in api.get("/api/v1/actions?squad=payments").json()["items"]] == [
        "ACT-1"
    ]
    assert api.get("/api/v1/actions?age=0-7 days").json()["items"]
    assert error(api.get("/api/v1/actions?age=ancient"), 422)["fields"]["age"]
    assert (
        api.post("/api/v1/actions/ACT-1/complete", json={"version": 1}).json()["status"] == "done"
    )
    assert error(api.post("/api/v1/actions/ACT-1/complete"), 409)["code"] == "invalid_transition"
    wont = api.post(
        "/api/v1/actions/ACT-2/request_wont_do", json={"reason": "Retiring the service"}
    )
    assert wont.json()["status"] == "wont_do_requested"
    assert error(api.post("/api/v1/actions/ACT-9/start"), 404)
    assert error(api.patch("/api/v1/actions/ACT-1", json={"version": 9, "title": "Newer"}), 409)
    figures = api.get("/api/v1/actions/figures").json()
    assert (figures["total"], figures["outstanding"], figures["overdue"]) == (2, 1, 1)


def test_only_operations_managers_accept_wont_do(settings: Settings, api: TestClient) -> None:
    created(api, "/api/v1/actions", {"title": "Rewrite the pool", "owner_squad": "payments"})
    api.post("/api/v1/actions/ACT-1/request_wont_do", json={"reason": "Vendor fixes it"})
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert error(responder.post("/api/v1/actions/ACT-1/accept_wont_do"), 403)
    elsewhere = bearer_for(settings, "om2@example.com", Role.OPERATIONS_MANAGER)
    with client_as(settings, elsewhere) as other_platforms:
        assert error(other_platforms.post("/api/v1/actions/ACT-1/accept_wont_do"), 403)
    manager = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    with client_as(settings, manager) as om:
        accepted = om.post("/api/v1/actions/ACT-1/accept_wont_do").json()
    assert (accepted["status"], accepted["wont_do_accepted_by"]) == ("wont_do", "om@example.com")


def test_problem_lifecycle_known_error_and_systemic_fix(api: TestClient) -> None:
    incident = resolved_p1(api, "Checkout 503s")
    problem = created(
        api,
        "/api/v1/problems",
        {"title": "Checkout pool", "services": ["checkout"], "incidents": [incident]},
    )
    key = problem["key"]
    assert (problem["priority"], problem["incidents"]) == ("P3", [incident])
    rca = {
        "version": 1,
        "five_whys": ["pool dry"],
        "root_cause": "no budget",
        "factors": [{"category": "code", "description": "retries"}],
    }
    assert (
        api.put(f"/api/v1/problems/{key}/rca", json=rca).json()["factors"][0]["category"] == "code"
    )
    known = {
        "version": 2,
        "symptom": "503 at checkout",
        "workaround": "Restart pods",
        "match_services": ["checkout"],
        "match_title": "503",
    }
    assert api.put(f"/api/v1/problems/{key}/known-error", json=known).json()["known_error"]
    assert [
        k["workaround"] for k in api.get(f"/api/v1/incidents/{incident}/known-errors").json()
    ] == ["Restart pods"]
    assert [k["problem"] for k in api.get("/api/v1/known-errors?q=503").json()] == [key]
    fix = created(
        api,
        "/api/v1/actions",
        {"title": "Retry budget", "owner_squad": "payments", "problem": key, "systemic": True},
    )
    for move in ("investigate", "mark_known_error", "start_fix", "resolve"):
        assert api.post(f"/api/v1/problems/{key}/{move}").status_code == 200, move
    refused = error(api.post(f"/api/v1/problems/{key}/close"), 409)
    assert fix["key"] in refused["message"]
    api.post(f"/api/v1/actions/{fix['key']}/complete")
    assert api.post(f"/api/v1/problems/{key}/close").json()["status"] == "closed"
    assert api.get("/api/v1/problems?status=closed").json()["items"][0]["key"] == key
    assert [e["kind"] for e in api.get(f"/api/v1/problems/{key}/timeline").json()][-1] == "close"


def test_problem_refusals(api: TestClient) -> None:
    assert error(api.get("/api/v1/problems/PRB-1"), 404)
    assert error(api.post("/api/v1/problems", json={"title": "X", "services": []}), 422)
    key = created(api, "/api/v1/problems", {"title": "Slow search", "services": ["search"]})["key"]
    assert error(api.post(f"/api/v1/problems/{key}/close"), 409)["code"] == "invalid_transition"
    bad_rca = {"version": 1, "factors": [{"category": "gremlins", "description": "who knows"}]}
    assert error(api.put(f"/api/v1/problems/{key}/rca", json=bad_rca), 422)["fields"]["factors"]
    assert error(api.post(f"/api/v1/problems/{key}/incidents", json={"incident": "INC-77"}), 422)
    assert "code" in api.get("/api/v1/problems/categories").json()
    assert error(api.post("/api/v1/problems/proposals/5/accept"), 404)


def test_recurring_incidents_are_proposed_and_accepted(api: TestClient) -> None:
    keys = [resolved_p1(api, f"Checkout timeouts {n}") for n in range(3)]
    [proposal] = api.get("/api/v1/problems/proposals").json()
    assert proposal["incidents"] == keys
    assert api.post("/api/v1/problems/proposals/detect").json() == []
    problem = api.post(f"/api/v1/problems/proposals/{proposal['id']}/accept")
    assert problem.status_code == 201 and problem.json()["incidents"] == keys
    assert error(api.post(f"/api/v1/problems/proposals/{proposal['id']}/dismiss"), 409)
    assert (
        api.get("/api/v1/problems/proposals?status=accepted").json()[0]["problem"]
        == problem.json()["key"]
    )

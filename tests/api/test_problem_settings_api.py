"""/api/v1/problems/settings: read by anyone signed in, replaced by operations managers from
the version they read, bad values refused field by field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_improvement_api import error
from tests.conftest import bearer_for, client_as

URL = "/api/v1/problems/settings"


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


def _with(api: TestClient, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.get(URL).json()
    return body | changes


def _changes(api: TestClient) -> int:
    entries = api.get("/api/v1/audit", params={"subject_type": "problem_settings"}).json()
    return sum(e["action"] == "problem_settings.replaced" for e in entries["items"])


def test_the_settings_read_can_be_put_back_as_is_and_change_nothing(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    defaults = api.get(URL).json()
    assert api.put(URL, json=defaults).json() == defaults  # still the defaults, version 0
    assert _changes(api) == 0
    changed = api.put(URL, json=defaults | {"escalate_after_days": 2}).json()
    assert (changed["version"], _changes(api)) == (1, 1) and changed["updated_by"]
    frozen_clock.advance(timedelta(minutes=5))
    again = api.put(URL, json=changed)
    assert again.status_code == 200 and again.json() == changed  # updated_at did not move
    assert (api.get(URL).json(), _changes(api)) == (changed, 1)
    bad = changed | {"updated_at": "yesterday", "recurrence_days": 0}
    refused = error(api.put(URL, json=bad), 422)
    assert set(refused["fields"]) == {"updated_at", "recurrence_days"}
    assert api.get(URL).json() == changed


def test_settings_are_read_and_replaced(api: TestClient) -> None:
    defaults = api.get(URL).json()
    assert (defaults["version"], defaults["review_priorities"], defaults["recurrence_days"]) == (
        0,
        ["P1", "P2"],
        30,
    )
    saved = api.put(URL, json=_with(api, categories=[*defaults["categories"], "Network"]))
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["categories"][-1]) == (1, "network")
    assert api.get("/api/v1/problems/categories").json()[-1] == "network"
    item = created(
        api, "/api/v1/actions", {"title": "Add an alert", "owner_squad": "identity", "priority": 1}
    )
    assert item["due_on"] == "2026-11-16"  # 14 days: P1's default


def test_bad_values_are_field_errors_and_change_nothing(api: TestClient) -> None:
    body = _with(api, review_due_business_days=0, action_due_days={"P1": 3}, categories=[])
    refused = error(api.put(URL, json=body), 422)
    assert {"review_due_business_days", "action_due_days", "categories"} <= set(refused["fields"])
    assert api.get(URL).json()["version"] == 0


def test_what_a_required_review_needs_to_publish_is_part_of_the_settings(api: TestClient) -> None:
    defaults = api.get(URL).json()
    assert defaults["review_required_sections"] == [
        "summary",
        "what_happened",
        "contributing_factors",
    ]
    assert (defaults["review_needs_actions"], defaults["review_second_approval"]) == (True, True)
    refused = error(api.put(URL, json=_with(api, review_required_sections=["lessons"])), 422)
    assert "no section lessons" in refused["fields"]["review_required_sections"]
    saved = api.put(URL, json=_with(api, review_required_sections=["got_lucky", "summary"]))
    assert saved.json()["review_required_sections"] == ["summary", "got_lucky"]


def test_a_stale_version_is_a_conflict(api: TestClient) -> None:
    assert api.put(URL, json=_with(api, escalate_after_days=3)).status_code == 200
    stale = error(api.put(URL, json=_with(api, escalate_after_days=4) | {"version": 0}), 409)
    assert (stale["code"], stale["fields"]) == (
        "stale_version",
        {"version": "current version is 1"},
    )
    assert api.get(URL).json()["escalate_after_days"] == 3


def test_a_category_still_in_use_cannot_be_removed(api: TestClient) -> None:
    problem = created(api, "/api/v1/problems", {"title": "Slow logins", "services": ["auth"]})[
        "key"
    ]
    rca = {"version": 1, "factors": [{"category": "vendor", "description": "IdP throttled us"}]}
    assert api.put(f"/api/v1/problems/{problem}/rca", json=rca).status_code == 200
    categories = [c for c in api.get(URL).json()["categories"] if c != "vendor"]
    refused = error(api.put(URL, json=_with(api, categories=categories)), 409)
    assert "'vendor' (1 factors)" in refused["fields"]["categories"]


def test_only_guild_leads_replace_them(api: TestClient, settings: Settings) -> None:
    body = _with(api, escalate_after_days=1)
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert responder.get(URL).status_code == 200
        assert error(responder.put(URL, json=body), 403)["code"] == "forbidden"
    manager = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    with client_as(settings, manager) as om:
        assert "every platform" in error(om.put(URL, json=body), 403)["message"]
    with client_as(settings, bearer_for(settings, "gl@example.com", Role.GUILD_LEAD)) as lead:
        assert lead.put(URL, json=body).json()["updated_by"] == "gl@example.com"

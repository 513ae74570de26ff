"""/api/v1/platforms/{slug}/settings: a platform's overrides read, changed, cleared and
listed over HTTP, and every refusal in the one error shape with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

URL = "/api/v1/platforms/commerce/settings/incident-policy"
CADENCE = {"P1": 15, "P2": 30, "P3": None, "P4": None, "P5": None}


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    return catalog_client


def sources(read: dict[str, Any]) -> dict[str, str]:
    return {s["name"]: s["source"] for s in read["settings"]}


def refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_a_platform_overrides_a_setting_clears_it_and_reads_its_history(api: TestClient) -> None:
    assert set(sources(api.get(URL).json()).values()) == {"defaults"}
    body = {"version": 0, "overrides": {"update_cadence_minutes": CADENCE}}
    changed = api.put(URL, json=body).json()
    assert sources(changed)["update_cadence_minutes"] == "platform"
    assert changed["version"] == 1 and changed["updated_by"] == "admin@example.com"
    assert api.get("/api/v1/platforms/commerce/settings").json()["incident-policy"] == changed
    cleared = api.delete(URL, params={"version": 1, "setting": "update_cadence_minutes"})
    assert sources(cleared.json())["update_cadence_minutes"] == "defaults"
    history = api.get(f"{URL}/history").json()
    assert [(v["version"], v["action"]) for v in history] == [
        (2, "incident_policy.cleared"),
        (1, "incident_policy.overridden"),
    ]
    assert history[1]["after"] == {"update_cadence_minutes": CADENCE}


def test_bad_overrides_are_refused_naming_the_setting_and_change_nothing(api: TestClient) -> None:
    bad = {"version": 0, "overrides": {"major": [9], "severity": 1}}
    error = refused(api.put(URL, json=bad), 422)
    assert error["code"] == "validation_failed" and "severity" in error["fields"]
    error = refused(api.put(URL, json={"version": 0, "overrides": {"major": [9]}}), 422)
    assert list(error["fields"]) == ["major"]
    assert refused(api.put(URL, json={"version": 0, "overrides": {}}), 422)["fields"]
    nothing = refused(api.delete(URL, params={"version": 0, "setting": "major"}), 422)
    assert nothing["fields"] == {"major": "not overridden on this platform"}
    assert api.get(URL).json()["version"] == 0 and api.get(f"{URL}/history").json() == []


def test_stale_versions_unknown_platforms_and_documents_are_refused(api: TestClient) -> None:
    api.put(URL, json={"version": 0, "overrides": {"major": [1]}})
    stale = refused(api.put(URL, json={"version": 0, "overrides": {"major": [1, 2]}}), 409)
    assert stale["fields"] == {"version": "current version is 1"}
    assert (
        "no platform 'atlantis'"
        in refused(api.get("/api/v1/platforms/atlantis/settings/incident-policy"), 404)["message"]
    )
    assert refused(api.get("/api/v1/platforms/commerce/settings/rota"), 404)
    assert list(refused(api.delete(URL), 422)["fields"]) == ["version"]


def test_an_operations_manager_overrides_their_own_platform_only(
    api: TestClient, settings: Settings
) -> None:
    bearer = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    body = {"version": 0, "overrides": {"major": [1]}}
    with client_as(settings, bearer) as manager:
        error = refused(manager.put(URL, json=body), 403)
        assert error["message"].endswith("not assigned to commerce")
        refused(manager.delete(URL, params={"version": 0}), 403)
        own = "/api/v1/platforms/procurement/settings/incident-policy"
        assert manager.put(own, json=body).status_code == 200
    assert api.get(URL).json()["version"] == 0

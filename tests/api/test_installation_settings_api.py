"""/api/v1/settings and /settings: the installation's working hours, availability targets and
change approval policy set, reset and listed, what platforms inherit from them, and every
refusal in the one error shape with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

URL = "/api/v1/settings/working-hours"
HTML = {"Accept": "text/html"}


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    return catalog_client


def setting(read: dict[str, Any], name: str) -> tuple[Any, str]:
    (found,) = [s for s in read["settings"] if s["name"] == name]
    return found["value"], found["source"]


def refused(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_the_installation_sets_what_platforms_inherit_and_resets_it(api: TestClient) -> None:
    listed = api.get("/api/v1/settings").json()
    assert list(listed) == [
        "working-hours",
        "availability-targets",
        "change-approval-policy",
        "slo-burn-rates",
    ]
    body = {"version": 0, "overrides": {"time_zone": "Africa/Johannesburg"}}
    changed = api.put(URL, json=body).json()
    assert setting(changed, "time_zone") == ("Africa/Johannesburg", "installation")
    assert changed["version"] == 1
    platform = api.get("/api/v1/platforms/commerce/settings/working-hours").json()
    assert setting(platform, "time_zone") == ("Africa/Johannesburg", "installation")
    reset = api.delete(URL, params={"version": 1, "setting": "time_zone"}).json()
    assert setting(reset, "time_zone") == (None, "defaults")
    history = api.get(f"{URL}/history").json()
    assert [v["version"] for v in history] == [2, 1]


def test_bad_settings_stale_versions_and_other_documents_are_refused(api: TestClient) -> None:
    bad = refused(
        api.put(URL, json={"version": 0, "overrides": {"time_zone": "Mars/Olympus"}}), 422
    )
    assert list(bad["fields"]) == ["time_zone"]
    unknown = refused(api.put(URL, json={"version": 0, "overrides": {"siesta": True}}), 422)
    assert list(unknown["fields"]) == ["siesta"]
    api.put(URL, json={"version": 0, "overrides": {"time_zone": "Europe/Berlin"}})
    stale = refused(api.put(URL, json={"version": 0, "overrides": {"time_zone": "UTC"}}), 409)
    assert stale["fields"] == {"version": "current version is 1"}
    own_page = refused(api.get("/api/v1/settings/incident-policy"), 404)
    assert "working-hours" in own_page["message"]
    assert setting(api.get(URL).json(), "time_zone") == ("Europe/Berlin", "installation")


def test_only_a_guild_lead_or_an_admin_sets_the_installations(
    api: TestClient, settings: Settings
) -> None:
    bearer = bearer_for(settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["commerce"])
    body = {"version": 0, "overrides": {"time_zone": "UTC"}}
    with client_as(settings, bearer) as manager:
        refused(manager.put(URL, json=body), 403)
        refused(manager.delete(URL, params={"version": 0}), 403)
        assert manager.get(URL).status_code == 200
    assert api.get(URL).json()["version"] == 0


def test_the_installations_settings_page_sets_and_resets(api: TestClient) -> None:
    page = api.get("/settings", headers=HTML).text
    assert 'action="/settings/working-hours"' in page and "Installation settings" in page
    form = {"version": "0", "setting": "time_zone", "value": '"Mars/Olympus"'}
    again = api.post("/settings/working-hours", data=form, headers=HTML)
    assert again.status_code == 422 and "not an IANA time zone" in again.text
    saved = api.post(
        "/settings/working-hours",
        data={**form, "value": '"Europe/Berlin"'},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/settings#working-hours-time_zone"
    reset = api.post(
        "/settings/working-hours/clear",
        data={"version": "1", "setting": "time_zone"},
        headers=HTML,
        follow_redirects=False,
    )
    assert reset.status_code == 303
    assert setting(api.get(URL).json(), "time_zone") == (None, "defaults")

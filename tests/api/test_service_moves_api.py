"""POST /api/v1/services/{slug}/move: refused whole while an open change to the service is
planned inside a freeze of its platform, and for whoever does not govern both platforms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import TEST_NOW, bearer_for, client_as

MOVE = "/api/v1/services/search/move"


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    created(catalog_client, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(
        catalog_client, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"}
    )
    return catalog_client


def body(api: TestClient, **extra: Any) -> dict[str, Any]:
    version = api.get("/api/v1/services/search").json()["version"]
    return {"version": version, "platform": "commerce", "owner": "shop", **extra}


def test_a_service_with_a_change_inside_its_platforms_freeze_stays_put(api: TestClient) -> None:
    freeze = {"slug": "year-end", "name": "Year end", "platforms": ["procurement"]}
    start = TEST_NOW + timedelta(days=20)
    created(
        api,
        "/api/v1/freezes",
        freeze
        | {"starts_on": f"{start:%Y-%m-%d}", "ends_on": f"{start + timedelta(days=5):%Y-%m-%d}"},
    )
    change = {
        "title": "Reindex",
        "services": ["search"],
        "squad": "identity",
        "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(hours=1)).isoformat(),
    }
    key = created(api, "/api/v1/changes", change)["key"]
    refused = api.post(MOVE, json=body(api))
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert f"{key} (freeze Year end)" in error["message"]
    assert "platform" in error["fields"]
    search = api.get("/api/v1/services/search").json()
    assert (search["platform"], search["owner"], search["version"]) == (
        "procurement",
        "identity",
        1,
    )
    actions = [
        e["action"]
        for e in api.get("/api/v1/audit", params={"subject_key": "search"}).json()["items"]
    ]
    assert "service.moved" not in actions


def test_a_move_is_made_and_refused_over_http(api: TestClient, settings: Settings) -> None:
    bearer = bearer_for(
        settings, "om@example.com", Role.OPERATIONS_MANAGER, platforms=["procurement"]
    )
    with client_as(settings, bearer) as manager:
        refused = manager.post(MOVE, json=body(api))
        assert refused.status_code == 403 and "commerce" in refused.json()["error"]["message"]
    wrong = api.post(MOVE, json=body(api, owner="identity"))
    assert wrong.status_code == 422 and list(wrong.json()["error"]["fields"]) == ["owner"]
    assert api.post(MOVE, json={"platform": "commerce"}).status_code == 422
    assert api.post("/api/v1/services/ghost/move", json=body(api)).status_code == 404
    moved = api.post(MOVE, json=body(api))
    assert moved.status_code == 200, moved.text
    assert (moved.json()["platform"], moved.json()["owner"]) == ("commerce", "shop")
    stale = api.post(MOVE, json=body(api, version=1, platform="procurement", owner="identity"))
    assert stale.status_code == 409

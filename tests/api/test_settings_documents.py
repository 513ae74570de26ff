"""Both settings documents behave alike: what GET returns, PUT takes back as it is; a change
is a new version, audited once; a PUT from a stale version is refused and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.infra import clock

# (URL, a change to make, the audit subject and action of a change)
DOCUMENTS = {
    "incident policy": (
        "/api/v1/policies/incident",
        {"major": [1]},
        ("policy", "incident_policy.replaced"),
    ),
    "problem settings": (
        "/api/v1/problems/settings",
        {"escalate_after_days": 2},
        ("problem_settings", "problem_settings.replaced"),
    ),
}


@pytest.fixture(params=DOCUMENTS.values(), ids=DOCUMENTS.keys())
def document(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], tuple[str, str]]:
    found: tuple[str, dict[str, Any], tuple[str, str]] = request.param
    return found


def _changes(client: TestClient, subject_type: str, action: str) -> int:
    entries = client.get("/api/v1/audit", params={"subject_type": subject_type}).json()
    return sum(e["action"] == action for e in entries["items"])


def _put(client: TestClient, url: str, body: dict[str, Any], status: int = 200) -> Any:
    response = client.put(url, json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_what_get_returns_put_takes_back_unchanged(
    client: TestClient,
    frozen_clock: clock.FrozenClock,
    document: tuple[str, dict[str, Any], tuple[str, str]],
) -> None:
    url, change, audited = document
    defaults = client.get(url).json()
    assert (defaults["version"], defaults["updated_by"], defaults["updated_at"]) == (0, None, None)
    assert _put(client, url, defaults) == defaults
    changed = _put(client, url, defaults | change)
    assert changed == defaults | change | {
        "version": 1,
        "updated_by": "admin@example.com",
        "updated_at": "2026-11-02T09:00:00Z",
    }
    frozen_clock.advance(timedelta(hours=1))
    read = client.get(url).json()
    assert _put(client, url, read) == read == changed
    assert _changes(client, *audited) == 1


def test_a_put_from_a_stale_version_is_refused_and_changes_nothing(
    client: TestClient, document: tuple[str, dict[str, Any], tuple[str, str]]
) -> None:
    url, change, audited = document
    defaults = client.get(url).json()
    changed = _put(client, url, defaults | change)
    stale = _put(client, url, defaults | {"version": 0}, 409)["error"]
    assert (stale["code"], stale["fields"]) == (
        "stale_version",
        {"version": "current version is 1"},
    )
    assert client.get(url).json() == changed
    assert _changes(client, *audited) == 1

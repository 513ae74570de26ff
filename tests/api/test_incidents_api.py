from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()["error"]
    return body


@pytest.fixture
def ops(catalog_client: TestClient) -> TestClient:
    created(
        catalog_client,
        "/api/v1/users",
        {
            "email": "ic@example.com",
            "display_name": "Ira",
            "role": "responder",
            "service_account": True,
        },
    )
    return catalog_client


def declare(client: TestClient, **fields: Any) -> dict[str, Any]:
    return created(
        client, "/api/v1/incidents", {"title": "Login fails", "services": ["auth"], **fields}
    )


def test_declare_read_and_list(ops: TestClient) -> None:
    incident = declare(ops, impact=1, urgency=1, bridge_url="https://meet.example.com/inc")
    assert (incident["key"], incident["priority"], incident["major"], incident["journeys"]) == (
        "INC-1",
        "P1",
        True,
        ["login"],
    )
    assert [s["kind"] for s in incident["sla"]] == ["response", "resolution"]
    assert incident["allowed_transitions"] == ["acknowledge", "mitigate", "resolve", "cancel"]
    assert ops.get("/api/v1/incidents/inc-1").json()["title"] == "Login fails"
    listed = ops.get("/api/v1/incidents", params={"priority": 1, "open": True}).json()
    assert [i["key"] for i in listed["items"]] == ["INC-1"]


def test_declare_errors(ops: TestClient) -> None:
    assert error_of(ops.post("/api/v1/incidents", json={"title": "x", "services": []}), 422)[
        "fields"
    ].keys() == {"title", "services"}
    assert error_of(
        ops.post("/api/v1/incidents", json={"title": "Broken", "services": ["ghost"]}), 422
    )["fields"] == {"services": "unknown service 'ghost'"}
    assert (
        "priority_reason"
        in error_of(
            ops.post(
                "/api/v1/incidents", json={"title": "Broken", "services": ["db"], "priority": 1}
            ),
            422,
        )["fields"]
    )
    future_first = {
        "title": "Broken",
        "services": ["db"],
        "impact_started_at": "2026-11-02T10:00:00Z",
        "detected_at": "2026-11-02T09:00:00Z",
    }
    assert error_of(ops.post("/api/v1/incidents", json=future_first), 422)["fields"] == {
        "detected_at": "is before impact_started_at"
    }
    assert error_of(
        ops.post(
            "/api/v1/incidents",
            json={"title": "Broken", "services": ["db"], "detected_at": "2026-11-02T09:00:00"},
        ),
        422,
    )["fields"].keys() == {"detected_at"}
    assert ops.get("/api/v1/incidents").json()["items"] == []


def test_lifecycle_routes_and_invalid_transition(ops: TestClient) -> None:
    declare(ops, impact=1, urgency=1)
    refused = error_of(ops.post("/api/v1/incidents/INC-1/acknowledge", json={}), 409)
    assert refused["fields"] == {"commander": "required for a major incident"}
    acked = ops.post(
        "/api/v1/incidents/INC-1/acknowledge", json={"commander": "ic@example.com", "version": 1}
    ).json()
    assert (acked["status"], acked["roles"]) == ("acknowledged", {"commander": "ic@example.com"})
    invalid = error_of(ops.post("/api/v1/incidents/INC-1/close"), 409)
    assert invalid["code"] == "invalid_transition"
    assert (
        invalid["message"]
        == "cannot close an incident that is acknowledged; allowed now: cancel, mitigate, resolve"
    )
    stale = error_of(ops.post("/api/v1/incidents/INC-1/mitigate", json={"version": 1}), 409)
    assert stale["code"] == "stale_version"
    for move in ("mitigate", "resolve", "close"):
        assert (
            ops.post(f"/api/v1/incidents/INC-1/{move}", json={"note": f"{move}d"}).status_code
            == 200
        )
    assert ops.get("/api/v1/incidents/INC-1").json()["closed_at"] is not None
    assert ops.post("/api/v1/incidents/INC-1/dance").status_code == 422
    error_of(ops.post("/api/v1/incidents/INC-9/resolve"), 404)


def test_update_priority_and_timestamp_routes(ops: TestClient) -> None:
    declare(ops)
    updated = ops.patch(
        "/api/v1/incidents/INC-1", json={"version": 1, "impact": 1, "urgency": 1}
    ).json()
    assert (updated["priority"], updated["major"]) == ("P1", True)
    assert (
        error_of(ops.patch("/api/v1/incidents/INC-1", json={"version": 1, "title": "New"}), 409)[
            "code"
        ]
        == "stale_version"
    )
    overridden = ops.post(
        "/api/v1/incidents/INC-1/priority",
        json={"version": 2, "priority": 3, "reason": "contained to one tenant"},
    ).json()
    assert (overridden["priority"], overridden["priority_reason"]) == (
        "P3",
        "contained to one tenant",
    )
    assert (
        "reason"
        in error_of(
            ops.post("/api/v1/incidents/INC-1/priority", json={"version": 3, "priority": 2}), 422
        )["fields"]
    )
    corrected = ops.post(
        "/api/v1/incidents/INC-1/timestamps",
        json={
            "version": 3,
            "reason": "monitoring lag",
            "impact_started_at": "2020-01-01T00:00:00Z",
        },
    )
    assert corrected.json()["impact_started_at"] == "2020-01-01T00:00:00Z"
    assert error_of(
        ops.post("/api/v1/incidents/INC-1/timestamps", json={"version": 4, "reason": "nothing"}),
        422,
    )["fields"] == {"timestamps": "none given"}


def test_notes_updates_roles_participants_links_tasks(ops: TestClient) -> None:
    declare(ops)
    declare(ops, title="Login fails again")
    timeline = created(ops, "/api/v1/incidents/INC-1/notes", {"text": "Rolled back 4.2.1"})
    assert timeline[-1]["text"] == "Rolled back 4.2.1"
    posted = created(
        ops,
        "/api/v1/incidents/INC-1/updates",
        {"audience": "customer", "body": "Sign-in is degraded; workaround in place"},
    )
    assert posted["audience"] == "customer"
    assert len(ops.get("/api/v1/incidents/INC-1/updates").json()) == 1
    assert ops.put(
        "/api/v1/incidents/INC-1/roles", json={"role": "scribe", "person": "ic@example.com"}
    ).json()["roles"] == {"scribe": "ic@example.com"}
    error_of(
        ops.put(
            "/api/v1/incidents/INC-1/roles", json={"role": "scribe", "person": "ghost@example.com"}
        ),
        422,
    )
    error_of(
        ops.post("/api/v1/incidents/INC-1/participants", json={"kind": "squad", "ref": "identity"}),
        409,
    )
    error_of(
        ops.post("/api/v1/incidents/INC-1/participants", json={"kind": "vendor", "ref": "ghost"}),
        422,
    )
    assert [
        lnk["incident"]
        for lnk in created(ops, "/api/v1/incidents/INC-1/links", {"kind": "related", "to": "INC-2"})
    ] == ["INC-2"]
    error_of(
        ops.post("/api/v1/incidents/INC-1/links", json={"kind": "related", "to": "INC-1"}), 422
    )
    created(ops, "/api/v1/incidents/INC-2/links", {"kind": "duplicate_of", "to": "INC-1"})
    assert ops.get("/api/v1/incidents/INC-2").json()["duplicate_of"] == "INC-1"
    task = created(ops, "/api/v1/incidents/INC-1/tasks", {"title": "Page the vendor"})
    assert (
        ops.patch(f"/api/v1/incidents/INC-1/tasks/{task['id']}", json={"done": True}).json()[
            "done_at"
        ]
        is not None
    )
    error_of(ops.patch("/api/v1/incidents/INC-1/tasks/999", json={"done": True}), 404)
    assert [t["title"] for t in ops.get("/api/v1/incidents/INC-1/tasks").json()] == [
        "Page the vendor"
    ]


def test_viewer_reads_incidents_but_cannot_declare(settings: Settings, ops: TestClient) -> None:
    declare(ops)
    with client_as(settings, bearer_for(settings, "v@example.com", Role.VIEWER)) as viewer:
        assert viewer.get("/api/v1/incidents/INC-1").status_code == 200
        assert (
            viewer.post("/api/v1/incidents", json={"title": "Mine", "services": ["db"]}).status_code
            == 403
        )


def test_policy_read_and_replace(settings: Settings, ops: TestClient) -> None:
    current = ops.get("/api/v1/policies/incident").json()
    assert (current["version"], current["matrix"]["1"]["1"], current["response_minutes"]["P1"]) == (
        0,
        1,
        15,
    )
    changed = {**current, "response_minutes": {**current["response_minutes"], "P1": 10}}
    assert ops.put("/api/v1/policies/incident", json=changed).json()["version"] == 1
    assert (
        error_of(ops.put("/api/v1/policies/incident", json=changed), 409)["code"] == "stale_version"
    )
    broken = {**changed, "version": 1, "matrix": {"1": {"1": 1}}}
    assert error_of(ops.put("/api/v1/policies/incident", json=broken), 422)
    with client_as(settings, bearer_for(settings, "r@example.com", Role.RESPONDER)) as responder:
        assert (
            responder.put("/api/v1/policies/incident", json={**changed, "version": 1}).status_code
            == 403
        )


POLICY = "/api/v1/policies/incident"


def _policy_changes(client: TestClient) -> int:
    entries = client.get("/api/v1/audit", params={"subject_type": "policy"}).json()["items"]
    return sum(e["action"] == "incident_policy.replaced" for e in entries)


def test_the_policy_read_can_be_put_back_as_is_and_changes_nothing(ops: TestClient) -> None:
    defaults = ops.get(POLICY).json()
    assert ops.put(POLICY, json=defaults).json() == defaults  # still the defaults, version 0
    assert _policy_changes(ops) == 0
    changed = ops.put(POLICY, json={**defaults, "major": [1]}).json()
    assert (changed["version"], changed["major"], _policy_changes(ops)) == (1, [1], 1)
    again = ops.put(POLICY, json=changed)
    assert again.status_code == 200 and again.json() == changed
    assert (ops.get(POLICY).json(), _policy_changes(ops)) == (changed, 1)
    short = {**changed, "resolution_minutes": {"P1": 60}, "colour": "red"}
    refused = error_of(ops.put(POLICY, json=short), 422)
    assert set(refused["fields"]) == {"resolution_minutes", "colour"}
    assert "each of P1-P5" in refused["fields"]["resolution_minutes"]
    assert ops.get(POLICY).json() == changed

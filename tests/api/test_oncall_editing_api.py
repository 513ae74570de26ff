"""Editing and deleting schedules, layers and escalation policies through /api/v1: version
checks, a clear 409 for a schedule a policy still uses, and an audit entry for each change."""

from __future__ import annotations

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.test_oncall_api import POLICY, SCHEDULE, oncall_client  # noqa: F401 - fixture
from tests.conftest import bearer_for, client_as

SCHEDULE_PATH = "/api/v1/schedules/identity-primary"
POLICY_PATH = "/api/v1/escalation-policies/identity-default"


def _audited(client: TestClient, subject: str) -> list[str]:
    entries = client.get("/api/v1/audit", params={"subject_key": subject}).json()["items"]
    return [e["action"] for e in entries]


def test_a_schedule_is_renamed_and_its_layers_replaced(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    one_layer = [{**SCHEDULE["layers"][0], "participants": ["erin@example.com"]}]  # type: ignore[index]
    edited = oncall_client.patch(
        SCHEDULE_PATH, json={"version": 1, "name": "Identity first line", "layers": one_layer}
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert (body["name"], body["version"], body["zone"]) == (
        "Identity first line",
        2,
        "Europe/Amsterdam",
    )
    assert [layer["participants"] for layer in body["layers"]] == [["erin@example.com"]]
    now = oncall_client.get(
        "/api/v1/oncall/now", params={"squad": "identity", "at": "2026-11-03T20:00:00Z"}
    ).json()
    assert now[0]["person"] == "erin@example.com"
    assert "schedule.updated" in _audited(oncall_client, "identity-primary")


def test_a_schedule_edit_from_a_stale_copy_or_with_bad_input_changes_nothing(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    assert (
        oncall_client.patch(SCHEDULE_PATH, json={"version": 1, "name": "Once"}).status_code == 200
    )
    stale = oncall_client.patch(SCHEDULE_PATH, json={"version": 1, "name": "Twice"})
    assert stale.status_code == 409
    assert stale.json()["error"]["fields"] == {"version": "current version is 2"}
    bad_zone = oncall_client.patch(SCHEDULE_PATH, json={"version": 2, "zone": "Mars/Base"})
    assert bad_zone.status_code == 422
    assert oncall_client.patch(SCHEDULE_PATH, json={"name": "No version"}).status_code == 422
    assert oncall_client.patch("/api/v1/schedules/nope", json={"version": 1}).status_code == 404
    assert oncall_client.get(SCHEDULE_PATH).json()["name"] == "Once"


def test_a_schedule_a_policy_uses_cannot_be_deleted_until_the_policy_lets_go(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    refused = oncall_client.delete(SCHEDULE_PATH, params={"version": 1})
    assert refused.status_code == 409
    assert refused.json()["error"]["fields"] == {"slug": "used by identity-default"}
    assert oncall_client.get(SCHEDULE_PATH).status_code == 200

    levels = [POLICY["levels"][1]]  # type: ignore[index]
    assert (
        oncall_client.patch(POLICY_PATH, json={"version": 1, "levels": levels}).status_code == 200
    )
    assert oncall_client.delete(SCHEDULE_PATH, params={"version": 9}).status_code == 409
    gone = oncall_client.delete(SCHEDULE_PATH, params={"version": 1})
    assert gone.status_code == 200 and gone.json()["slug"] == "identity-primary"
    assert oncall_client.get(SCHEDULE_PATH).status_code == 404
    assert "schedule.deleted" in _audited(oncall_client, "identity-primary")


def test_a_policy_is_deleted_with_its_version(oncall_client: TestClient) -> None:  # noqa: F811
    assert oncall_client.delete(POLICY_PATH).status_code == 422  # no version given
    assert oncall_client.delete(POLICY_PATH, params={"version": 2}).status_code == 409
    assert oncall_client.delete(POLICY_PATH, params={"version": 1}).status_code == 200
    assert oncall_client.get(POLICY_PATH).status_code == 404
    assert oncall_client.delete(POLICY_PATH, params={"version": 1}).status_code == 404
    assert "escalation_policy.deleted" in _audited(oncall_client, "identity-default")


def test_a_viewer_can_neither_edit_nor_delete(
    oncall_client: TestClient,  # noqa: F811
    settings: Settings,
) -> None:
    viewer = client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER))
    assert viewer.patch(SCHEDULE_PATH, json={"version": 1, "name": "Mine"}).status_code == 403
    assert viewer.delete(POLICY_PATH, params={"version": 1}).status_code == 403
    assert oncall_client.get(POLICY_PATH).json()["version"] == 1


def test_an_override_is_edited_with_the_schedules_version(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    window = {
        "person": "erin@example.com",
        "start": "2026-11-03T18:00:00Z",
        "end": "2026-11-04T06:00:00Z",
    }
    added = oncall_client.post(f"{SCHEDULE_PATH}/overrides", json=window).json()
    path = f"{SCHEDULE_PATH}/overrides/{added['id']}"
    moved = {**window, "person": "frank@example.com", "reason": "swap", "version": 2}
    edited = oncall_client.patch(path, json=moved)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["person"], edited.json()["reason"]) == ("frank@example.com", "swap")
    at = {"at": "2026-11-03T20:00:00Z", "squad": "identity"}
    assert (
        oncall_client.get("/api/v1/oncall/now", params=at).json()[0]["person"]
        == "frank@example.com"
    )
    assert oncall_client.patch(path, json=moved).status_code == 409  # the schedule is at 3 now
    backwards = {**moved, "version": 3, "end": "2026-11-03T00:00:00Z"}
    assert oncall_client.patch(path, json=backwards).status_code == 422
    assert (
        oncall_client.patch(
            f"{SCHEDULE_PATH}/overrides/999", json={**moved, "version": 3}
        ).status_code
        == 404
    )
    assert "schedule.override_updated" in _audited(oncall_client, "identity-primary")

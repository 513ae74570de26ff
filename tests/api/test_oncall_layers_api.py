"""One layer of a schedule at a time through /api/v1: added on top, changed field by field,
taken out; each with the schedule's version, refused by field without a change, audited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.api.test_oncall_api import START, oncall_client  # noqa: F401 - fixture
from tests.api.test_oncall_editing_api import SCHEDULE_PATH, _audited
from tests.conftest import bearer_for, client_as

LAYERS = f"{SCHEDULE_PATH}/layers"
TUESDAY_NOON = "2026-11-03T12:00:00Z"  # 13:00 in Amsterdam: the "days" layer is on
TUESDAY_NIGHT = "2026-11-03T20:00:00Z"


def on_call(client: TestClient, at: str) -> str | None:
    now = client.get("/api/v1/oncall/now", params={"squad": "identity", "at": at}).json()
    person: str | None = now[0]["person"]
    return person


def schedule(client: TestClient) -> dict[str, Any]:
    body: dict[str, Any] = client.get(SCHEDULE_PATH).json()
    return body


def test_a_layer_added_on_top_wins(oncall_client: TestClient) -> None:  # noqa: F811
    night = {
        "version": 1,
        "name": "nights",
        "participants": ["erin@example.com"],
        "start": START,
        "zone": "Europe/Amsterdam",
        "restrictions": [{"weekdays": [1], "start": "20:00", "end": "00:00"}],
    }
    added = oncall_client.post(LAYERS, json=night)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["version"], [layer["rank"] for layer in body["layers"]]) == (2, [0, 1, 2])
    assert body["layers"][2]["restrictions"] == [
        {"weekdays": [1], "start": "20:00:00", "end": "00:00:00"}
    ]
    assert on_call(oncall_client, "2026-11-03T21:00:00Z") == "erin@example.com"
    assert on_call(oncall_client, TUESDAY_NOON) == "carol@example.com"
    assert oncall_client.post(LAYERS, json=night).status_code == 409  # the schedule is at 2
    assert "schedule.layer_added" in _audited(oncall_client, "identity-primary")


def test_one_layer_changes_field_by_field(oncall_client: TestClient) -> None:  # noqa: F811
    changed = oncall_client.patch(
        f"{LAYERS}/1", json={"version": 1, "participants": ["frank@example.com"]}
    )
    assert changed.status_code == 200, changed.text
    days = changed.json()["layers"][1]
    assert (days["name"], days["participants"], days["restrictions"][0]["weekdays"]) == (
        "days",
        ["frank@example.com"],
        [0, 1, 2, 3, 4],
    )
    assert on_call(oncall_client, TUESDAY_NOON) == "frank@example.com"
    evenings = {"version": 2, "restrictions": [{"weekdays": [1], "start": "18:00", "end": "23:00"}]}
    assert oncall_client.patch(f"{LAYERS}/1", json=evenings).status_code == 200
    assert on_call(oncall_client, TUESDAY_NOON) == "alice@example.com"
    assert on_call(oncall_client, TUESDAY_NIGHT) == "frank@example.com"
    hours = oncall_client.patch(f"{LAYERS}/0", json={"version": 3, "length": 12, "unit": "hours"})
    assert hours.json()["layers"][0] | {"participants": None} == {
        "rank": 0,
        "name": "",
        "participants": None,
        "start": "2026-11-02T08:00:00Z",
        "zone": "Europe/Amsterdam",
        "length": 12,
        "unit": "hours",
        "restrictions": [],
    }
    unchanged = oncall_client.patch(f"{LAYERS}/0", json={"version": 4, "zone": None, "name": None})
    assert (
        unchanged.status_code == 200 and unchanged.json()["layers"][0]["zone"] == "Europe/Amsterdam"
    )
    assert _audited(oncall_client, "identity-primary").count("schedule.layer_updated") == 4


def test_a_layer_change_is_refused_by_field_and_changes_nothing(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    def refused(rank: int, change: dict[str, Any]) -> tuple[int, dict[str, str]]:
        answer = oncall_client.patch(f"{LAYERS}/{rank}", json={"version": 1, **change})
        return answer.status_code, answer.json()["error"].get("fields", {})

    assert refused(1, {"zone": "Mars/Base"}) == (422, {"zone": "unknown time zone 'Mars/Base'"})
    backwards = [{"weekdays": [0], "start": "17:00", "end": "09:00"}]
    status, fields = refused(1, {"restrictions": backwards})
    assert status == 422 and list(fields) == ["restrictions"]
    status, fields = refused(1, {"participants": []})
    assert status == 422 and "participants" in " ".join(fields)
    status, fields = refused(1, {"start": "2026-11-02T09:00:00"})  # no zone
    assert status == 422 and "start" in " ".join(fields)
    assert refused(7, {"name": "x"})[0] == 404
    assert oncall_client.patch(f"{LAYERS}/1", json={"version": 9}).status_code == 409
    assert oncall_client.patch(f"{LAYERS}/1", json={"name": "no version"}).status_code == 422
    after = schedule(oncall_client)
    assert after["version"] == 1 and after["layers"][1]["zone"] == "Europe/Amsterdam"
    assert "schedule.layer_updated" not in _audited(oncall_client, "identity-primary")


def test_a_layer_is_taken_out_and_the_ones_above_move_down(
    oncall_client: TestClient,  # noqa: F811
) -> None:
    assert oncall_client.delete(f"{LAYERS}/0").status_code == 422  # no version given
    assert oncall_client.delete(f"{LAYERS}/0", params={"version": 2}).status_code == 409
    assert oncall_client.delete(f"{LAYERS}/5", params={"version": 1}).status_code == 404
    left = oncall_client.delete(f"{LAYERS}/0", params={"version": 1})
    assert left.status_code == 200, left.text
    assert [(layer["rank"], layer["name"]) for layer in left.json()["layers"]] == [(0, "days")]
    assert on_call(oncall_client, TUESDAY_NIGHT) is None  # only the business-hours layer is left
    assert "schedule.layer_removed" in _audited(oncall_client, "identity-primary")


def test_a_viewer_cannot_change_layers(
    oncall_client: TestClient,  # noqa: F811
    settings: Settings,
) -> None:
    viewer = client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER))
    assert viewer.patch(f"{LAYERS}/0", json={"version": 1, "length": 2}).status_code == 403
    assert viewer.delete(f"{LAYERS}/0", params={"version": 1}).status_code == 403
    assert schedule(oncall_client)["version"] == 1

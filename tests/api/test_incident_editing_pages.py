"""Editing an incident from its page, setting its priority by hand, and the confirmation
asked before resolving, closing or cancelling it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.test_incident_pages import HTML, declare, field_errors, incident, post, refusal


@pytest.fixture
def ops(catalog_client: TestClient) -> TestClient:
    return catalog_client


def edit_form(**fields: str | list[str]) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {
        "version": "1",
        "title": "Login fails for everyone",
        "impact": "1",
        "urgency": "2",
        "services": ["auth", "gateway"],
        "description": "",
        "bridge_url": "",
    }
    return {**form, **fields}


def timeline_texts(client: TestClient, key: str) -> list[str]:
    return [e["text"] for e in client.get(f"/api/v1/incidents/{key}/timeline").json()]


def test_editing_an_incident_reprioritises_it_and_says_so_on_the_timeline(
    ops: TestClient,
) -> None:
    key = declare(ops)

    response = post(ops, f"/incidents/{key}/edit", edit_form())

    assert response.status_code == 303
    assert response.headers["location"] == f"/incidents/{key}"
    read = incident(ops, key)
    assert (read["title"], read["impact"], read["urgency"]) == ("Login fails for everyone", 1, 2)
    assert read["priority"] == "P2" and read["services"] == ["auth", "gateway"]
    assert timeline_texts(ops, key)[-1] == (
        "Edited: title Login fails → Login fails for everyone; impact 3 → 1; urgency 3 → 2;"
        " priority P5 → P2; services auth → auth, gateway"
    )


def test_a_stale_edit_is_refused_in_place_keeping_what_was_typed(
    ops: TestClient,
) -> None:
    key = declare(ops)
    assert (
        post(ops, f"/incidents/{key}/edit", edit_form(title="Someone else's title")).status_code
        == 303
    )

    response = post(ops, f"/incidents/{key}/edit", edit_form(title="My title"))

    assert response.status_code == 409
    assert "changed since you loaded it" in refusal(response.text)
    assert 'value="My title"' in response.text
    assert '<details class="card" id="edit" open>' in response.text
    assert incident(ops, key)["title"] == "Someone else's title"


def test_an_invalid_edit_names_its_fields_and_changes_nothing(ops: TestClient) -> None:
    key = declare(ops)

    response = post(
        ops, f"/incidents/{key}/edit", edit_form(title="x", services=[], description="kept")
    )

    assert response.status_code == 422
    assert field_errors(response.text) == [
        "String should have at least 3 characters",
        "List should have at least 1 item after validation, not 0",
    ]
    assert "kept</textarea>" in response.text
    assert incident(ops, key)["title"] == "Login fails"


def test_setting_the_priority_by_hand_needs_a_reason(ops: TestClient) -> None:
    key = declare(ops)

    refused = post(ops, f"/incidents/{key}/priority", {"version": "1", "priority": "2"})
    saved = post(
        ops,
        f"/incidents/{key}/priority",
        {"version": "1", "priority": "2", "reason": "every login fails"},
    )

    assert refused.status_code == 422
    assert field_errors(refused.text) == ["required"]
    assert saved.status_code == 303
    assert incident(ops, key)["priority"] == "P2"
    assert "every login fails" in ops.get(f"/incidents/{key}", headers=HTML).text


def test_resolving_asks_for_the_summary_and_keeps_it(ops: TestClient) -> None:
    key = declare(ops)
    asked = ops.get(f"/incidents/{key}/confirm/resolve", headers=HTML)

    response = post(
        ops, f"/incidents/{key}/confirm/resolve", {"version": "1", "note": "Rolled back 4.2"}
    )

    assert asked.status_code == 200
    assert "Resolution summary" in asked.text and f"Resolve {key}" in asked.text
    assert response.status_code == 303
    read = incident(ops, key)
    assert (read["status"], read["resolution_summary"]) == ("resolved", "Rolled back 4.2")
    assert timeline_texts(ops, key)[-1] == "Resolved: Rolled back 4.2"
    page = ops.get(f"/incidents/{key}", headers=HTML).text
    assert '<section class="card" id="resolution"' in page and "Rolled back 4.2" in page


def test_a_refused_confirmation_is_answered_on_its_page_keeping_the_note(
    ops: TestClient,
) -> None:
    key = declare(ops)

    response = post(ops, f"/incidents/{key}/confirm/close", {"version": "1", "note": "all done"})

    assert response.status_code == 409
    assert "cannot close" in refusal(response.text).lower()
    assert "all done</textarea>" in response.text
    assert incident(ops, key)["status"] == "triggered"


def test_only_irreversible_moves_are_confirmed(ops: TestClient) -> None:
    key = declare(ops)

    assert ops.get(f"/incidents/{key}/confirm/acknowledge", headers=HTML).status_code == 404
    assert post(ops, f"/incidents/{key}/confirm/acknowledge", {"version": "1"}).status_code == 404
    assert incident(ops, key)["status"] == "triggered"
    header = ops.get(f"/incidents/{key}", headers=HTML).text
    assert f'href="/incidents/{key}/confirm/resolve"' in header
    assert f'action="/incidents/{key}/transition/acknowledge"' in header

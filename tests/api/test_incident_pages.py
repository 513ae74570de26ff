"""The incident pages' forms: what they save, and how they refuse without saving anything."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.conftest import bearer_for, client_as

HTML = {"Accept": "text/html"}
COMMANDER = "ic@example.com"


@pytest.fixture
def ops(catalog_client: TestClient) -> TestClient:
    created(
        catalog_client,
        "/api/v1/users",
        {"email": COMMANDER, "display_name": "Ira", "role": "responder", "service_account": True},
    )
    return catalog_client


def post(client: TestClient, path: str, data: dict[str, Any]) -> Response:
    return client.post(path, data=data, headers=HTML, follow_redirects=False)


def declare(client: TestClient, **fields: Any) -> str:
    form = {"title": "Login fails", "services": ["auth"], "impact": "3", "urgency": "3", **fields}
    response = post(client, "/incidents", form)
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location.rsplit("/", 1)[-1]


def incident(client: TestClient, key: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/incidents/{key}").json()
    return body


def field_errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'<span class="field-error"[^>]*>([^<]*)</span>', html)]


def refusal(html: str) -> str:
    found = re.search(r'<div class="callout danger" role="alert">\s*<p>(.*?)</p>', html, re.S)
    assert found, "no refusal shown"
    return unescape(found.group(1))


def test_declaring_leads_to_the_incident_page(ops: TestClient) -> None:
    key = declare(
        ops, impact="1", urgency="1", commander=COMMANDER, bridge_url="https://meet.example.com/x"
    )

    page = ops.get(f"/incidents/{key}", headers=HTML)

    assert page.status_code == 200
    assert key == "INC-1"
    assert 'class="prio prio-p1"' in page.text and "MAJOR" in page.text
    assert incident(ops, key)["roles"] == {"commander": COMMANDER}


def test_an_invalid_declare_form_comes_back_with_field_errors_and_saves_nothing(
    ops: TestClient,
) -> None:
    response = post(
        ops,
        "/incidents",
        {"title": "x", "bridge_url": "not a link", "description": "keep what I typed"},
    )

    assert response.status_code == 422
    assert field_errors(response.text) == [
        "String should have at least 3 characters",
        "required",
        "Input should be a valid URL, relative URL without a base",
    ]
    assert "keep what I typed</textarea>" in response.text
    assert ops.get("/api/v1/incidents").json()["items"] == []


def test_an_unknown_commander_undoes_the_whole_declaration(ops: TestClient) -> None:
    response = post(
        ops,
        "/incidents",
        {"title": "Login fails", "services": ["auth"], "commander": "ghost@example.com"},
    )

    assert response.status_code == 422
    assert field_errors(response.text) == ["unknown account 'ghost@example.com'"]
    assert 'value="auth" selected' in response.text
    assert ops.get("/api/v1/incidents").json()["items"] == []
    assert declare(ops) == "INC-1"


def test_a_priority_override_needs_a_reason(ops: TestClient) -> None:
    response = post(
        ops, "/incidents", {"title": "Login fails", "services": ["auth"], "priority": "1"}
    )

    assert response.status_code == 422
    assert field_errors(response.text) == ["required when priority is overridden"]


def test_a_stale_version_on_a_transition_is_a_clear_409(ops: TestClient) -> None:
    key = declare(ops)
    assert (
        post(ops, f"/incidents/{key}/transition/acknowledge", {"version": "1"}).status_code == 303
    )

    response = post(ops, f"/incidents/{key}/transition/mitigate", {"version": "1"})

    assert response.status_code == 409
    assert "changed since you loaded it" in refusal(response.text)
    assert incident(ops, key)["status"] == "acknowledged"
    assert 'name="version" value="2"' in response.text


def test_a_transition_not_allowed_from_the_status_is_a_409(ops: TestClient) -> None:
    key = declare(ops)

    response = post(ops, f"/incidents/{key}/transition/close", {"version": "1"})

    assert response.status_code == 409
    assert "cannot close" in refusal(response.text).lower()


def test_acknowledging_a_major_incident_without_a_commander_is_refused(ops: TestClient) -> None:
    key = declare(ops, impact="1", urgency="1")

    response = post(ops, f"/incidents/{key}/transition/acknowledge", {"version": "1"})

    assert response.status_code == 409
    message = refusal(response.text)
    assert "assign an incident commander to acknowledge it" in message
    assert '<a href="#roles">Assign a commander</a>' in response.text
    assert incident(ops, key)["status"] == "triggered"


def test_working_an_incident_through_its_forms(ops: TestClient) -> None:
    key = declare(ops, impact="1", urgency="1")
    steps = [
        (f"/incidents/{key}/roles", {"role": "commander", "person": COMMANDER}, "#roles"),
        (f"/incidents/{key}/transition/acknowledge", {"version": "1"}, ""),
        (f"/incidents/{key}/updates", {"audience": "customer", "body": "Logins fail"}, "#latest"),
        (f"/incidents/{key}/notes", {"text": "Rolled back 4.2"}, "#latest"),
        (f"/incidents/{key}/tasks", {"title": "Check error rates"}, "#tasks"),
        (f"/incidents/{key}/tasks/1", {"done": "true"}, "#tasks"),
        (
            f"/incidents/{key}/participants",
            {"kind": "stakeholder", "ref": "Finance"},
            "#participants",
        ),
    ]
    for path, form, anchor in steps:
        response = post(ops, path, {**form, "csrf_token": ""})
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/incidents/{key}{anchor}"

    page = ops.get(f"/incidents/{key}", headers=HTML).text

    assert "Customer update: Logins fail" in page and "Rolled back 4.2" in page
    assert 'class="done"' in page and "Finance" in page
    assert incident(ops, key)["status"] == "acknowledged"


def test_a_refused_status_update_keeps_what_was_typed(ops: TestClient) -> None:
    key = declare(ops)

    response = post(ops, f"/incidents/{key}/updates", {"audience": "internal", "body": "ok"})

    assert response.status_code == 422
    assert field_errors(response.text) == ["String should have at least 3 characters"]
    assert ">ok</textarea>" in response.text
    assert ops.get(f"/api/v1/incidents/{key}/updates").json() == []


def test_linking_to_an_unknown_incident_is_shown_at_the_link_form(ops: TestClient) -> None:
    key = declare(ops)

    response = post(ops, f"/incidents/{key}/links", {"kind": "related", "to": "INC-99"})

    assert response.status_code == 422
    assert refusal(response.text) == "No incident INC-99."
    assert field_errors(response.text) == ["no incident INC-99"]
    assert 'value="INC-99"' in response.text


def test_a_viewer_is_told_they_may_not_change_an_incident(
    settings: Settings, ops: TestClient
) -> None:
    key = declare(ops)
    with client_as(settings, bearer_for(settings, "viewer@example.com", Role.VIEWER)) as viewer:
        response = post(viewer, f"/incidents/{key}/notes", {"text": "me too"})

    assert response.status_code == 403
    assert "This token lacks the &#39;write&#39; scope." in response.text
    assert ">me too</textarea>" in response.text and "Traceback" not in response.text
    assert "me too" not in str(ops.get(f"/api/v1/incidents/{key}/timeline").json())


def test_an_unknown_incident_is_a_404_page(ops: TestClient) -> None:
    page = ops.get("/incidents/INC-99", headers=HTML)
    note = post(ops, "/incidents/INC-99/notes", {"text": "hello"})
    task = post(ops, f"/incidents/{declare(ops)}/tasks/99", {"done": "true"})

    assert (page.status_code, note.status_code, task.status_code) == (404, 404, 404)
    assert "No incident INC-99." in page.text and "Traceback" not in page.text
    assert "has no task 99" in task.text


def test_the_list_filters_by_priority_and_refreshes_without_filling_the_history(
    ops: TestClient,
) -> None:
    major, minor = declare(ops, impact="1", urgency="1"), declare(ops)
    htmx = {**HTML, "HX-Request": "true"}

    filtered = ops.get(
        "/incidents?priority=5&status=", headers={**htmx, "HX-Trigger": "incident-filters"}
    )
    polled = ops.get("/incidents?priority=5", headers={**htmx, "HX-Trigger": "incident-results"})
    whole = ops.get("/incidents?priority=1", headers=HTML)

    assert "<html" not in filtered.text and minor in filtered.text and major not in filtered.text
    assert filtered.headers["HX-Push-Url"] == "/incidents?priority=5"
    assert polled.headers["HX-Push-Url"] == "false"
    assert 'hx-trigger="every 15s"' in polled.text
    assert "<html" in whole.text and major in whole.text and minor not in whole.text


def test_the_banner_lists_open_major_incidents_until_they_are_resolved(ops: TestClient) -> None:
    major, minor = declare(ops, impact="1", urgency="1"), declare(ops)

    before = ops.get("/incidents/banner", headers={**HTML, "HX-Request": "true"})
    post(ops, f"/incidents/{major}/transition/resolve", {"version": "1"})
    after = ops.get("/incidents/banner", headers={**HTML, "HX-Request": "true"})

    assert major in before.text and minor not in before.text
    assert before.headers["HX-Push-Url"] == "false"
    assert major not in after.text and 'id="major-banner"' in after.text


def header(client: TestClient, key: str) -> Response:
    return client.get(f"/incidents/{key}/header", headers={**HTML, "HX-Request": "true"})


def sla(html: str, kind: str) -> tuple[str, str]:
    found = re.search(
        rf'class="sla sla-([a-z-]+)">\s*<span class="sla-kind">{kind}</span>\s*'
        r'<strong class="sla-left">([^<]*)</strong>',
        html,
    )
    assert found, f"no {kind} clock"
    return found.group(1), found.group(2)


def test_the_header_refreshes_in_place_with_its_sla_clocks(
    ops: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    key = declare(ops, impact="1", urgency="1")

    fresh = header(ops, key)
    frozen_clock.advance(timedelta(minutes=12))
    at_risk = header(ops, key).text
    frozen_clock.advance(timedelta(minutes=5))
    breached = header(ops, key).text

    assert fresh.headers["HX-Push-Url"] == "false" and "<html" not in fresh.text
    assert sla(fresh.text, "Response") == ("ok", "15 min left")
    assert sla(at_risk, "Response") == ("at-risk", "3 min left · at risk")
    assert sla(breached, "Response") == ("breached", "breached 2 min ago")
    assert sla(breached, "Resolution") == ("ok", "3 h 43 min left")


@pytest.mark.parametrize(
    "path", ["/incidents", "/incidents/new", "/incidents/INC-1", "/incidents/banner"]
)
def test_incident_pages_need_signing_in(anonymous: TestClient, path: str) -> None:
    response = anonymous.get(path, headers=HTML, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")

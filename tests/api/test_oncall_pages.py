"""The on-call pages: who is on call, the calendar with its gaps, overrides, the policy
editor, the notification log and acknowledging from a page's link."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.notify import domain as notify_domain
from tests.api.conftest import created
from tests.api.test_incident_pages import HTML, field_errors, post, refusal
from tests.api.test_oncall_api import POLICY, SCHEDULE
from tests.conftest import bearer_for, client_as


@pytest.fixture
def oncall_pages(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    later = {**SCHEDULE["layers"][0], "start": "2026-11-03T09:00:00+01:00"}  # type: ignore[dict-item]
    created(catalog_client, "/api/v1/schedules", {**SCHEDULE, "layers": [later]})
    created(catalog_client, "/api/v1/escalation-policies", POLICY)
    return catalog_client


def test_the_on_call_page_and_home_widget_name_who_is_on_call(oncall_pages: TestClient) -> None:
    assert oncall_pages.get("/oncall/schedules/identity-primary", headers=HTML).status_code == 200
    frozen = oncall_pages.get("/oncall/widget", headers=HTML).text
    assert "nobody (coverage gap)" in frozen  # the rotation starts tomorrow
    page = oncall_pages.get("/oncall", headers=HTML).text
    assert "Identity primary" in page and "Identity default" in page
    assert 'hx-get="/oncall/widget"' in oncall_pages.get("/", headers=HTML).text


def test_the_schedule_page_highlights_the_gap_and_lists_the_weeks(oncall_pages: TestClient) -> None:
    html = oncall_pages.get("/oncall/schedules/identity-primary", headers=HTML).text
    assert "23.0 hours without anyone on call" in html  # 10:00 today to 09:00 tomorrow
    assert '<li class="gap">10:00-24:00 nobody: gap</li>' in html
    assert '<li class="shift">09:00-24:00 alice@example.com</li>' in html
    assert len(re.findall(r"<th scope=\"row\"", html)) == 29


def test_an_override_is_added_from_the_page_or_refused_with_reasons(
    oncall_pages: TestClient,
) -> None:
    path = "/oncall/schedules/identity-primary/overrides"
    good = {
        "person": "erin@example.com",
        "start": "2026-11-02T10:00:00Z",
        "end": "2026-11-02T12:00:00Z",
    }
    assert post(oncall_pages, path, good).status_code == 303
    assert (
        "erin@example.com"
        in oncall_pages.get("/oncall/schedules/identity-primary", headers=HTML).text
    )
    refused = post(oncall_pages, path, {**good, "end": "2026-11-01T10:00:00Z"})
    assert (
        refused.status_code == 422 and refusal(refused.text) == "An override ends after it starts."
    )
    bad = post(oncall_pages, path, {**good, "person": "not-an-email"})
    assert bad.status_code == 422 and field_errors(bad.text)[0].startswith(
        "value is not a valid email"
    )


def test_the_policy_editor_saves_levels_and_refuses_unknown_targets(
    oncall_pages: TestClient,
) -> None:
    path = "/oncall/policies/identity-default"
    form = {
        "version": "1",
        "repeats": "2",
        "targets": ["person:dave@example.com", "squad:identity, person:erin@example.com", ""],
        "timeout_minutes": ["3", "20", "15"],
    }
    assert post(oncall_pages, path, form).status_code == 303
    policy = oncall_pages.get("/api/v1/escalation-policies/identity-default").json()
    assert (policy["repeats"], [lvl["timeout_minutes"] for lvl in policy["levels"]]) == (2, [3, 20])
    assert policy["levels"][1]["targets"] == [
        {"kind": "squad", "ref": "identity"},
        {"kind": "person", "ref": "erin@example.com"},
    ]
    stale = post(oncall_pages, path, form)
    assert stale.status_code == 409
    unknown = post(
        oncall_pages,
        path,
        {**form, "version": "2", "targets": ["schedule:ghost"], "timeout_minutes": ["5"]},
    )
    assert unknown.status_code == 422 and refusal(unknown.text) == "No schedule 'ghost'."


def test_acknowledging_from_a_page_link_stops_the_escalation(
    settings: Settings, oncall_pages: TestClient, anonymous: TestClient
) -> None:
    key = created(
        oncall_pages,
        "/api/v1/incidents",
        {"title": "Slow", "impact": 3, "urgency": 1, "services": ["auth"]},
    )["key"]
    secret = settings.signing_secret.get_secret_value()
    token = notify_domain.ack_token(secret, incident=key, person="dave@example.com")
    link = f"/oncall/ack?incident={key}&person=dave@example.com&token={token}"
    assert "Acknowledging stops the escalation" in anonymous.get(link).text
    assert oncall_pages.get(f"/api/v1/incidents/{key}").json()["status"] == "triggered"
    done = anonymous.post(link)
    assert f"{key} is acknowledged: escalation stopped." in done.text
    assert oncall_pages.get(f"/api/v1/incidents/{key}").json()["status"] == "acknowledged"
    assert (
        oncall_pages.get(f"/api/v1/incidents/{key}/escalation").json()["status"] == "acknowledged"
    )
    assert anonymous.post(link.replace(token, "0" * 32)).status_code == 403


def test_the_notification_log_lists_pages_and_filters_by_status(oncall_pages: TestClient) -> None:
    created(
        oncall_pages,
        "/api/v1/incidents",
        {"title": "Slow", "impact": 3, "urgency": 1, "services": ["auth"]},
    )
    html = oncall_pages.get("/notifications", headers=HTML).text
    assert "dave@example.com" not in html  # level 1 pages the schedule's on-call: nobody yet
    assert (
        "No notifications match."
        in oncall_pages.get("/notifications?status=failed", headers=HTML).text
    )


def test_deleting_a_schedule_a_policy_pages_is_refused_on_the_page(
    oncall_pages: TestClient,
) -> None:
    path = "/oncall/schedules/identity-primary"
    refused = post(oncall_pages, f"{path}/delete", {"version": "1"})
    assert refused.status_code == 409
    assert refusal(refused.text) == (
        "Schedule 'identity-primary' is used by escalation policy identity-default: "
        "take it out of their levels first."
    )
    assert oncall_pages.get(f"/api/v1{path.removeprefix('/oncall')}").status_code == 200
    no_version = post(oncall_pages, f"{path}/delete", {"version": "x"})
    assert (
        no_version.status_code == 422
        and refusal(no_version.text) == "Reload the page and try again."
    )
    assert (
        post(oncall_pages, "/oncall/policies/identity-default/delete", {"version": "1"}).status_code
        == 303
    )
    assert post(oncall_pages, f"{path}/delete", {"version": "1"}).status_code == 303
    assert oncall_pages.get(f"/api/v1{path.removeprefix('/oncall')}").status_code == 404


SCHEDULE_PAGE = "/oncall/schedules/identity-primary"


def test_a_layer_is_edited_added_and_removed_from_the_schedule_page(
    oncall_pages: TestClient,
) -> None:
    html = oncall_pages.get(SCHEDULE_PAGE, headers=HTML).text
    assert 'action="/oncall/schedules/identity-primary/layers/0"' in html
    assert 'value="2026-11-03T09:00+01:00"' in html  # the hand-off in the layer's zone
    layer = {
        "version": "1",
        "name": "first line",
        "participants": "erin@example.com\nfrank@example.com",
        "start": "2026-11-03T09:00+01:00",
        "zone": "Europe/Amsterdam",
        "length": "1",
        "unit": "days",
        "restrictions": "0-4@09:00-17:00",
    }
    assert post(oncall_pages, f"{SCHEDULE_PAGE}/layers/0", layer).status_code == 303
    saved = oncall_pages.get("/api/v1/schedules/identity-primary").json()
    assert saved["layers"][0]["participants"] == ["erin@example.com", "frank@example.com"]
    assert saved["layers"][0]["restrictions"][0]["weekdays"] == [0, 1, 2, 3, 4]
    assert "0-4@09:00-17:00" in oncall_pages.get(SCHEDULE_PAGE, headers=HTML).text

    on_top = {**layer, "version": "2", "name": "nights", "restrictions": ""}
    assert post(oncall_pages, f"{SCHEDULE_PAGE}/layers", on_top).status_code == 303
    removed = post(oncall_pages, f"{SCHEDULE_PAGE}/layers/0/delete", {"version": "3"})
    assert removed.status_code == 303
    saved = oncall_pages.get("/api/v1/schedules/identity-primary").json()
    assert [(la["rank"], la["name"]) for la in saved["layers"]] == [(0, "nights")]
    stale = post(oncall_pages, f"{SCHEDULE_PAGE}/layers/0/delete", {"version": "3"})
    assert stale.status_code == 409 and "Reload to see the current version" in stale.text


def test_a_refused_layer_edit_shows_each_field_and_keeps_what_was_typed(
    oncall_pages: TestClient,
) -> None:
    layer = {
        "version": "1",
        "participants": "erin@example.com",
        "start": "2026-11-03T09:00+01:00",
        "zone": "Mars/Base",
        "length": "1",
        "unit": "weeks",
        "restrictions": "",
    }
    bad_zone = post(oncall_pages, f"{SCHEDULE_PAGE}/layers/0", layer)
    assert bad_zone.status_code == 422
    assert field_errors(bad_zone.text) == ["unknown time zone 'Mars/Base'"]
    assert 'value="Mars/Base" aria-invalid="true"' in bad_zone.text
    garbled = {**layer, "zone": "UTC", "restrictions": "weekdays@9-5"}
    refused = post(oncall_pages, f"{SCHEDULE_PAGE}/layers/0", garbled)
    assert refused.status_code == 422
    assert field_errors(refused.text) == ["write as 0-4@09:00-17:00 (0 = Monday)"]
    nobody = post(
        oncall_pages, f"{SCHEDULE_PAGE}/layers", {**layer, "zone": "UTC", "participants": ""}
    )
    assert nobody.status_code == 422 and len(field_errors(nobody.text)) == 1
    saved = oncall_pages.get("/api/v1/schedules/identity-primary").json()
    assert (saved["version"], len(saved["layers"]), saved["layers"][0]["zone"]) == (
        1,
        1,
        "Europe/Amsterdam",
    )


def test_an_override_is_changed_from_the_schedule_page(oncall_pages: TestClient) -> None:
    window = {
        "person": "erin@example.com",
        "start": "2026-11-02T10:00:00Z",
        "end": "2026-11-02T12:00:00Z",
    }
    override = created(oncall_pages, "/api/v1/schedules/identity-primary/overrides", window)
    path = f"{SCHEDULE_PAGE}/overrides/{override['id']}"
    assert f'action="{path}"' in oncall_pages.get(SCHEDULE_PAGE, headers=HTML).text
    moved = {**window, "person": "frank@example.com", "reason": "swap", "version": "2"}
    assert post(oncall_pages, path, moved).status_code == 303
    saved = oncall_pages.get("/api/v1/schedules/identity-primary").json()["overrides"]
    assert [(o["person"], o["reason"]) for o in saved] == [("frank@example.com", "swap")]
    backwards = post(oncall_pages, path, {**moved, "version": "3", "end": "2026-11-01T10:00:00Z"})
    assert backwards.status_code == 422
    assert refusal(backwards.text) == "An override ends after it starts."
    assert 'value="2026-11-01T10:00:00Z" aria-invalid="true"' in backwards.text
    bad = post(oncall_pages, path, {**moved, "version": "3", "person": "nobody"})
    assert bad.status_code == 422 and field_errors(bad.text)[0].startswith(
        "value is not a valid email"
    )
    assert post(oncall_pages, path, moved).status_code == 409


def test_a_new_schedule_is_refused_in_place_when_its_squad_is_not_the_leads(
    oncall_pages: TestClient, settings: Settings
) -> None:
    form = {
        "name": "Other primary",
        "slug": "other-primary",
        "squad": "identity",
        "zone": "Europe/Amsterdam",
        "participants": "ana@example.com",
        "start": "2026-11-02T09:00",
    }
    lead = bearer_for(settings, "lead@example.com", Role.SQUAD_LEAD)  # of no squad
    with client_as(settings, lead) as client:
        refused = post(client, "/oncall/schedules", form)
    assert refused.status_code == 403
    assert "not a member of identity" in refusal(refused.text)
    assert 'value="Other primary"' in refused.text
    made = post(oncall_pages, "/oncall/schedules", form)
    assert made.status_code == 303 and made.headers["location"] == "/oncall/schedules/other-primary"
    layer = oncall_pages.get("/api/v1/schedules/other-primary").json()["layers"][0]
    assert layer["start"] == "2026-11-02T08:00:00Z"  # 09:00 in Amsterdam


def test_a_new_policy_names_an_unknown_schedule_by_its_field(oncall_pages: TestClient) -> None:
    form = {"name": "Ghost", "slug": "ghost", "targets": "schedule:ghost-primary"}
    refused = post(oncall_pages, "/oncall/policies", form)
    assert refused.status_code == 422
    assert field_errors(refused.text) == ["unknown schedule 'ghost-primary'"]

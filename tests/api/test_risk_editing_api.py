"""Editing a risk (API and its page) and changing a platform's matrix under risks in use."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.infra import clock
from tests.api.test_risks_api import raised


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


def risk(api: TestClient) -> dict[str, Any]:
    found: dict[str, Any] = api.get("/api/v1/risks/RSK-1").json()
    return found


def test_a_patch_changes_what_it_names_and_a_null_leaves_a_field_as_it_is(api: TestClient) -> None:
    raised(api, description="one primary", review_on="2026-12-01")
    body = {"version": 1, "title": None, "owner": "ana@example.com", "review_on": None}
    edited = api.patch("/api/v1/risks/RSK-1", json=body)
    assert edited.status_code == 200, edited.text
    read = edited.json()
    assert (read["title"], read["owner"], read["review_on"], read["version"]) == (
        "Login depends on one database",
        "ana@example.com",
        None,
        2,
    )
    assert read["description"] == "one primary"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x"}, "title"),
        ({"category": "weather"}, "category"),
        ({"services": ["db", "nowhere"]}, "services"),
        ({"owner_squad": "ghosts"}, "owner_squad"),
        ({"treatment": "ignore"}, "treatment"),
    ],
)
def test_a_refused_patch_names_the_field_and_changes_nothing(
    api: TestClient, body: dict[str, Any], field: str
) -> None:
    raised(api)
    before = risk(api)
    refused = api.patch("/api/v1/risks/RSK-1", json={"version": 1, "owner": "x@example.com"} | body)
    assert refused.status_code == 422, refused.text
    assert field in refused.json()["error"]["fields"]
    assert risk(api) == before


def edit_form(**changes: Any) -> dict[str, Any]:
    return {
        "version": "1",
        "title": "Login depends on one database",
        "owner_squad": "identity",
        "category": "availability",
        "owner": "",
        "treatment": "mitigate",
        "review_on": "",
        "services": ["db"],
        "description": "",
        "causes": "",
        "consequences": "",
        "treatment_plan": "",
    } | changes


def test_the_risk_page_edits_the_risk_and_clears_what_is_blanked(api: TestClient) -> None:
    raised(api, description="one primary", journeys=["login"])
    page = api.get("/risks/RSK-1")
    assert 'id="edit-risk"' in page.text and ">one primary</textarea>" in page.text
    form = edit_form(title="Login has one database", category="data", treatment_plan="replica")
    saved = api.post("/risks/RSK-1/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/risks/RSK-1#edit"
    read = risk(api)
    assert (read["title"], read["category"], read["treatment_plan"]) == (
        "Login has one database",
        "data",
        "replica",
    )
    assert (read["description"], read["services"], read["journeys"]) == ("", ["db"], [])
    assert "Risk edited" in api.get("/risks/RSK-1").text


def test_a_refused_edit_on_the_page_is_shown_beside_the_form_and_changes_nothing(
    api: TestClient,
) -> None:
    raised(api)
    before = risk(api)
    refused = api.post("/risks/RSK-1/edit", data=edit_form(category="weather", owner="a@b.example"))
    assert refused.status_code == 422
    assert 'id="edit" open' in refused.text and "one of: availability" in refused.text
    assert 'value="a@b.example"' in refused.text
    blank = api.post("/risks/RSK-1/edit", data=edit_form(title=""))
    assert blank.status_code == 422 and 'aria-invalid="true"' in blank.text
    stale = api.post("/risks/RSK-1/edit", data=edit_form(version="0"))
    assert stale.status_code == 409
    assert risk(api) == before


def shrunk(settings: dict[str, Any]) -> dict[str, Any]:
    return settings | {
        "likelihood": ["low", "medium", "high"],
        "impact": ["low", "medium", "high"],
        "bands": [
            {"up_to": 3, "label": "ok", "colour": "#00aa00"},
            {"up_to": 9, "label": "bad", "colour": "#aa0000"},
        ],
        "appetite": 3,
        "annual_rate": [0.1, 1, 5],
    }


def test_a_matrix_cannot_shrink_below_the_levels_risks_use(api: TestClient) -> None:
    raised(api)  # inherent 3 x 5
    raised(api, title="Likely but small", inherent_likelihood=4, inherent_impact=2)
    raised(api, title="Fits a 3x3", inherent_likelihood=2, inherent_impact=3)
    settings = api.get("/api/v1/risks/settings/procurement").json()
    refused = api.put("/api/v1/risks/settings/procurement", json=shrunk(settings))
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["fields"] == {
        "likelihood": "3 levels are fewer than RSK-2 use",
        "impact": "3 levels are fewer than RSK-1 use",
    }
    assert api.get("/api/v1/risks/settings/procurement").json() == settings
    assert api.get("/api/v1/risks/RSK-1").json()["current"]["band"] == "high"


def test_a_matrix_shrinks_once_the_scores_fit(api: TestClient) -> None:
    raised(api, inherent_likelihood=3, inherent_impact=3, current_likelihood=2)
    settings = api.get("/api/v1/risks/settings/procurement").json()
    changed = api.put("/api/v1/risks/settings/procurement", json=shrunk(settings))
    assert changed.status_code == 200, changed.text
    assert api.get("/api/v1/risks/RSK-1").json()["current"]["band"] == "bad"


def test_an_issue_is_rescheduled_over_the_api_and_from_its_row(api: TestClient) -> None:
    body = {"title": "Vendor DB out of support", "owner_squad": "identity", "due_on": "2026-12-01"}
    api.post("/api/v1/issues", json=body)
    patched = api.patch("/api/v1/issues/ISS-1", json={"version": 1, "due_on": "2026-12-15"})
    assert (patched.json()["due_on"], patched.json()["version"]) == ("2026-12-15", 2)
    refused = api.patch("/api/v1/issues/ISS-1", json={"version": 2, "title": "x"})
    assert refused.status_code == 422 and "title" in refused.json()["error"]["fields"]

    page = api.get("/issues")
    assert 'action="/issues/ISS-1/due"' in page.text and 'value="2026-12-15"' in page.text
    moved = api.post(
        "/issues/ISS-1/due", data={"version": "2", "due_on": "2027-01-10"}, follow_redirects=False
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/issues#ISS-1"
    bad = api.post("/issues/ISS-1/due", data={"version": "3", "due_on": "someday"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert api.get("/api/v1/issues/ISS-1").json()["due_on"] == "2027-01-10"


def test_a_risk_keeps_a_category_its_platform_no_longer_offers_until_it_is_changed(
    api: TestClient,
) -> None:
    raised(api)
    settings = api.get("/api/v1/risks/settings/procurement").json()
    fewer = settings | {"categories": ["security", "data"]}
    assert api.put("/api/v1/risks/settings/procurement", json=fewer).status_code == 200
    page = api.get("/risks/RSK-1")
    assert "availability (not offered on this platform)" in page.text
    kept = api.post("/risks/RSK-1/edit", data=edit_form(title="Login has one database"))
    assert kept.status_code == 200 and risk(api)["category"] == "availability"
    refused = api.patch("/api/v1/risks/RSK-1", json={"version": 2, "category": "people"})
    assert refused.status_code == 422 and "category" in refused.json()["error"]["fields"]

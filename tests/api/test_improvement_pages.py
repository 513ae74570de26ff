"""The problem, review and action-item pages render, refuse bad forms next to the form, and
show a known error's workaround on a matching incident."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from opsroom.infra import clock
from tests.api.conftest import created


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    created(
        catalog_client,
        "/api/v1/squads",
        {"slug": "payments", "name": "Payments", "platform": "procurement"},
    )
    created(
        catalog_client,
        "/api/v1/services",
        {
            "slug": "checkout",
            "name": "Checkout",
            "tier": 1,
            "platform": "procurement",
            "owner": "payments",
        },
    )
    return catalog_client


def _resolved_p1(api: TestClient, title: str) -> str:
    key: str = created(
        api,
        "/api/v1/incidents",
        {"title": title, "services": ["checkout"], "impact": 1, "urgency": 1},
    )["key"]
    api.post(f"/api/v1/incidents/{key}/resolve")
    return key


def test_pages_render_what_the_services_hold(api: TestClient) -> None:
    key = _resolved_p1(api, "Checkout 503s")
    problem = created(
        api,
        "/api/v1/problems",
        {"title": "Checkout pool", "services": ["checkout"], "incidents": [key]},
    )["key"]
    created(
        api, f"/api/v1/reviews/{key}/actions", {"title": "Add a breaker", "owner_squad": "identity"}
    )
    pages = {
        "/problems": ["Checkout pool", "New"],
        f"/problems/{problem}": ["Root-cause analysis", key],
        "/known-errors": ["No known errors match"],
        "/reviews": [key, "Median days to publish"],
        f"/reviews/{key}": ["Write the review", "Add a breaker", "Time to resolve"],
        f"/reviews/{key}/print": [f"Post-incident review: {key}"],
        "/actions": ["ACT-1", "Add a breaker"],
        "/actions?squad=identity&outstanding=true": ["ACT-1"],
        "/actions/ACT-1": ["Mark done", "someone other than the implementer"],
    }
    for path, texts in pages.items():
        response = api.get(path)
        assert response.status_code == 200, path
        for text in texts:
            assert text in response.text, (path, text)
    assert "ACT-1" not in api.get("/actions?squad=payments").text
    assert api.get(f"/reviews/{key}/export.md").text.startswith("# Post-incident review")


def test_markdown_preview_escapes_html(api: TestClient) -> None:
    response = api.post(
        "/reviews/preview?section=summary", data={"summary": "**ok** <img src=x onerror=alert(1)>"}
    )
    assert "<strong>ok</strong>" in response.text
    assert "<img" not in response.text
    assert api.post("/reviews/preview?section=nope", data={}).status_code == 404


def test_the_incident_page_shows_a_matching_known_error(api: TestClient) -> None:
    problem = created(
        api, "/api/v1/problems", {"title": "Checkout pool", "services": ["checkout"]}
    )["key"]
    known = {
        "version": 1,
        "symptom": "503 at checkout",
        "workaround": "Restart the checkout pods",
        "match_title": "503",
    }
    api.put(f"/api/v1/problems/{problem}/known-error", json=known)
    hit = created(
        api, "/api/v1/incidents", {"title": "Checkout 503 errors", "services": ["checkout"]}
    )["key"]
    miss = created(api, "/api/v1/incidents", {"title": "Search slow", "services": ["search"]})[
        "key"
    ]
    assert "Restart the checkout pods" in api.get(f"/incidents/{hit}").text
    assert "Matches a known error" not in api.get(f"/incidents/{miss}").text


def test_a_refused_form_is_shown_next_to_it(api: TestClient) -> None:
    key = created(api, "/api/v1/problems", {"title": "Checkout pool", "services": ["checkout"]})[
        "key"
    ]
    sent = {
        "version": "1",
        "root_cause": "Pool sized for last year",
        "factors": "gremlins: bad luck",
    }
    refused = api.post(f"/problems/{key}/rca", data=sent)
    assert refused.status_code == 422
    assert re.search(r"No category &#39;gremlins&#39;", refused.text)
    assert ">Pool sized for last year</textarea>" in refused.text  # what was typed, kept
    assert ">gremlins: bad luck</textarea>" in refused.text
    refused = api.post(f"/problems/{key}/incidents", data={"incident": "INC-999"})
    assert refused.status_code == 422 and 'value="INC-999"' in refused.text
    refused = api.post(f"/problems/{key}/move/close", data={"version": "1"})
    assert refused.status_code == 409 and "allowed now: investigate" in refused.text

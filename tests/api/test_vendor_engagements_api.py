"""Vendors engaged on incidents over HTTP and on the incident's page: the happy path, the
vendor contact acknowledging from their own view, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from tests.api.conftest import created
from tests.api.test_web_auth import browser, page_token, person, sign_in
from tests.conftest import bearer_for, client_as

HTML = {"Accept": "text/html"}
LADDER = [
    {"level": 1, "contact": "Desk", "email": "desk@cloudco.example", "response_minutes": 15},
    {
        "level": 2,
        "contact": "Account manager",
        "email": "am@cloudco.example",
        "response_minutes": 60,
    },
]


@pytest.fixture
def api(catalog_client: TestClient) -> TestClient:
    for slug, service in (("cloudco", "db"), ("edgeco", "gateway")):
        vendor = {
            "slug": slug,
            "name": slug.title(),
            "escalation": LADDER,
            "sla_terms": {
                "response_minutes": {"P1": 10},
                "breach_credits": [{"over_minutes": 0, "amount": 500}],
                "currency": "EUR",
            },
            "services": [{"service": service}],
        }
        created(catalog_client, "/api/v1/vendors", vendor)
    return catalog_client


def declared(api: TestClient) -> str:
    body = {"title": "Database down", "impact": 1, "urgency": 1, "services": ["db"]}
    key: str = created(api, "/api/v1/incidents", body)["key"]
    return key


def engaged(api: TestClient, key: str, vendor: str = "cloudco") -> dict[str, Any]:
    return created(api, "/api/v1/vendor-engagements", {"incident": key, "vendor": vendor})


def test_a_vendor_is_engaged_and_listed_with_its_clock(api: TestClient) -> None:
    key = declared(api)
    engagement = engaged(api, key)
    assert (engagement["vendor"], engagement["status"], engagement["level"]) == (
        "cloudco",
        "engaged",
        1,
    )
    assert engagement["response"]["met"] is None
    listed = api.get(f"/api/v1/vendor-engagements?incident={key}").json()["items"]
    assert [e["id"] for e in listed] == [engagement["id"]]
    page = api.get(f"/incidents/{key}", headers=HTML).text
    assert "Vendors engaged" in page and "Engage vendor" in page


def test_refusals_are_clear_and_change_nothing(api: TestClient) -> None:
    key = declared(api)
    path = "/api/v1/vendor-engagements"
    outside = api.post(path, json={"incident": key, "vendor": "edgeco"})
    assert outside.status_code == 422
    assert outside.json()["error"]["fields"] == {
        "vendor": "Edgeco supports none of the incident's services"
    }
    assert api.post(path, json={"incident": key, "vendor": ""}).status_code == 422
    assert api.post(path, json={"incident": key, "vendor": "nobody"}).status_code == 422
    assert api.post(path, json={"incident": "INC-99", "vendor": "cloudco"}).status_code == 404
    engaged(api, key)
    twice = api.post(path, json={"incident": key, "vendor": "cloudco"})
    assert twice.status_code == 409
    assert "already engaged" in twice.json()["error"]["message"]
    api.post(f"/api/v1/incidents/{key}/resolve", json={})
    resolved = api.post(path, json={"incident": key, "vendor": "cloudco"})
    assert resolved.status_code == 409
    assert len(api.get(f"{path}?incident={key}").json()["items"]) == 1
    assert api.post("/api/v1/vendor-engagements/999/acknowledge").status_code == 404
    engagement = api.get(f"{path}?incident={key}").json()["items"][0]["id"]
    nothing_owed = api.post(f"{path}/{engagement}/dispute", json={"note": "we were on time"})
    assert nothing_owed.status_code == 409
    assert "cannot be disputed" in nothing_owed.json()["error"]["message"]
    blank = api.post(f"{path}/{engagement}/dispute", json={"note": ""})
    assert list(blank.json()["error"]["fields"]) == ["note"]
    wrong = api.post(f"{path}/{engagement}/settle", json={"outcome": "upheld", "note": "it stands"})
    assert wrong.status_code == 409


def test_a_refused_engage_form_says_why_beside_the_form(api: TestClient) -> None:
    key = declared(api)
    page = api.post(
        f"/incidents/{key}/vendor-engagements",
        data={"vendor": "edgeco"},
        headers=HTML,
        follow_redirects=False,
    )
    assert page.status_code == 422
    assert "supports none of the incident" in page.text
    saved = api.post(
        f"/incidents/{key}/vendor-engagements",
        data={"vendor": "cloudco"},
        headers=HTML,
        follow_redirects=False,
    )
    assert (saved.status_code, saved.headers["location"]) == (303, f"/incidents/{key}#vendors")


def test_the_vendor_contact_acknowledges_from_their_own_view(
    settings: Settings, api: TestClient
) -> None:
    key = declared(api)
    engagement = engaged(api, key)["id"]
    other = bearer_for(settings, "v@edgeco.example", Role.VENDOR_CONTACT, vendor="edgeco")
    with client_as(settings, other) as outsider:
        refused = outsider.get(f"/api/v1/vendor-engagements/{engagement}")
    assert refused.status_code == 404
    person(settings, "v@cloudco.example", Role.VENDOR_CONTACT, vendor="cloudco")
    with browser(settings) as vendor:
        sign_in(vendor, "v@cloudco.example")
        view = vendor.get(f"/incidents/{key}")
        assert f"/vendor-engagements/{engagement}/acknowledge" in view.text
        assert "Engage vendor" not in view.text
        path = f"/vendor-engagements/{engagement}/acknowledge"
        form = {"csrf_token": page_token(view)}
        done = vendor.post(path, data=form, follow_redirects=False)
        again = vendor.post(path, data=form, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, f"/incidents/{key}#vendors")
    assert again.status_code == 409
    assert "already acknowledged" in again.text
    read = api.get(f"/api/v1/vendor-engagements/{engagement}").json()
    assert (read["status"], read["acknowledged_by"], read["response"]["met"]) == (
        "acknowledged",
        "v@cloudco.example",
        True,
    )


def test_the_scorecard_page_and_its_review_packs(settings: Settings, api: TestClient) -> None:
    key = declared(api)
    engaged(api, key)
    api.post(f"/api/v1/incidents/{key}/resolve", json={})
    day = "2026-11-02"  # TEST_NOW's day
    path = f"/api/v1/vendors/cloudco/scorecard?since={day}&until={day}"
    card = api.get(path).json()
    assert (card["engagements"], card["response"]["breached"]) == (1, 0)
    packed = api.get(f"{path}&format=csv")
    assert packed.headers["content-type"].startswith("text/csv")
    assert packed.text.splitlines()[-1].startswith(f"{key},P1,")
    assert "Engagements,1,,,,," in packed.text.splitlines()
    backwards = api.get(f"/api/v1/vendors/cloudco/scorecard?since={day}&until=2026-11-01")
    assert backwards.status_code == 422
    assert api.get(f"/api/v1/vendors/nobody/scorecard?since={day}&until={day}").status_code == 404
    page = api.get("/vendors/cloudco/scorecard", headers=HTML)
    assert page.status_code == 200 and "Cloudco scorecard" in page.text
    assert f'href="/incidents/{key}"' in page.text
    other = bearer_for(settings, "v@edgeco.example", Role.VENDOR_CONTACT, vendor="edgeco")
    with client_as(settings, other) as outsider:
        assert outsider.get(path).status_code == 403


def test_the_scorecard_of_a_quarter(api: TestClient) -> None:
    key = declared(api)
    engaged(api, key)
    path = "/api/v1/vendors/cloudco/scorecard"
    quarter = api.get(f"{path}?quarter=2026Q4").json()
    assert (quarter["since"], quarter["until"], quarter["engagements"]) == (
        "2026-10-01",
        "2026-12-31",
        1,
    )
    assert api.get(f"{path}?quarter=2026Q3").json()["engagements"] == 0
    malformed = api.get(f"{path}?quarter=autumn")
    assert malformed.status_code == 422
    assert malformed.json()["error"]["fields"] == {"quarter": "YYYYQn"}
    both = api.get(f"{path}?quarter=2026Q4&since=2026-11-01&until=2026-11-02")
    assert both.json()["error"]["fields"] == {"quarter": "not with since or until"}
    assert api.get(f"{path}?since=2026-11-01").json()["error"]["fields"] == {
        "until": "required without quarter"
    }
    page = api.get("/vendors/cloudco/scorecard?quarter=2026Q4", headers=HTML)
    assert page.status_code == 200 and 'name="since" value="2026-10-01"' in page.text
    refused = api.get("/vendors/cloudco/scorecard?quarter=autumn", headers=HTML)
    assert refused.status_code == 422 and "is not a quarter" in refused.text


def test_a_contract_is_recorded_read_and_refused_when_wrong(api: TestClient) -> None:
    path = "/api/v1/vendors/cloudco/contract"
    assert api.get(path).status_code == 404
    body = {"starts_on": "2026-01-01", "ends_on": "2027-03-31", "support_level": "premium"}
    saved = api.put(path, json=body).json()
    assert (saved["state"], saved["reminder_on"], saved["version"]) == (
        "active",
        "2026-12-31",
        1,
    )
    backwards = api.put(path, json={**body, "ends_on": "2025-01-01", "version": 1})
    assert backwards.json()["error"]["fields"] == {"ends_on": "after starts_on"}
    assert api.put(path, json={**body, "version": 9}).status_code == 409
    assert api.put(path, json={**body, "support_level": "gold"}).status_code == 422
    assert api.get(path).json()["version"] == 1


def test_the_contract_form_on_the_scorecard_page(api: TestClient) -> None:
    form = {"starts_on": "2026-01-01", "ends_on": "2025-01-01", "support_level": "basic"}
    refused = api.post("/vendors/cloudco/contract", data=form, headers=HTML)
    assert refused.status_code == 422
    assert "after starts_on" in refused.text
    saved = api.post(
        "/vendors/cloudco/contract",
        data={**form, "ends_on": "2027-06-30", "notice_days": "60"},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/vendors/cloudco/scorecard#contract"
    page = api.get("/vendors/cloudco/scorecard", headers=HTML).text
    assert "2026-01-01 to 2027-06-30" in page and "basic" in page


def owing(api: TestClient, frozen_clock: clock.FrozenClock) -> int:
    """An engagement whose vendor answered late and owes its credit."""
    key = declared(api)
    engagement: int = engaged(api, key)["id"]
    frozen_clock.advance(timedelta(minutes=11))
    api.post(f"/api/v1/incidents/{key}/resolve", json={})
    return engagement


def test_a_credit_is_disputed_and_settled_from_the_scorecard_page(
    settings: Settings, api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    engagement = owing(api, frozen_clock)
    person(settings, "v@cloudco.example", Role.VENDOR_CONTACT, vendor="cloudco")
    with browser(settings) as vendor:
        sign_in(vendor, "v@cloudco.example")
        page = vendor.get("/vendors/cloudco/scorecard")
        assert "Dispute credit" in page.text and "Settle dispute" not in page.text
        form = {"csrf_token": page_token(page), "note": "the outage was upstream of us"}
        path = f"/vendor-engagements/{engagement}/dispute?since=2026-11-01&until=2026-11-02"
        done = vendor.post(path, data=form, follow_redirects=False)
    assert done.headers["location"] == (
        f"/vendors/cloudco/scorecard?since=2026-11-01&until=2026-11-02#engagement-{engagement}"
    )
    shown = api.get("/vendors/cloudco/scorecard", headers=HTML).text
    assert "the outage was upstream of us" in shown and "Settle dispute" in shown
    settled = api.post(
        f"/vendor-engagements/{engagement}/settle",
        data={"outcome": "waived", "note": "the provider's outage, as they said"},
        headers=HTML,
        follow_redirects=False,
    )
    assert settled.headers["location"].endswith(f"#engagement-{engagement}")
    read = api.get(f"/api/v1/vendor-engagements/{engagement}").json()
    assert (read["credit"], read["credit_status"]) == (500, "waived")


def test_a_refused_dispute_or_settlement_says_why_beside_its_row(
    settings: Settings, api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    engagement = owing(api, frozen_clock)
    blank = api.post(f"/vendor-engagements/{engagement}/dispute", data={"note": ""}, headers=HTML)
    assert blank.status_code == 422
    assert f'id="credit-{engagement}-note-error"' in blank.text
    early = api.post(
        f"/vendor-engagements/{engagement}/settle",
        data={"outcome": "upheld", "note": "it stands"},
        headers=HTML,
    )
    assert early.status_code == 409 and "has no dispute to settle" in early.text
    api.post(f"/vendor-engagements/{engagement}/dispute", data={"note": "upstream"}, headers=HTML)
    responder = bearer_for(settings, "r@example.com", Role.RESPONDER)
    with client_as(settings, responder) as them:
        refused = them.post(
            f"/vendor-engagements/{engagement}/settle",
            data={"outcome": "waived", "note": "fine by me"},
            headers=HTML,
        )
    assert refused.status_code == 403
    read = api.get(f"/api/v1/vendor-engagements/{engagement}").json()
    assert (read["credit_status"], read["settlement_note"]) == ("disputed", "")


def test_components_out_of_support_on_the_contract_become_issues(api: TestClient) -> None:
    form = {"starts_on": "2026-01-01", "ends_on": "2027-06-30", "support_level": "basic"}
    refused = api.post(
        "/vendors/cloudco/contract",
        data={**form, "out_of_support": "Cloudco DB 11 until next year"},
        headers=HTML,
    )
    assert refused.status_code == 422
    assert 'id="contract-out_of_support-error"' in refused.text
    assert "Cloudco DB 11 until next year" in refused.text  # kept as typed
    saved = api.post(
        "/vendors/cloudco/contract",
        data={**form, "out_of_support": "Cloudco DB 11 = 2026-12-31"},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    [issue] = api.get("/api/v1/issues").json()
    assert (issue["title"], issue["due_on"], issue["owner_squad"]) == (
        "Cloudco DB 11 is out of Cloudco's support",
        "2026-12-31",
        "identity",
    )
    page = api.get("/vendors/cloudco/scorecard", headers=HTML).text
    assert "Cloudco DB 11 from 2026-12-31" in page
    body = {**form, "version": 1, "out_of_support": [{"component": "x", "ends_on": "soon"}]}
    wrong = api.put("/api/v1/vendors/cloudco/contract", json=body)
    assert wrong.json()["error"]["fields"] == {
        "out_of_support.0.component": "String should have at least 2 characters",
        "out_of_support.0.ends_on": "Input should be a valid date or datetime, input is too short",
    }
    renewed = api.put("/api/v1/vendors/cloudco/contract", json={**form, "version": 1})
    assert renewed.json()["out_of_support"] == []
    assert api.get("/api/v1/issues").json()[0]["status"] == "resolved"


@pytest.fixture
def two_platforms(api: TestClient) -> dict[str, int]:
    """cloudco engaged on a procurement incident, payco on a commerce one."""
    created(api, "/api/v1/platforms", {"slug": "commerce", "name": "Commerce"})
    created(api, "/api/v1/squads", {"slug": "shop", "name": "Shop", "platform": "commerce"})
    cart = {"slug": "cart", "name": "Cart", "tier": 1, "platform": "commerce", "owner": "shop"}
    created(api, "/api/v1/services", cart)
    payco = {"slug": "payco", "name": "PayCo", "services": [{"service": "cart"}]}
    created(api, "/api/v1/vendors", payco)
    on_cart = created(api, "/api/v1/incidents", {"title": "Cart down", "services": ["cart"]})
    return {
        "cloudco": engaged(api, declared(api))["id"],
        "payco": engaged(api, on_cart["key"], "payco")["id"],
    }


def listed_ids(api: TestClient, **params: str | int) -> list[int]:
    response = api.get("/api/v1/vendor-engagements", params=params)
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["items"]]


def test_engagements_are_listed_by_platform_and_vendor_without_an_incident(
    api: TestClient, two_platforms: dict[str, int]
) -> None:
    assert listed_ids(api, platform="commerce") == [two_platforms["payco"]]
    assert listed_ids(api, platform="procurement") == [two_platforms["cloudco"]]
    assert listed_ids(api, vendor="cloudco") == [two_platforms["cloudco"]]
    assert listed_ids(api, vendor="cloudco", platform="commerce") == []
    assert listed_ids(api) == [two_platforms["payco"], two_platforms["cloudco"]]


def test_engagements_are_paginated_newest_first(
    api: TestClient, two_platforms: dict[str, int]
) -> None:
    first = api.get("/api/v1/vendor-engagements", params={"limit": 1}).json()
    assert [e["id"] for e in first["items"]] == [two_platforms["payco"]]
    rest = listed_ids(api, limit=1, cursor=first["next_cursor"])
    assert rest == [two_platforms["cloudco"]]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"platform": "atlantis"}, {"platform": "unknown platform 'atlantis'"}),
        ({"vendor": "nobody"}, {"vendor": "unknown vendor"}),
    ],
)
def test_engagements_by_an_unknown_platform_or_vendor_are_refused_with_the_field_named(
    api: TestClient, params: dict[str, str], fields: dict[str, str]
) -> None:
    refused = api.get("/api/v1/vendor-engagements", params=params)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == fields

"""The risk and issue registers over HTTP, and their pages: happy paths and refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.infra import clock
from tests.api.conftest import created


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


RISK = {
    "title": "Login depends on one database",
    "category": "availability",
    "owner_squad": "identity",
    "inherent_likelihood": 3,
    "inherent_impact": 5,
    "services": ["db"],
}


def raised(api: TestClient, **fields: Any) -> dict[str, Any]:
    return created(api, "/api/v1/risks", RISK | fields)


def test_a_risk_is_raised_scored_and_read_back(api: TestClient) -> None:
    risk = raised(api, journeys=["login"])
    assert (risk["key"], risk["current"]["score"], risk["current"]["band"]) == ("RSK-1", 15, "high")
    assert risk["exposure"]["blast_radius"] == 2
    body = {"version": 1, "likelihood": 2, "impact": 3, "reason": "read replica"}
    scored = api.post("/api/v1/risks/RSK-1/score", json=body).json()
    assert (scored["current"]["score"], scored["above_appetite"], scored["version"]) == (
        6,
        False,
        2,
    )
    listed = api.get("/api/v1/risks", params={"category": "availability"}).json()
    assert [r["key"] for r in listed] == ["RSK-1"]
    assert api.get("/api/v1/risks", params={"category": "people"}).json() == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/risks", RISK | {"inherent_impact": 6}, "inherent_impact"),
        ("/api/v1/risks", RISK | {"category": "weather"}, "category"),
        ("/api/v1/risks/RSK-1/score", {"version": 1, "likelihood": 1, "impact": 1}, "reason"),
        ("/api/v1/risks/RSK-1/links", {"record": "INC-404"}, "record"),
        ("/api/v1/risks/RSK-1/move/assess", {}, None),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    api: TestClient, path: str, body: dict[str, Any], field: str | None
) -> None:
    raised(api)
    before = api.get("/api/v1/risks/RSK-1").json()
    response = api.post(path, json=body)
    if field is None:  # the control case: a valid move goes through
        assert response.status_code == 200
        return
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert api.get("/api/v1/risks/RSK-1").json() == before
    assert len(api.get("/api/v1/risks").json()) == 1


def test_an_acceptance_without_an_expiry_is_refused(api: TestClient) -> None:
    raised(api)
    api.post("/api/v1/risks/RSK-1/move/assess", json={})
    refused = api.post("/api/v1/risks/RSK-1/accept", json={"reason": "cheap enough"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"until": "an acceptance expires: give the date"}
    body = {"until": "2027-03-01", "reason": "cheap enough"}
    accepted = api.post("/api/v1/risks/RSK-1/accept", json=body).json()
    assert (accepted["status"], accepted["accepted_until"]) == ("accepted", "2027-03-01")


def test_a_mitigation_is_an_action_item_and_a_citation_of_a_missing_risk_is_refused(
    api: TestClient,
) -> None:
    raised(api)
    item = created(api, "/api/v1/risks/RSK-1/mitigations", {"title": "Add a replica"})
    assert (item["source_type"], item["source_key"], item["owner_squad"]) == (
        "risk",
        "RSK-1",
        "identity",
    )
    assert api.get("/api/v1/risks/RSK-1").json()["mitigations"] == [item["key"]]
    body = {
        "title": "Fix",
        "owner_squad": "identity",
        "source_type": "risk",
        "source_key": "RSK-999",
    }
    refused = api.post("/api/v1/actions", json=body)
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {"source_key": "no risk RSK-999"}


def test_an_incident_links_as_evidence_and_the_ranking_and_heat_map_follow(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    raised(api)
    raised(api, title="Search index rebuilds are slow", inherent_likelihood=1, services=["search"])
    incident = created(
        api,
        "/api/v1/incidents",
        {"title": "DB down", "services": ["db"], "impact": 1, "urgency": 1},
    )
    proposed = api.get("/api/v1/risks/RSK-1").json()["links"]
    assert proposed == [
        {
            "kind": "incident",
            "key": incident["key"],
            "proposed": True,
            "occurred_at": proposed[0]["occurred_at"],
            "downtime_hours": 0.0,
        }
    ]
    linked = api.post("/api/v1/risks/RSK-1/links", json={"record": incident["key"]}).json()
    assert linked["materialised"] == 1
    frozen_clock.advance(timedelta(hours=3))
    api.post(f"/api/v1/incidents/{incident['key']}/resolve", json={})
    resolved = api.get("/api/v1/risks/RSK-1").json()
    assert (resolved["downtime_hours"], resolved["exposure"]["hours_per_event"]) == (3.0, 3.0)
    ranking = api.get("/api/v1/risks/ranking").json()
    assert [r["risk"]["key"] for r in ranking] == ["RSK-1", "RSK-2"]
    heat = api.get("/api/v1/risks/heat-map", params={"platform": "procurement"}).json()
    assert heat["inherent"][2][4] == 1 and heat["inherent"][4][4] == 1
    assert api.get("/api/v1/risks/heat-map", params={"platform": "nowhere"}).status_code == 404


def test_the_matrix_is_a_settings_document_per_platform(api: TestClient) -> None:
    current = api.get("/api/v1/risks/settings/procurement").json()
    assert (current["version"], len(current["likelihood"]), current["appetite"]) == (0, 5, 9)
    changed = api.put("/api/v1/risks/settings/procurement", json=current | {"appetite": 4}).json()
    assert (changed["version"], changed["appetite"]) == (1, 4)
    stale = api.put("/api/v1/risks/settings/procurement", json=current | {"appetite": 6})
    assert stale.status_code == 409


def test_the_issue_register(api: TestClient) -> None:
    body = {"title": "Vendor DB out of support", "owner_squad": "identity", "due_on": "2026-12-01"}
    issue = created(api, "/api/v1/issues", body)
    assert (issue["key"], issue["status"], issue["overdue"]) == ("ISS-1", "open", False)
    refused = api.post("/api/v1/issues/ISS-1/move/escalate", json={"to": "om@example.com"})
    assert refused.status_code == 422 and "reason" in refused.json()["error"]["fields"]
    moved = api.post(
        "/api/v1/issues/ISS-1/move/escalate", json={"to": "om@example.com", "reason": "no budget"}
    ).json()
    assert moved["status"] == "escalated"
    assert [i["key"] for i in api.get("/api/v1/issues", params={"open": True}).json()] == ["ISS-1"]


def test_the_register_page_answers_a_refused_risk_in_place(api: TestClient) -> None:
    raised(api)
    page = api.get("/risks")
    assert page.status_code == 200 and "RSK-1" in page.text and 'id="heat-inherent"' in page.text
    form = {"title": "Too big", "category": "availability", "owner_squad": "identity"}
    refused = api.post("/risks", data=form | {"inherent_likelihood": "9", "inherent_impact": "1"})
    assert refused.status_code == 422
    assert (
        "1 to 5 on this platform&#39;s matrix" in refused.text and 'value="Too big"' in refused.text
    )
    assert api.get("/risks/RSK-1").status_code == 200
    assert api.get("/issues").status_code == 200


def test_the_register_round_trips_as_csv_and_a_bad_row_is_named_by_line(api: TestClient) -> None:
    raised(api)
    exported = api.get("/api/v1/risks/export", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    applied = api.post("/api/v1/risks/import", content=exported.content)
    assert applied.json() == {"raised": 0, "updated": 0, "unchanged": 1}
    bad = exported.text.replace(",3,5,", ",3,9,", 1)
    refused = api.post("/api/v1/risks/import", content=bad.encode())
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"] == {
        "line 2": "inherent_impact: 1 to 5 on this platform's matrix"
    }


def test_risks_above_appetite_reach_the_kpi_report_and_the_dashboard(api: TestClient) -> None:
    raised(api)  # 3 x 5 = 15: above the shipped appetite of 9
    raised(api, title="A small one", inherent_likelihood=1, inherent_impact=2)
    report = api.get("/api/v1/kpis/report", params={"platform": "procurement"}).json()
    assert report["risks"] == {
        "open": 2,
        "above_appetite": 1,
        "reviews_overdue": 0,
        "accepted": 0,
        "above_appetite_keys": ["RSK-1"],
    }
    top = api.get("/dashboard/risks", headers={"Accept": "text/html", "HX-Request": "true"})
    assert "1 of 2 open risks above appetite" in top.text
    assert top.text.index("RSK-1") < top.text.index("RSK-2")

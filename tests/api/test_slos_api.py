"""SLOs over HTTP and their pages: happy paths and refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.infra import clock
from tests.api.conftest import created

SLO = {"name": "Sign-in answers", "service": "auth", "objective": 99.9, "owner_squad": "identity"}


@pytest.fixture
def api(catalog_client: TestClient, frozen_clock: clock.FrozenClock) -> TestClient:
    return catalog_client


def set_slo(api: TestClient, **fields: Any) -> dict[str, Any]:
    return created(api, "/api/v1/slos", SLO | fields)


def outage(api: TestClient, frozen_clock: clock.FrozenClock, minutes: float) -> str:
    body = {"title": "Sign-in fails", "services": ["auth"], "impact": 1, "urgency": 1}
    key = str(created(api, "/api/v1/incidents", body)["key"])
    frozen_clock.advance(timedelta(minutes=minutes))
    resolved = api.post(f"/api/v1/incidents/{key}/resolve", json={})
    assert resolved.status_code == 200, resolved.text
    return key


def test_an_slo_is_set_listed_read_and_edited(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(api)
    assert (slo["key"], slo["budget_remaining"], slo["allowed_minutes"]) == ("SLO-1", 1.0, 43.2)
    key = outage(api, frozen_clock, 10.8)
    read = api.get("/api/v1/slos/SLO-1").json()
    assert read["budget_remaining"] == pytest.approx(0.75)
    assert [s["incident"] for s in read["spent_by"]] == [key]
    listed = api.get("/api/v1/slos", params={"service": "auth"}).json()
    assert [(s["key"], s["exhausted"]) for s in listed] == [("SLO-1", False)]
    assert api.get("/api/v1/slos", params={"squad": "payments"}).json() == []
    edited = api.patch("/api/v1/slos/SLO-1", json={"version": 1, "objective": 99.95})
    assert (edited.json()["version"], edited.json()["exhausted"]) == (2, False)
    assert api.get("/api/v1/slos/SLO-1").json()["budget_remaining"] == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"objective": 100}, "objective"),
        ({"objective": 0}, "objective"),
        ({"window": "7 days"}, "window"),
        ({"service": None}, "service"),
        ({"journey": "login"}, "journey"),
        ({"service": "nowhere"}, "service"),
        ({"owner_squad": "ghosts"}, "owner_squad"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_slo_is_refused_field_by_field_and_nothing_is_stored(
    api: TestClient, fields: dict[str, Any], field: str
) -> None:
    refused = api.post("/api/v1/slos", json=SLO | fields)
    assert refused.status_code == 422, refused.text
    assert field in refused.json()["error"]["fields"]
    assert api.get("/api/v1/slos").json() == []


def test_a_stale_edit_is_refused_and_an_unknown_slo_is_not_found(api: TestClient) -> None:
    set_slo(api)
    api.patch("/api/v1/slos/SLO-1", json={"version": 1, "name": "Sign-in works"})
    stale = api.patch("/api/v1/slos/SLO-1", json={"version": 1, "objective": 99})
    assert stale.status_code == 409
    assert api.get("/api/v1/slos/SLO-1").json()["objective"] == 99.9
    assert api.get("/api/v1/slos/SLO-9").status_code == 404
    assert api.patch("/api/v1/slos/SLO-9", json={"version": 1}).status_code == 404


def test_the_pages_show_the_budget_and_answer_refusals_in_place(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(api)
    key = outage(api, frozen_clock, 60)
    listing = api.get("/slos")
    assert listing.status_code == 200 and "SLO-1" in listing.text and "exhausted" in listing.text
    page = api.get("/slos/SLO-1")
    assert page.status_code == 200
    assert 'class="bd-line" points="0.0,0.0' in page.text and key in page.text
    assert 'id="exhausted"' in page.text and "style=" not in page.text
    refused = api.post("/slos", data={"name": "Too strict", "service": "auth", "objective": "100"})
    assert refused.status_code == 422 and 'value="Too strict"' in refused.text
    stale = api.post("/slos/SLO-1", data={"version": "7", "objective": "99"})
    assert stale.status_code == 409 and "Reload to see the current version" in stale.text
    saved = api.post(
        "/slos/SLO-1", data={"version": "1", "objective": "99"}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/slos/SLO-1"


def test_a_change_held_by_a_spent_budget_says_why_in_its_preview_and_on_its_page(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(api)
    outage(api, frozen_clock, 60)
    change = {
        "services": ["auth"],
        "squad": "identity",
        "planned_start": "2026-11-20T10:00:00Z",
        "planned_end": "2026-11-20T11:00:00Z",
    }
    assessed = api.post("/api/v1/changes/assess", json=change).json()
    assert assessed["exhausted_budgets"] == ["SLO-1"]
    assert "operations_manager" in assessed["required_approvals"]
    key = created(api, "/api/v1/changes", change | {"title": "Rotate the signing keys"})["key"]
    submitted = api.post(f"/api/v1/changes/{key}/submit", json={}).json()
    assert "operations_manager" in submitted["required_approvals"]
    page = api.get(f"/changes/{key}").text
    assert 'id="budget-hold"' in page and "exhausted: SLO-1 Sign-in answers" in page


def test_the_service_page_shows_the_budgets_of_its_slos_and_of_its_journeys(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(api)
    set_slo(api, name="Sign-in journey works", service=None, journey="login", objective=99)
    outage(api, frozen_clock, 60)
    hub = api.get("/services/auth/operations").text
    assert "SLO-1" in hub and "budget exhausted" in hub
    assert "SLO-2" in hub and "on journey login" in hub and "86.1 % of the budget left" in hub
    assert hub.count('class="burn-down spark"') == 2
    assert "No SLO on this service" in api.get("/services/db/operations").text


def test_the_dashboard_shows_the_least_budget_left_first_with_burn_downs(
    api: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(api)
    set_slo(api, name="Sign-in journey works", service=None, journey="login", objective=99)
    outage(api, frozen_clock, 60)
    part = api.get("/dashboard/slos", headers={"Accept": "text/html", "HX-Request": "true"}).text
    assert part.index("SLO-1") < part.index("SLO-2")
    assert "exhausted" in part and "86.1 % left" in part and "All 2 SLOs" in part
    assert part.count('class="burn-down spark"') == 2
    assert 'hx-get="/dashboard/slos"' in api.get("/", headers={"Accept": "text/html"}).text


def test_pushed_counts_are_stored_or_refused_whole_with_each_count_named(
    api: TestClient,
) -> None:
    set_slo(api, sli="threshold", source="pushed", threshold=0.25)
    minute = clock.now().replace(second=0, microsecond=0) - timedelta(minutes=1)
    good = {"minute": minute.isoformat(), "good": 999, "total": 1000}
    stored = api.post("/api/v1/slos/SLO-1/counts", json={"counts": [good]})
    assert stored.json() == {"slo": "SLO-1", "stored": 1}, stored.text
    backwards = good | {"good": 10, "total": 20}
    earlier = good | {"minute": (minute - timedelta(minutes=1)).isoformat(), "good": 2, "total": 1}
    refused = api.post("/api/v1/slos/SLO-1/counts", json={"counts": [earlier, backwards]})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"counts.0", "counts.1"}
    negative = api.post("/api/v1/slos/SLO-1/counts", json={"counts": [good | {"good": -1}]})
    assert negative.status_code == 422
    assert api.post("/api/v1/slos/SLO-1/counts", json={"counts": []}).status_code == 422
    assert api.post("/api/v1/slos/SLO-9/counts", json={"counts": [good]}).status_code == 404
    read = api.get("/api/v1/slos/SLO-1").json()
    # 1 slow in 1,000 over the last five minutes is exactly what 99.9 % allows: 1x.
    assert (read["source"], read["threshold"]) == ("pushed", 0.25)
    assert read["burn"][0]["short_rate"] == pytest.approx(1)


def test_the_page_changes_an_slos_subject_and_sli_and_shows_refusals_beside_the_fields(
    api: TestClient,
) -> None:
    set_slo(api)
    page = api.get("/slos/SLO-1")
    assert 'name="histogram"' in page.text and 'name="prometheus_secret"' in page.text
    form = {"version": "1", "service": "auth", "sli": "threshold", "source": "pushed"}
    refused = api.post("/slos/SLO-1", data=form, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "required for a threshold SLI from pushed" in refused.text
    changed = api.post("/slos/SLO-1", data=form | {"threshold": "0.4"}, follow_redirects=True)
    assert changed.status_code == 200, changed.text
    assert "threshold below 0.4 s, pushed counts" in changed.text
    read = api.get("/api/v1/slos/SLO-1").json()
    assert (read["sli"], read["source"], read["threshold"], read["version"]) == (
        "threshold",
        "pushed",
        0.4,
        2,
    )


OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: sign-in
  annotations:
    opsroom.io/owner-squad: identity
spec:
  service: auth
  indicator:
    metadata:
      name: sign-in-incidents
    spec:
      thresholdMetric:
        metricSource:
          type: opsroom-incidents
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - targetPercent: 99.9
"""
YAML = {"content-type": "application/yaml"}


def test_openslo_documents_are_applied_and_exported(api: TestClient) -> None:
    applied = api.post("/api/v1/slos/openslo", content=OPENSLO, headers=YAML)
    assert applied.json() == {"created": ["SLO-1"], "updated": [], "unchanged": []}
    assert api.get("/api/v1/slos/SLO-1").json()["name"] == "sign-in"
    exported = api.get("/api/v1/slos/openslo")
    assert exported.headers["content-type"].startswith("application/yaml")
    again = api.post("/api/v1/slos/openslo", content=exported.text, headers=YAML)
    assert again.json() == {"created": [], "updated": [], "unchanged": ["SLO-1"]}


def test_a_bad_openslo_document_is_refused_by_line(api: TestClient) -> None:
    body = OPENSLO.replace("targetPercent: 99.9", "targetPercent: 100")
    refused = api.post("/api/v1/slos/openslo", content=body, headers=YAML)
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert fields["[0].spec.objectives[0].targetPercent"].startswith("line 21: ")
    assert api.get("/api/v1/slos").json() == []
    not_utf8 = api.post("/api/v1/slos/openslo", content=b"\xff\xfe", headers=YAML)
    assert not_utf8.json()["error"]["fields"] == {"file": "not UTF-8"}


def test_the_slos_page_applies_pasted_openslo_and_downloads_it(api: TestClient) -> None:
    bad = OPENSLO.replace("targetPercent: 99.9", "targetPercent: 100")
    refused = api.post("/slos/openslo", data={"document": bad})
    assert refused.status_code == 422 and 'id="openslo-errors"' in refused.text
    assert "line 21: " in refused.text and "targetPercent: 100" in refused.text
    assert api.get("/api/v1/slos").json() == []
    applied = api.post("/slos/openslo", data={"document": OPENSLO})
    assert applied.status_code == 200 and "Applied: 1 set (SLO-1)" in applied.text
    download = api.get("/slos/openslo")
    assert download.headers["content-disposition"] == 'attachment; filename="slos.yaml"'
    again = api.post("/slos/openslo", data={"document": download.text})
    assert "0 set (none), 0 changed (none), 1 unchanged" in again.text

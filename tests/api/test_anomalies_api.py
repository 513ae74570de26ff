"""/api/v1/series and /api/v1/anomalies, and the series' pages: a batch of points scored, a
value that is not a number refused with its field and nothing written, NaN and repeated
timestamps skipped and counted on the series' page beside its chart."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import created
from tests.conftest import TEST_NOW

HTML = {"Accept": "text/html"}
SERIES = {"key": "auth-errors", "name": "Auth errors", "service": "auth", "detector": "zscore"}


def points(values: list[Any], start: int = 0) -> dict[str, Any]:
    return {
        "points": [
            {"timestamp": (TEST_NOW + timedelta(minutes=start + n)).isoformat(), "value": v}
            for n, v in enumerate(values)
        ]
    }


@pytest.fixture
def series(catalog_client: TestClient) -> dict[str, Any]:
    return created(catalog_client, "/api/v1/series", SERIES)


def test_points_are_scored_and_an_anomaly_is_listed(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    rng = random.Random(5)
    quiet = [10.0 + rng.uniform(-1.0, 1.0) for _ in range(200)]
    path = f"/api/v1/series/{series['key']}/points"
    assert catalog_client.post(path, json=points(quiet)).json()["anomalies"] == []
    pushed = catalog_client.post(path, json=points([40.0], start=200)).json()
    assert (pushed["accepted"], len(pushed["anomalies"])) == (1, 1)
    listed = catalog_client.get("/api/v1/anomalies", params={"series": "auth-errors"}).json()
    (anomaly,) = listed["items"]
    assert (anomaly["key"], anomaly["service"], anomaly["value"]) == (
        pushed["anomalies"][0],
        "auth",
        40.0,
    )
    shown = catalog_client.get(f"/api/v1/anomalies/{anomaly['key']}").json()
    assert shown["expected_high"] < 40.0 and shown["judgement"] is None
    read = catalog_client.get("/api/v1/series/auth-errors").json()
    assert (read["points"], read["state_bytes"] > 0) == (201, True)
    page = catalog_client.get("/series/auth-errors", headers=HTML).text
    assert 'class="sc-mark"' in page and anomaly["key"] in page


def test_a_value_that_is_not_a_number_refuses_the_whole_batch(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    path = f"/api/v1/series/{series['key']}/points"
    refused = catalog_client.post(path, json=points([1.0, "lots", 3.0]))
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["points.1.value"]
    assert catalog_client.get("/api/v1/series/auth-errors").json()["points"] == 0
    empty = catalog_client.post(path, json={"points": []})
    assert list(empty.json()["error"]["fields"]) == ["points"]
    naive = catalog_client.post(
        path, json={"points": [{"timestamp": "2026-11-02T09:00", "value": 1}]}
    )
    assert list(naive.json()["error"]["fields"]) == ["points.0.timestamp"]


def test_nan_and_repeated_timestamps_are_counted_on_the_series_page(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    body = (
        '{"points": [{"timestamp": "2026-11-02T09:00:00Z", "value": NaN},'
        ' {"timestamp": "2026-11-02T09:01:00Z", "value": 1},'
        ' {"timestamp": "2026-11-02T09:01:00Z", "value": 2}]}'
    )
    pushed = catalog_client.post(
        f"/api/v1/series/{series['key']}/points",
        content=body,
        headers={"Content-Type": "application/json"},
    ).json()
    assert (pushed["accepted"], pushed["skipped_not_finite"], pushed["skipped_out_of_order"]) == (
        1,
        1,
        1,
    )
    page = catalog_client.get("/series/auth-errors", headers=HTML).text
    assert '<dd id="skipped-not-finite">1</dd>' in page
    assert '<dd id="skipped-out-of-order">1</dd>' in page


def test_watching_refusals(catalog_client: TestClient, series: dict[str, Any]) -> None:
    again = catalog_client.post("/api/v1/series", json=SERIES)
    assert (again.status_code, again.json()["error"]["fields"]) == (409, {"key": "taken"})
    unknown = catalog_client.post("/api/v1/series", json={**SERIES, "key": "x-1", "service": "no"})
    assert unknown.json()["error"]["fields"] == {"service": "unknown service"}
    bad = catalog_client.post("/api/v1/series", json={**SERIES, "key": "x-2", "sensitivity": 2})
    assert list(bad.json()["error"]["fields"]) == ["sensitivity"]
    assert catalog_client.get("/api/v1/series/nope").status_code == 404
    assert catalog_client.get("/api/v1/anomalies/ANM-9").status_code == 404
    assert [s["key"] for s in catalog_client.get("/api/v1/series").json()] == ["auth-errors"]


def test_a_series_is_watched_from_its_list_page(catalog_client: TestClient) -> None:
    form = {"key": "auth-latency", "name": "Auth latency", "service": "auth"}
    refused = catalog_client.post("/series", data={**form, "service": "nope"}, headers=HTML)
    assert refused.status_code == 422 and "unknown service" in refused.text
    watched = catalog_client.post("/series", data=form, headers=HTML, follow_redirects=False)
    assert watched.headers["location"] == "/series/auth-latency"
    listed = catalog_client.get("/series", headers=HTML).text
    assert 'href="/series/auth-latency"' in listed
    assert "<title>Watched series · opsroom</title>" in listed
    assert "No points yet" in catalog_client.get("/series/auth-latency", headers=HTML).text


def _anomaly(client: TestClient, series: dict[str, Any]) -> str:
    path = f"/api/v1/series/{series['key']}/points"
    client.post(path, json=points([10.0 + (n % 3) / 2 for n in range(200)]))
    (anomaly,) = client.post(path, json=points([40.0], start=200)).json()["anomalies"]
    return str(anomaly)


def test_a_verdict_moves_the_threshold_once_and_counts_in_the_precision(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    key = _anomaly(catalog_client, series)
    judged = catalog_client.post(f"/api/v1/anomalies/{key}/judgement", json={"judgement": "noise"})
    assert judged.json()["judgement"] == "noise"
    assert (
        catalog_client.get("/api/v1/series/auth-errors").json()["threshold"] > series["threshold"]
    )
    again = catalog_client.post(f"/api/v1/anomalies/{key}/judgement", json={"judgement": "real"})
    assert (again.status_code, again.json()["error"]["fields"]) == (
        409,
        {"judgement": "already given"},
    )
    bad = catalog_client.post(f"/api/v1/anomalies/{key}/judgement", json={"judgement": "maybe"})
    assert list(bad.json()["error"]["fields"]) == ["judgement"]
    missing = catalog_client.post("/api/v1/anomalies/ANM-99/judgement", json={"judgement": "real"})
    assert missing.status_code == 404
    (row,) = catalog_client.get("/api/v1/anomalies/precision").json()
    assert (row["service"], row["noise"], row["precision"]) == ("auth", 1, 0.0)


def test_an_anomaly_is_judged_from_its_series_page(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    key = _anomaly(catalog_client, series)
    page = catalog_client.get("/series/auth-errors", headers=HTML).text
    assert f'action="/anomalies/{key}/judgement"' in page
    judged = catalog_client.post(
        f"/anomalies/{key}/judgement",
        data={"judgement": "real"},
        headers=HTML,
        follow_redirects=False,
    )
    assert judged.headers["location"] == "/series/auth-errors#anomalies-title"
    again = catalog_client.post(
        f"/anomalies/{key}/judgement", data={"judgement": "noise"}, headers=HTML
    )
    assert again.status_code == 409 and "judged real already" in again.text
    listed = catalog_client.get("/series", headers=HTML).text
    assert "<td>100%</td>" in listed


def test_many_series_take_points_in_one_request_or_none_does(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    created(catalog_client, "/api/v1/series", {**SERIES, "key": "auth-latency"})
    batches = [
        {"series": "auth-errors", **points([1.0, 2.0])},
        {"series": "auth-latency", **points([5.0])},
    ]
    taken = catalog_client.post("/api/v1/series/points", json={"batches": batches}).json()
    assert (taken["accepted"], taken["anomalies"]) == (3, [])
    assert catalog_client.get("/api/v1/series/auth-latency").json()["points"] == 1
    later = [{"series": "auth-errors", **points([3.0], start=2)}]
    unknown = [*later, {"series": "nope", **points([1.0])}]
    refused = catalog_client.post("/api/v1/series/points", json={"batches": unknown})
    assert refused.json()["error"]["fields"] == {"batches.1.series": "unknown series"}
    twice = catalog_client.post("/api/v1/series/points", json={"batches": later + later})
    assert twice.json()["error"]["fields"] == {"batches.1.series": "named twice"}
    assert catalog_client.get("/api/v1/series/auth-errors").json()["points"] == 2


def test_an_anomaly_is_drawn_beside_its_alert_and_on_its_incident(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    _anomaly(catalog_client, series)
    chart = catalog_client.get("/series/auth-errors/chart.svg")
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert ("<polyline" in chart.text, chart.text.count('class="mark"')) == (True, 1)
    (alert,) = catalog_client.get("/api/v1/alerts", params={"service": "auth"}).json()["items"]
    listed = catalog_client.get("/alerts", headers=HTML).text
    assert 'src="/series/auth-errors/chart.svg"' in listed
    incident = catalog_client.get(f"/incidents/{alert['incident']}", headers=HTML).text
    assert "Anomalies behind its alerts" in incident and 'href="/series/auth-errors"' in incident
    assert "40 at" in incident and 'class="sc-mark"' in incident


def test_a_chart_of_no_points_is_empty_and_of_no_series_not_found(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    assert catalog_client.get("/series/auth-errors/chart.svg").status_code == 204
    assert catalog_client.get("/series/nothing-here/chart.svg").status_code == 404


def test_a_series_is_changed_and_removed_through_the_api(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    path = "/api/v1/series/auth-errors"
    changed = catalog_client.patch(path, json={"version": 1, "name": "Auth failures"})
    assert (changed.status_code, changed.json()["name"], changed.json()["version"]) == (
        200,
        "Auth failures",
        2,
    )
    stale = catalog_client.patch(path, json={"version": 1, "name": "Stale"})
    assert stale.status_code == 409
    too_keen = catalog_client.patch(path, json={"version": 2, "sensitivity": 2})
    assert (too_keen.status_code, list(too_keen.json()["error"]["fields"])) == (
        422,
        ["sensitivity"],
    )
    half = catalog_client.patch(path, json={"version": 2, "query": "up"})
    assert half.json()["error"]["fields"] == {"prometheus_url": "needed with query"}
    assert catalog_client.get(path).json()["name"] == "Auth failures"
    assert catalog_client.delete(path).status_code == 422  # no version given
    assert catalog_client.delete(path, params={"version": 1}).status_code == 409
    removed = catalog_client.delete(path, params={"version": 2})
    assert (removed.status_code, removed.json()["name"]) == (200, "Auth failures")
    assert catalog_client.get(path).status_code == 404


def test_a_series_is_changed_and_removed_from_its_page(
    catalog_client: TestClient, series: dict[str, Any]
) -> None:
    page = catalog_client.get("/series/auth-errors", headers=HTML).text
    assert 'action="/series/auth-errors/edit"' in page
    form = {"version": "1", "name": "x", "detector": "zscore", "sensitivity": "0.5"}
    refused = catalog_client.post("/series/auth-errors/edit", data=form, headers=HTML)
    assert refused.status_code == 422 and 'id="edit-name-error"' in refused.text
    saved = catalog_client.post(
        "/series/auth-errors/edit",
        data={**form, "name": "Auth failures"},
        headers=HTML,
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/series/auth-errors"
    stale = catalog_client.post("/series/auth-errors/remove", data={"version": "1"}, headers=HTML)
    assert stale.status_code == 409 and "Reload to see the current version" in stale.text
    removed = catalog_client.post(
        "/series/auth-errors/remove", data={"version": "2"}, headers=HTML, follow_redirects=False
    )
    assert removed.headers["location"] == "/series"
    assert catalog_client.get("/api/v1/series/auth-errors").status_code == 404

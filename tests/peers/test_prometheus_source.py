"""A series polled from a real Prometheus by the worker's durable timer: each poll scores the
query's sample as a point and schedules the next; a query Prometheus refuses, or a server
that does not answer, shows on the series' page and scores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.runtime.worker import run_once
from tests.api.conftest import catalog_client, created
from tests.peers import prometheus
from tests.peers.alertmanager import free_port

HTML = {"Accept": "text/html"}
__all__ = ["catalog_client"]  # the fixture


@pytest.fixture
def prometheus_url(tmp_path: Path) -> Iterator[str]:
    with prometheus.running(tmp_path) as url:
        yield url


def _polled(client: TestClient, key: str, url: str, query: str) -> dict[str, object]:
    body = {
        "key": key,
        "name": key,
        "service": "auth",
        "prometheus_url": url,
        "query": query,
        "poll_seconds": 30,
    }
    return created(client, "/api/v1/series", body)


def test_the_worker_polls_prometheus_and_scores_each_sample(
    catalog_client: TestClient,
    settings: Settings,
    prometheus_url: str,
    frozen_clock: clock.FrozenClock,
) -> None:
    _polled(catalog_client, "self-scraped", prometheus_url, 'up{job="prometheus"}')
    run_once(settings, owner="w")
    first = catalog_client.get("/api/v1/series/self-scraped").json()
    assert (first["points"], first["source_error"]) == (1, None)
    run_once(settings, owner="w")  # the next poll is not due yet
    assert catalog_client.get("/api/v1/series/self-scraped").json()["points"] == 1
    frozen_clock.advance(timedelta(seconds=30))
    run_once(settings, owner="w")
    second = catalog_client.get("/api/v1/series/self-scraped").json()
    assert second["points"] == 2 and second["last_at"] > first["last_at"]


def test_a_refused_query_and_an_unreachable_server_show_on_the_series_page(
    catalog_client: TestClient, settings: Settings, prometheus_url: str
) -> None:
    _polled(catalog_client, "bad-query", prometheus_url, "sum(")
    _polled(catalog_client, "two-series", prometheus_url, "up or vector(1)")
    _polled(catalog_client, "nobody", f"http://127.0.0.1:{free_port()}", "up")
    run_once(settings, owner="w")
    bad = catalog_client.get("/api/v1/series/bad-query").json()
    assert bad["points"] == 0 and bad["source_error"].startswith("Prometheus refused the query")
    two = catalog_client.get("/api/v1/series/two-series").json()["source_error"]
    assert two == "the query must answer one series, not 2"
    nobody = catalog_client.get("/api/v1/series/nobody").json()["source_error"]
    assert nobody.startswith("cannot reach Prometheus")
    page = catalog_client.get("/series/bad-query", headers=HTML).text
    assert 'id="source-error"' in page and "Prometheus refused the query" in page


def test_a_polled_series_names_its_server_and_its_query(catalog_client: TestClient) -> None:
    lone = {"key": "lone", "name": "Lone", "service": "auth", "query": "up"}
    refused = catalog_client.post("/api/v1/series", json=lone)
    assert refused.json()["error"]["fields"] == {"prometheus_url": "needed with query"}

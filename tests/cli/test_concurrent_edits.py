"""Twenty people send the same edit of one record, from the version they all loaded, at the
same moment, through two `opsroom serve --no-worker` replicas of one database: exactly one
edit is kept and the nineteen others are refused with 409, on SQLite and on PostgreSQL
(docs/operating.md, "Concurrent edits")."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from tests.cli.test_processes import STARTUP_SECONDS, free_port
from tests.conftest import DIALECTS, Templates, _load_demo_history, bearer_for

EDITORS = 20
REPLICAS = 2


@dataclass(frozen=True)
class Replicas:
    urls: list[str]
    headers: dict[str, str]

    def client(self, n: int) -> httpx.Client:
        return httpx.Client(base_url=self.urls[n % REPLICAS], headers=self.headers, timeout=60)


def _serve(settings: Settings, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSROOM_DATABASE_URL": settings.database_url}
    command = [sys.executable, "-m", "opsroom", "serve", "--no-worker", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _started(url: str, server: subprocess.Popen[bytes]) -> None:
    """Wait for the replica (on two busy cores, migrating the schema may take a while)."""
    deadline = time.monotonic() + STARTUP_SECONDS * 4
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        with contextlib.suppress(httpx.TransportError):
            httpx.get(f"{url}/api/v1/health", timeout=2)
            return
        time.sleep(0.2)
    raise AssertionError(f"{url} did not start")


@pytest.fixture(scope="module", params=DIALECTS)
def replicas(
    request: pytest.FixtureRequest,
    templates: Templates,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Replicas]:
    """Two replicas of one database holding the demo catalog and history."""
    folder = tmp_path_factory.mktemp("replicas")
    settings = templates.copy(request.param, folder, "demo_history", _load_demo_history)[0]
    bearer = bearer_for(settings, "lead@example.com", Role.ADMIN)
    ports = [free_port() for _ in range(REPLICAS)]
    servers = [_serve(settings, port) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, server in zip(urls, servers, strict=True):
            _started(url, server)
        yield Replicas(urls, {"Authorization": f"Bearer {bearer}"})
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=STARTUP_SECONDS)


def _all_at_once(replicas: Replicas, send: Callable[[httpx.Client, int], httpx.Response]) -> list:
    """Each editor sends `send(client, n)` through replica n % 2, all released together."""
    start = threading.Barrier(EDITORS)
    clients = [replicas.client(n) for n in range(EDITORS)]

    def edit(n: int) -> httpx.Response:
        clients[n].get("/api/v1/health")  # connected before the race starts
        start.wait()
        return send(clients[n], n)

    with ThreadPoolExecutor(EDITORS) as pool:
        answers = list(pool.map(edit, range(EDITORS)))
    for client in clients:
        client.close()
    return answers


def _first(replicas: Replicas, path: str) -> dict[str, Any]:
    with replicas.client(0) as client:
        listed = client.get(path).raise_for_status().json()
    items: list[dict[str, Any]] = listed["items"] if isinstance(listed, dict) else listed
    return items[0]


def _declared(replicas: Replicas) -> dict[str, Any]:
    service = _first(replicas, "/api/v1/services")["slug"]
    body = {"title": "Checkout slow", "impact": 3, "urgency": 3, "services": [service]}
    with replicas.client(0) as client:
        made: dict[str, Any] = client.post("/api/v1/incidents", json=body).raise_for_status().json()
    return made


def _read(replicas: Replicas, path: str) -> dict[str, Any]:
    with replicas.client(1) as client:
        read: dict[str, Any] = client.get(path).raise_for_status().json()
    return read


def _one_kept(answers: list[httpx.Response], refusal: str = "stale_version") -> httpx.Response:
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: 1, 409: EDITORS - 1}, [a.text for a in answers if a.status_code != 409]
    refused = next(a for a in answers if a.status_code == 409).json()["error"]
    assert refused["code"] == refusal
    return next(a for a in answers if a.status_code == 200)


SCHEDULE = {"slug": "primary", "name": "Primary on-call"}
POLICY = {
    "slug": "front",
    "name": "Front line",
    "levels": [{"targets": [{"kind": "schedule", "ref": "primary"}]}],
}


def _edited(replicas: Replicas) -> list[tuple[str, dict[str, Any]]]:
    """One record of each kind people edit under a version, and where it is edited."""
    with replicas.client(0) as client:
        schedule = client.post("/api/v1/schedules", json=SCHEDULE).raise_for_status().json()
        policy = client.post("/api/v1/escalation-policies", json=POLICY).raise_for_status().json()
    return [
        ("/api/v1/services/{slug}", _first(replicas, "/api/v1/services")),
        ("/api/v1/vendors/{slug}", _first(replicas, "/api/v1/vendors")),
        ("/api/v1/schedules/{slug}", schedule),
        ("/api/v1/escalation-policies/{slug}", policy),
    ]


def test_concurrent_edits_of_a_record_keep_exactly_one(replicas: Replicas) -> None:
    for at, record in _edited(replicas):
        path = at.format(slug=record["slug"])

        def rename(client: httpx.Client, n: int, path: str = path, v: int = record["version"]):
            return client.patch(path, json={"version": v, "name": f"Renamed by editor {n}"})

        kept = _one_kept(_all_at_once(replicas, rename))
        stored = _read(replicas, path)
        assert (stored["version"], stored["name"]) == (record["version"] + 1, kept.json()["name"])


def test_concurrent_incident_edits_and_acknowledgements_keep_exactly_one(
    replicas: Replicas,
) -> None:
    incident = _declared(replicas)
    path = f"/api/v1/incidents/{incident['key']}"

    def retitle(client: httpx.Client, n: int) -> httpx.Response:
        return client.patch(path, json={"version": incident["version"], "title": f"Slow {n}"})

    kept = _one_kept(_all_at_once(replicas, retitle))
    assert _read(replicas, path)["title"] == kept.json()["title"]

    acknowledging = _all_at_once(replicas, lambda c, n: c.post(f"{path}/acknowledge"))
    acknowledged = _one_kept(acknowledging, refusal="invalid_transition")
    stored = _read(replicas, path)
    assert (stored["status"], stored["version"]) == ("acknowledged", incident["version"] + 2)
    assert acknowledged.json()["acknowledged_at"] == stored["acknowledged_at"]
    with replicas.client(0) as client:
        timeline = client.get(f"{path}/timeline").json()
    moves = timeline["items"] if isinstance(timeline, dict) else timeline
    assert [e["kind"] for e in moves].count("acknowledge") == 1

"""Watched series taking points through the API: 10,000 series on SQLite, one point each.

A point is answered once it is scored by its series' detector (the state loaded from the
series and stored back) and committed; no worker is involved on this path. `opsroom serve
--no-worker` serves the application in its own process. Two ways in:

- all series in one request to POST /api/v1/series/points (the target's path);
- one request per series to POST /api/v1/series/<key>/points, from a few keep-alive
  connections at once as many reporters would (on the first --single series, each taking
  a second point), beside GET /api/v1/health through the same stack as the anchor.

Target: 10,000 series take one point each in <= 5 s.

    .venv/bin/python bench/anomalies.py [--series 10000] [--single 1000] [--connections 8]
"""

from __future__ import annotations

import argparse
import http.client
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from incident_list import free_port, listening
from opsroom.anomalies import schemas
from opsroom.anomalies import service as anomalies
from opsroom.auth import service as auth
from opsroom.auth.domain import Role
from opsroom.auth.schemas import TokenCreate, UserCreate
from opsroom.catalog import manifest
from opsroom.demo import DEMO_ACTOR, DEMO_CATALOG
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope

TARGET_SECONDS = 5.0
SERVICE = "notification-service"


def prepare(settings: Settings, count: int) -> str:
    """The demo catalog, `count` series on one service, and a responder's API token."""
    migrate.upgrade(settings)
    with session_scope(settings) as session:
        manifest.apply_text(session, actor=DEMO_ACTOR, text=DEMO_CATALOG.read_text())
        for n in range(count):
            data = schemas.SeriesCreate(key=f"bench-{n}", name=f"Bench {n}", service=SERVICE)
            anomalies.create_series(session, actor=DEMO_ACTOR, data=data)
        user = auth.create_user(
            session,
            actor=DEMO_ACTOR,
            data=UserCreate(
                email="bench@example.com",
                display_name="Bench",
                role=Role.RESPONDER,
                service_account=True,
            ),
        )
        scopes = sorted(auth.allowed_scopes(Role.RESPONDER))
        token, _ = auth.create_token(
            session,
            actor=auth.principal_for(session, user),
            data=TokenCreate(name="bench", scopes=scopes),
        )
    return token


def serve(settings: Settings, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`opsroom serve --no-worker` in its own process, as a replica beside workers runs."""
    port = free_port()
    command = [sys.executable, "-m", "opsroom", "serve", "--no-worker", "--port", str(port)]
    command += ["--no-access-log"]
    return listening(command, settings, workdir, port), port


def send(port: int, token: str, requests: list[tuple[str, str, bytes]]) -> list[int]:
    """The requests (method, path, body) one after another on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    statuses = []
    for method, path, body in requests:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
    return statuses


def timed(port: int, token: str, requests: list[tuple[str, str, bytes]], lanes: int) -> float:
    """Seconds for all requests spread over `lanes` connections; every one must be 2xx."""
    shares = [requests[lane::lanes] for lane in range(lanes)]
    started = time.perf_counter()
    with ThreadPoolExecutor(lanes) as pool:
        statuses = [s for share in pool.map(lambda r: send(port, token, r), shares) for s in share]
    elapsed = time.perf_counter() - started
    refused = [s for s in statuses if not 200 <= s < 300]
    if refused:
        raise RuntimeError(f"{len(refused)} requests refused, e.g. {refused[0]}")
    return elapsed


def _point(value: float) -> dict[str, object]:
    return {"timestamp": datetime.now(UTC).isoformat(), "value": value}


def one_request(count: int) -> list[tuple[str, str, bytes]]:
    batches = [{"series": f"bench-{n}", "points": [_point(42.0)]} for n in range(count)]
    return [("POST", "/api/v1/series/points", orjson.dumps({"batches": batches}))]


def point_requests(count: int) -> list[tuple[str, str, bytes]]:
    body = orjson.dumps({"points": [_point(43.0)]})
    return [("POST", f"/api/v1/series/bench-{n}/points", body) for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--single", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/bench.db")
        started = time.perf_counter()
        token = prepare(settings, args.series)
        print(f"{args.series:,} series watched in {time.perf_counter() - started:.1f} s")
        server, port = serve(settings, Path(folder))
        try:
            together = timed(port, token, one_request(args.series), 1)
            health = [("GET", "/api/v1/health", b"")] * args.single
            anchor = timed(port, token, health, args.connections)
            single = timed(port, token, point_requests(args.single), args.connections)
        finally:
            server.terminate()
            server.wait(timeout=30)
    verdict = "met" if together <= TARGET_SECONDS else "missed"
    print(
        f"one point each to {args.series:,} series in one request: {together:.2f} s "
        f"({args.series / together:,.0f} points/s; target <= {TARGET_SECONDS:.0f} s: {verdict})"
    )
    print(f"GET /api/v1/health x {args.single:,}: {anchor:.2f} s (anchor)")
    print(
        f"one point each to {args.single:,} series, a request each: {single:.2f} s "
        f"({args.single / single:,.0f} points/s, {single / anchor:.1f}x the anchor)"
    )


if __name__ == "__main__":
    main()

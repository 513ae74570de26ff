"""The long-running commands as a person starts them: `opsroom serve`, `opsroom worker`, and
the app factory under plain uvicorn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from opsroom.alerts import reports, schemas
from opsroom.alerts import service as alerts
from opsroom.infra import migrate
from opsroom.infra.config import PLACEHOLDER_SIGNING_SECRET, PLACEHOLDER_WARNING, Settings
from opsroom.infra.db import session_scope
from tests.conftest import ADMIN

STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _opsroom(*args: str, db: Path, **settings: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSROOM_DATABASE_URL": f"sqlite:///{db}", **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "opsroom", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for(url: str, process: subprocess.Popen[bytes]) -> httpx.Response:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, (
            process.stdout.read().decode() if process.stdout else "exited"
        )
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {STARTUP_SECONDS}s")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = _opsroom("serve", "--port", str(port), db=tmp_path / "opsroom.db")
    yield f"http://127.0.0.1:{port}", process
    process.send_signal(signal.SIGINT)
    process.wait(timeout=STARTUP_SECONDS)


def test_serve_migrates_an_empty_database_and_answers(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = server
    health = wait_for(f"{base}/api/v1/health", process).json()
    assert (health["status"], health["database"], health["schema_current"]) == (
        "ok",
        "sqlite",
        True,
    )
    assert httpx.get(f"{base}/api/v1/services").status_code == 401


def test_serve_logs_refused_ingest_requests_but_not_accepted_ones(
    server: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    base, process = server
    wait_for(f"{base}/api/v1/health", process)
    with session_scope(Settings(database_url=f"sqlite:///{tmp_path / 'opsroom.db'}")) as s:
        data = schemas.IntegrationCreate(slug="prom", name="Prometheus")
        key = alerts.create_integration(s, actor=ADMIN, data=data)[0]
    event = {"summary": "Disk full on db-1", "labels": {"alertname": "DiskFull"}}
    url = f"{base}/api/v1/ingest/events"
    # The first request with a key looks it up; the second finds it remembered.
    for query, sent_key, status in (("?via=test", key, 202), ("", key, 202), ("", "nope", 401)):
        sent = httpx.post(url + query, json=event, headers={"Authorization": f"Bearer {sent_key}"})
        assert sent.status_code == status
    process.send_signal(signal.SIGINT)
    process.wait(timeout=STARTUP_SECONDS)
    logged = process.stdout.read().decode() if process.stdout else ""
    assert '"GET /api/v1/health HTTP/1.1" 200' in logged
    assert '"POST /api/v1/ingest/events HTTP/1.1" 401' in logged
    assert '"POST /api/v1/ingest/events HTTP/1.1" 202' not in logged
    assert "via=test" not in logged


def test_serve_without_the_access_log_logs_no_request(tmp_path: Path) -> None:
    port = free_port()
    process = _opsroom("serve", "--port", str(port), "--no-access-log", db=tmp_path / "o.db")
    assert wait_for(f"http://127.0.0.1:{port}/api/v1/health", process).status_code == 200
    process.send_signal(signal.SIGINT)
    process.wait(timeout=STARTUP_SECONDS)
    logged = process.stdout.read().decode() if process.stdout else ""
    assert "Application startup complete" in logged
    assert "GET /api/v1/health" not in logged


def _stored_alerts(settings: Settings, process: subprocess.Popen[bytes]) -> int:
    """The alerts stored once the server's own worker has drained its intake (it is the only
    worker there is)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        with session_scope(settings, write=False) as s:
            found = len(reports.search(s, actor=ADMIN).items)
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"nothing was drained within {STARTUP_SECONDS}s")


def test_plain_uvicorn_serves_the_factory_as_opsroom_serve_does(tmp_path: Path) -> None:
    """`uvicorn --factory opsroom.runtime.app:create_app_with_worker`: settings from the environment
    (and a warning about them), ingest answered by the app's routes, accepted requests left
    out of the access log, the worker draining the intake in the server's process, and a
    clean stop."""
    db = tmp_path / "opsroom.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    migrate.upgrade(settings)  # `opsroom db upgrade`, which `opsroom serve` runs itself
    with session_scope(settings) as s:
        data = schemas.IntegrationCreate(slug="prom", name="Prometheus")
        key = alerts.create_integration(s, actor=ADMIN, data=data)[0]
    port = free_port()
    factory = ["uvicorn", "--factory", "opsroom.runtime.app:create_app_with_worker"]
    process = subprocess.Popen(
        [sys.executable, "-m", *factory, "--port", str(port)],
        env={
            **os.environ,
            "OPSROOM_DATABASE_URL": settings.database_url,
            "OPSROOM_SIGNING_SECRET": PLACEHOLDER_SIGNING_SECRET,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api/v1/ingest/events"
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v1/health", process)
        event = {"summary": "Disk full on db-1", "labels": {"alertname": "DiskFull"}}
        for sent_key, status in ((key, 202), (key, 202), ("nope", 401)):
            sent = httpx.post(url, json=event, headers={"Authorization": f"Bearer {sent_key}"})
            assert sent.status_code == status
            assert sent.headers["x-frame-options"] == "DENY"
        assert _stored_alerts(settings, process) == 1  # the second repeats the first
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STARTUP_SECONDS) == 0
    logged = process.stdout.read().decode() if process.stdout else ""
    assert f"warning: {PLACEHOLDER_WARNING}" in " ".join(logged.split())
    assert '"POST /api/v1/ingest/events HTTP/1.1" 401' in logged
    assert '"POST /api/v1/ingest/events HTTP/1.1" 202' not in logged
    assert "Application shutdown complete" in logged


def _printed_until(process: subprocess.Popen[bytes], text: str) -> str:
    """What the process printed up to the first line holding `text` (its handlers are set by
    then, however slowly a busy machine started it)."""
    assert process.stdout is not None
    lines: list[str] = []
    for line in iter(process.stdout.readline, b""):
        lines.append(line.decode())
        if text in lines[-1]:
            return "".join(lines)
    raise AssertionError(f"exited without printing {text!r}: {''.join(lines)}")


def test_worker_starts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    process = _opsroom("worker", "--poll", "0.2", db=tmp_path / "opsroom.db")
    started = _printed_until(process, "started for")
    assert "started for timers" in started and "incident.sla" in started
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=STARTUP_SECONDS) == 0
    output = process.stdout.read().decode() if process.stdout else ""
    assert "stopped" in output


def test_worker_warns_while_the_signing_secret_is_the_placeholder(tmp_path: Path) -> None:
    process = _opsroom(
        "worker", db=tmp_path / "opsroom.db", OPSROOM_SIGNING_SECRET=PLACEHOLDER_SIGNING_SECRET
    )
    try:
        printed = _printed_until(process, "started for")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=STARTUP_SECONDS)
    assert f"warning: {PLACEHOLDER_WARNING}" in " ".join(printed.split())

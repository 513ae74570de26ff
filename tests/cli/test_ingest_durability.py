"""Nothing answered 2xx is lost: `opsroom serve` is killed with SIGKILL while senders are
pushing alerts at it, and every alert it had acknowledged becomes a stored alert once the
intake is drained afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from opsroom.alerts import reports, schemas
from opsroom.alerts import service as alerts
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.intake_worker import drain
from tests import factories
from tests.cli.test_processes import STARTUP_SECONDS, free_port, wait_for
from tests.conftest import ADMIN

SENDERS = 4
KILL_AFTER = 40  # acknowledged alerts before the kill


def _serve(settings: Settings, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OPSROOM_DATABASE_URL": settings.database_url}
    command = [sys.executable, "-m", "opsroom", "serve", "--no-worker", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _integration_key(settings: Settings) -> str:
    with session_scope(settings) as s:
        factories.small_platform(s)
        data = schemas.IntegrationCreate(
            slug="load",
            name="Load",
            service="db",
            settings=schemas.IntegrationSettings(rate_limit_per_minute=100_000),
        )
        return alerts.create_integration(s, actor=ADMIN, data=data)[0]


class Senders:
    """Threads sending one new alert a request until the server stops answering; each keeps
    the fingerprints the server acknowledged with a 2xx."""

    def __init__(self, url: str, key: str) -> None:
        self.url, self.key = url, key
        self.acknowledged: list[str] = []
        self.enough = threading.Event()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._send, args=(n,)) for n in range(SENDERS)]

    def _send(self, sender: int) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        with httpx.Client(timeout=STARTUP_SECONDS, headers=headers) as client:
            for n in range(100_000):
                event = {"summary": "load", "labels": {"alertname": "Load", "n": f"{sender}-{n}"}}
                try:
                    response = client.post(f"{self.url}/api/v1/ingest/events", json=event)
                except httpx.TransportError:
                    return  # the server is gone
                if response.is_success:
                    with self.lock:
                        self.acknowledged.extend(response.json()["fingerprints"])
                        if len(self.acknowledged) >= KILL_AFTER:
                            self.enough.set()


def _stored_fingerprints(settings: Settings) -> set[str]:
    with session_scope(settings, write=False) as s:
        page = reports.search(s, actor=ADMIN, limit=500)
        found = {a.fingerprint for a in page.items}
        while page.next_cursor:
            page = reports.search(s, actor=ADMIN, limit=500, cursor=page.next_cursor)
            found |= {a.fingerprint for a in page.items}
        return found


def test_sigkill_during_load_loses_no_acknowledged_alert(
    settings: Settings, tmp_path: Path
) -> None:
    key = _integration_key(settings)
    port, log = free_port(), tmp_path / "serve.log"
    server = _serve(settings, port, log)
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/api/v1/health", server)

    senders = Senders(url, key)
    for thread in senders.threads:
        thread.start()
    assert senders.enough.wait(timeout=120), log.read_text()
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=STARTUP_SECONDS)
    for thread in senders.threads:
        thread.join(timeout=STARTUP_SECONDS)

    drain(settings, wait=True)  # what the worker of the next start would do first
    stored = _stored_fingerprints(settings)
    assert len(senders.acknowledged) >= KILL_AFTER
    assert set(senders.acknowledged) <= stored

    # The database is whole: a restarted server takes alerts again.
    restarted = _serve(settings, port, log)
    try:
        wait_for(f"{url}/api/v1/health", restarted)
        again = httpx.post(
            f"{url}/api/v1/ingest/events",
            json={"summary": "after restart", "labels": {"alertname": "Restarted"}},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert again.status_code == 202, again.text
    finally:
        restarted.send_signal(signal.SIGINT)
        restarted.wait(timeout=STARTUP_SECONDS)

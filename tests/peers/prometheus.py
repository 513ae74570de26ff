"""A real Prometheus (Debian's prometheus) on loopback for tests: a throw-away configuration
scraping itself every second and a throw-away data directory, on a free port."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import missing_peer
from tests.peers.alertmanager import free_port

BINARY = shutil.which("prometheus")
STARTUP_SECONDS = 30
CONFIG = """
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


@contextmanager
def running(workdir: Path) -> Iterator[str]:
    """Start Prometheus; yields its base URL once it has scraped itself; stops it after."""
    if BINARY is None:
        missing_peer("no Prometheus: apt-get install -y prometheus")
    port = free_port()
    (workdir / "prometheus.yml").write_text(CONFIG.format(port=port))
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_scraped(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=STARTUP_SECONDS)


def _wait_scraped(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            answer = httpx.get(f"{base}/api/v1/query", params={"query": "up"}, timeout=1).json()
            if answer["data"]["result"]:
                return
        except (httpx.TransportError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Prometheus did not scrape itself within {STARTUP_SECONDS}s")

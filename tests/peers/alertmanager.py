"""A real Prometheus Alertmanager (Debian's prometheus-alertmanager) on loopback, for tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import missing_peer

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
STARTUP_SECONDS = 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(workdir: Path, config: str) -> Iterator[str]:
    """Start Alertmanager with `config` (YAML); yields its base URL; stops it afterwards."""
    if BINARY is None:
        missing_peer("no prometheus-alertmanager: apt-get install -y prometheus-alertmanager")
    (workdir / "alertmanager.yml").write_text(config)
    port = free_port()
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=STARTUP_SECONDS)


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                process.stderr.read().decode() if process.stderr else "alertmanager exited"
            )
        try:
            if httpx.get(f"{base}/-/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"alertmanager did not become ready within {STARTUP_SECONDS}s")

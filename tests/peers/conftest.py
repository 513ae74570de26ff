"""A real opsroom server on a free loopback port (plain HTTP, or HTTPS with a throw-away
self-signed certificate), for real peers to talk to."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from opsroom.app import create_app
from opsroom.config import Settings

STARTUP_SECONDS = 15


def _serve(settings: Settings, scheme: str, **tls: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # With its worker, as `opsroom serve` runs: the intake is drained as requests arrive.
    config = uvicorn.Config(create_app(settings, worker=True), log_level="warning", **tls)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the opsroom test server did not start")
        time.sleep(0.05)
    yield f"{scheme}://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=STARTUP_SECONDS)
    sock.close()


@pytest.fixture
def opsroom_url(settings: Settings) -> Iterator[str]:
    yield from _serve(settings, "http")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (certificate, key), made with openssl."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def opsroom_https_url(settings: Settings, certificate: tuple[Path, Path]) -> Iterator[str]:
    cert, key = certificate
    yield from _serve(settings, "https", ssl_certfile=str(cert), ssl_keyfile=str(key))

"""A real opsroom server on a free loopback port (plain HTTP, or HTTPS with a throw-away
self-signed certificate), for real peers to talk to."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from opsroom.infra.config import Settings
from opsroom.runtime.app import create_app
from tests.conftest import missing_peer
from tests.servers import serving


def _serve(settings: Settings, **tls: Any) -> Iterator[str]:
    """As `opsroom serve` runs: with its worker (the intake is drained as requests arrive)."""
    app = create_app(settings, worker=True)
    with serving(app, **tls) as url:
        yield url


@pytest.fixture
def opsroom_url(settings: Settings) -> Iterator[str]:
    yield from _serve(settings)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (certificate, key), made with openssl."""
    if shutil.which("openssl") is None:
        missing_peer("no openssl to make a test certificate: apt-get install -y openssl")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def opsroom_https_url(settings: Settings, certificate: tuple[Path, Path]) -> Iterator[str]:
    cert, key = certificate
    yield from _serve(settings, ssl_certfile=str(cert), ssl_keyfile=str(key))

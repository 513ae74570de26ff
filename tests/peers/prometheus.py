"""A real Prometheus (Debian's prometheus) on loopback for tests: a throw-away configuration
and data directory on a free port, scraping itself and any targets every second; and a
small exporter whose counters a test drives, for it to scrape."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import bcrypt
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
      - targets: [{targets}]
"""


def _web_config(workdir: Path, username: str, password: str) -> list[str]:
    """Prometheus' own basic auth (`--web.config.file`): the user and a bcrypt hash of the
    password. Prometheus then does not scrape itself, which would need the password too."""
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    (workdir / "web.yml").write_text(f"basic_auth_users:\n  {username}: '{hashed}'\n")
    return [f"--web.config.file={workdir / 'web.yml'}"]


@contextmanager
def running(
    workdir: Path, *targets: str, basic_auth: tuple[str, str] | None = None
) -> Iterator[str]:
    """Start Prometheus scraping itself (unless it asks for `basic_auth`: user, password)
    and `targets` (host:port); yields its base URL once it has scraped them; stops it after."""
    if BINARY is None:
        missing_peer("no Prometheus: apt-get install -y prometheus")
    port = free_port()
    itself = () if basic_auth else (f"127.0.0.1:{port}",)
    scraped = ", ".join(f'"{t}"' for t in (*itself, *targets))
    (workdir / "prometheus.yml").write_text(CONFIG.format(targets=scraped))
    web = _web_config(workdir, *basic_auth) if basic_auth else []
    process = subprocess.Popen(
        [
            BINARY,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
            *web,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_scraped(base, len(itself) + len(targets), process, basic_auth)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=STARTUP_SECONDS)


def wait_scraped(
    base: str,
    targets: int,
    process: subprocess.Popen[bytes] | None = None,
    basic_auth: tuple[str, str] | None = None,
) -> None:
    """Until every target is up (scraped at least once)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            answer = httpx.get(
                f"{base}/api/v1/query", params={"query": "up == 1"}, timeout=1, auth=basic_auth
            )
            if len(answer.json()["data"]["result"]) == targets:
                return
        except (httpx.TransportError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Prometheus did not scrape its targets within {STARTUP_SECONDS}s")


class Exporter:
    """Counters in Prometheus' text format on a free loopback port (`target`), set by the test."""

    def __init__(self) -> None:
        self.counters: dict[str, float] = {}
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                # A name with labels (a histogram's bucket) is exported untyped.
                lines = [
                    f"{n} {v}\n" if "{" in n else f"# TYPE {n} counter\n{n} {v}\n"
                    for n, v in exporter.counters.items()
                ]
                body = "".join(lines).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.target = f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Exporter:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_for(
    base: str, promql: str, value: float, basic_auth: tuple[str, str] | None = None
) -> None:
    """Until Prometheus has scraped a sample that makes `promql` equal `value`."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        query = {"query": promql}
        answer = httpx.get(f"{base}/api/v1/query", params=query, timeout=1, auth=basic_auth).json()
        if [float(r["value"][1]) for r in answer["data"]["result"]] == [value]:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{promql} did not reach {value} within {STARTUP_SECONDS}s")


class BearerProxy:
    """A reverse proxy in front of a Prometheus that lets through only requests carrying
    `Authorization: Bearer <token>` (401 otherwise), as the proxies people put in front of
    Prometheus do; `seen` holds the Authorization header of every request."""

    def __init__(self, upstream: str, token: str) -> None:
        self.seen: list[str | None] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                given = self.headers.get("Authorization")
                proxy.seen.append(given)
                if given != f"Bearer {token}":
                    self._answer(401, b"Unauthorized\n", "text/plain")
                    return
                answer = httpx.get(f"{upstream}{self.path}", timeout=STARTUP_SECONDS)
                self._answer(answer.status_code, answer.content, answer.headers["content-type"])

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> BearerProxy:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

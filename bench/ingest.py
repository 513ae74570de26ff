"""Alert ingestion throughput: opsroom beside a real Prometheus Alertmanager.

Both run on loopback and receive the same alert streams (distinct label sets, so every alert
is new to both) from a raw asyncio HTTP/1.1 client with keep-alive connections: a client
that costs next to nothing per request, so the figures measure the servers. Alertmanager
takes alerts at POST /api/v2/alerts and keeps them in memory; opsroom takes the same alerts
as Alertmanager's webhook (version 4) at POST /api/v1/ingest/alertmanager, served by
`opsroom serve --no-worker --no-access-log` (SQLite in WAL mode), and answers 2xx once the
request is committed to its intake; an `opsroom worker` process beside it drains the intake
into alerts and incidents, as a busy installation runs them.

Each server gets 64 connections by default, as a storm from many senders would open: each
connection waits for its answer before it sends again, so with few connections a server
that answers only once its commit is durable sits idle between commits, and the figure
measures the client's concurrency rather than the server. Runs longer than about 11 s at
these rates empty the integration's rate-limit bucket (at most 100,000 requests a minute a
key), and the refused requests are counted apart.

Targets (opsroom's 2xx-committed alerts/s ÷ Alertmanager's alerts/s, in the same run):
  (a) one alert per request   >= 0.35x
  (b) 64-alert batches        >= 1.0x

Then the same alerts again, as Grafana alerting's webhook at POST /api/v1/ingest/webhook to
an integration whose webhook type (`grafana`, a JMESPath template) reads them: templated
ingest must stay within 2x of the built-in Alertmanager path in the same run, both answered
(2xx alerts/s) and drained (alerts/s into incidents): each ratio >= 0.5x.

    .venv/bin/python bench/ingest.py [--seconds 10] [--connections 64]

Beside the rates it prints each server's CPU time per alert (user + system, all threads, from
/proc): on a busy machine the rates move with what else runs, the CPU per alert much less.

After each scenario it waits for the worker to drain the intake and prints the drain
throughput (alerts processed into incidents per second, from the first request until the
intake is empty) and the lag (from the last 2xx until the intake is empty). At the end it
counts opsroom's stored alerts: every alert answered 2xx must be there.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

# The Alertmanager runner the peer tests use; bench scripts run from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.peers.alertmanager import running

from incident_list import free_port, listening
from opsroom.alerts import schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import fingerprint
from opsroom.catalog import manifest
from opsroom.demo import DEMO_ACTOR, DEMO_CATALOG
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope

TARGETS = {1: 0.35, 64: 1.0}
TEMPLATED_TARGET = 0.5  # templated ÷ built-in Alertmanager path: within 2x
ALERTMANAGER_CONFIG = "route:\n  receiver: discard\nreceivers:\n  - name: discard\n"
SERVICE = "search-api"
ALERT_NAMES = 20  # alert groups: each opens one incident, the rest of its alerts join it
STARTED = datetime.now(UTC).isoformat().replace("+00:00", "Z")
DRAIN_TIMEOUT = 900  # seconds
# Requests built before a run's clock starts, a second's worth at well above either server's
# rate: building one costs the client up to four times more for opsroom (the webhook carries
# each alert's fingerprint) than for Alertmanager, CPU the two servers would otherwise lose.
PREBUILT_PER_SECOND = {1: 20_000, 64: 1_500}


def start_server(settings: Settings, workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`opsroom serve --no-worker --no-access-log` in its own process, and its port."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "opsroom",
        "serve",
        "--no-worker",
        "--no-access-log",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return listening(command, settings, workdir, port), port


def start_worker(settings: Settings, workdir: Path) -> subprocess.Popen[bytes]:
    """`opsroom worker` in its own process: it drains the intake the server fills."""
    env = {**os.environ, "OPSROOM_DATABASE_URL": settings.database_url}
    command = [str(Path(sys.executable).with_name("opsroom")), "worker"]
    return subprocess.Popen(command, env=env, cwd=workdir, stderr=subprocess.DEVNULL)


def _labels(n: int, run: str) -> dict[str, str]:
    return {
        "alertname": f"BenchAlert{n % ALERT_NAMES}",
        "service": SERVICE,
        "severity": "warning",
        "instance": f"{run}-host-{n}",
        "cluster": "bench",
    }


def _alert(n: int, run: str) -> dict[str, object]:
    return {
        "labels": _labels(n, run),
        "annotations": {"summary": f"bench alert {n}"},
        "startsAt": STARTED,
        "generatorURL": "http://prometheus.bench/graph",
    }


def _webhook_alert(n: int, run: str) -> dict[str, object]:
    """The alert as Alertmanager's webhook carries it: firing, with its fingerprint."""
    alert = _alert(n, run)
    return {
        **alert,
        "status": "firing",
        "endsAt": "0001-01-01T00:00:00Z",
        "fingerprint": fingerprint(_labels(n, run)),
    }


def _request(host: str, path: str, body: bytes, key: str | None) -> bytes:
    auth = f"Authorization: Bearer {key}\r\n" if key else ""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"{auth}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def alertmanager_requests(host: str, batch: int, run: str) -> Iterator[bytes]:
    for first in itertools.count(0, batch):
        body = orjson.dumps([_alert(n, run) for n in range(first, first + batch)])
        yield _request(host, "/api/v2/alerts", body, None)


def opsroom_requests(host: str, batch: int, run: str, key: str) -> Iterator[bytes]:
    for first in itertools.count(0, batch):
        firing = [_webhook_alert(n, run) for n in range(first, first + batch)]
        body = orjson.dumps(
            {
                "version": "4",
                "status": "firing",
                "receiver": "opsroom",
                "groupKey": f"bench-{first}",
                "groupLabels": {},
                "commonLabels": {},
                "commonAnnotations": {},
                "externalURL": "http://alertmanager.bench",
                "truncatedAlerts": 0,
                "alerts": firing,
            }
        )
        yield _request(host, "/api/v1/ingest/alertmanager", body, key)


def grafana_requests(host: str, batch: int, run: str, key: str) -> Iterator[bytes]:
    """The same alerts as Grafana alerting's webhook sends them, for the templated path."""
    for first in itertools.count(0, batch):
        firing = [_webhook_alert(n, run) for n in range(first, first + batch)]
        body = orjson.dumps(
            {
                "receiver": "opsroom",
                "status": "firing",
                "orgId": 1,
                "alerts": [{**alert, "dashboardURL": "", "panelURL": ""} for alert in firing],
                "groupLabels": {},
                "commonLabels": {},
                "commonAnnotations": {},
                "externalURL": "http://grafana.bench/",
                "version": "1",
                "groupKey": f"bench-{first}",
                "truncatedAlerts": 0,
            }
        )
        yield _request(host, "/api/v1/ingest/webhook", body, key)


# --- the raw client -------------------------------------------------------------------------


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    if headers.get("transfer-encoding") == "chunked":
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            await reader.readexactly(size + 2)
        await reader.readuntil(b"\r\n")
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status


@dataclass
class Tally:
    accepted: int = 0  # alerts in requests answered 2xx
    refused: int = 0  # requests answered otherwise


async def _connection(
    port: int, requests: Iterator[bytes], batch: int, until: float, tally: Tally
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < until:
            writer.write(next(requests))
            if 200 <= await _response(reader) < 300:
                tally.accepted += batch
            else:
                tally.refused += 1
    finally:
        writer.close()


async def _drive(
    port: int, requests: Iterator[bytes], batch: int, seconds: float, connections: int
) -> tuple[Tally, float]:
    tally, start = Tally(), time.monotonic()
    until = start + seconds
    await asyncio.gather(
        *(_connection(port, requests, batch, until, tally) for _ in range(connections))
    )
    return tally, time.monotonic() - start


def drive(
    port: int, requests: Iterator[bytes], batch: int, seconds: float, connections: int
) -> tuple[Tally, float]:
    return asyncio.run(_drive(port, requests, batch, seconds, connections))


# --- the run --------------------------------------------------------------------------------


def _integration_keys(settings: Settings) -> dict[str, str]:
    """The keys of two integrations: one for Alertmanager's webhook, one reading Grafana's
    through its webhook type."""
    migrate.upgrade(settings)
    keys = {}
    with session_scope(settings) as session:
        manifest.apply_text(session, actor=DEMO_ACTOR, text=DEMO_CATALOG.read_text())
        for slug, webhook_type in (("bench", None), ("bench-grafana", "grafana")):
            data = schemas.IntegrationCreate(
                slug=slug,
                name=slug,
                service=SERVICE,
                settings=schemas.IntegrationSettings(
                    group_by=["alertname"],
                    grouping_window_minutes=60,
                    rate_limit_per_minute=100_000,
                    webhook_type=webhook_type,
                ),
            )
            keys[slug] = alerts.create_integration(session, actor=DEMO_ACTOR, data=data)[0]
    return keys


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"select count(*) from {table}").fetchone()[0])


def _drained(path: Path) -> float:
    """Wait until the intake is empty; when it was."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while _count(path, "alert_intake"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the intake was not drained within {DRAIN_TIMEOUT} s")
        time.sleep(0.02)
    return time.monotonic()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far, all its threads."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


def _listening_pid(port: int) -> int:
    """The Alertmanager process serving `port` (its command line names the port)."""
    listen = f"--web.listen-address=127.0.0.1:{port}".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if listen in cmdline.read_bytes().split(b"\0"):
                return int(cmdline.parent.name)
        except OSError:  # the process ended meanwhile
            continue
    raise RuntimeError(f"no Alertmanager process listens on port {port}")


@dataclass
class Measured:
    tally: Tally
    seconds: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.tally.accepted / self.seconds

    @property
    def cpu_us(self) -> float:
        """CPU time per alert answered 2xx, in microseconds."""
        return 1e6 * self.cpu_seconds / max(self.tally.accepted, 1)


def prebuilt(requests: Iterator[bytes], batch: int, seconds: float) -> Iterator[bytes]:
    """The requests, the first `seconds` worth of them built already; more as needed."""
    ready = list(itertools.islice(requests, int(PREBUILT_PER_SECOND[batch] * seconds)))
    return itertools.chain(ready, requests)


def measured(
    pid: int, port: int, requests: Iterator[bytes], batch: int, args: argparse.Namespace
) -> Measured:
    requests = prebuilt(requests, batch, args.seconds)
    cpu = _cpu_seconds(pid)
    tally, seconds = drive(port, requests, batch, args.seconds, args.connections)
    return Measured(tally, seconds, _cpu_seconds(pid) - cpu)


@dataclass
class Figures:
    am: Measured
    ours: Measured
    drain_rate: float
    lag: float

    @property
    def ratio(self) -> float:
        return self.ours.rate / self.am.rate


@dataclass
class Templated:
    """The templated path beside opsroom's built-in Alertmanager path, in the same run."""

    built_in: Measured
    templated: Measured
    drain_rate: float
    drain_ratio: float  # templated ÷ built-in drain rate

    @property
    def ratio(self) -> float:
        return self.templated.rate / self.built_in.rate


def _opsroom(
    args: argparse.Namespace, server: int, port: int, requests: Iterator[bytes], db: Path
) -> tuple[Measured, float, float]:
    """opsroom answering `requests`, then its worker draining them: what it answered, the
    drain rate (first request to empty intake) and the lag (last 2xx to empty intake)."""
    start = time.monotonic()
    ours = measured(server, port, requests, args.batch_size, args)
    drained = _drained(db)
    return ours, ours.tally.accepted / (drained - start), drained - (start + ours.seconds)


def _scenario(
    args: argparse.Namespace, am_port: int, server: int, port: int, keys: dict[str, str], db: Path
) -> tuple[Figures, Templated]:
    """The built-in path against Alertmanager, then the templated path against the built-in
    one."""
    batch, host = args.batch_size, f"127.0.0.1:{port}"
    am_requests = alertmanager_requests(f"127.0.0.1:{am_port}", batch, f"b{batch}")
    am = measured(_listening_pid(am_port), am_port, am_requests, batch, args)
    built_in = _opsroom(
        args, server, port, opsroom_requests(host, batch, f"b{batch}", keys["bench"]), db
    )
    templated = _opsroom(
        args, server, port, grafana_requests(host, batch, f"t{batch}", keys["bench-grafana"]), db
    )
    return (
        Figures(am, *built_in),
        Templated(built_in[0], templated[0], templated[1], templated[1] / built_in[1]),
    )


def _print(batch: int, target: float, f: Figures) -> None:
    verdict = "PASS" if f.ratio >= target else "MISS"
    refused = f"  ({f.ours.tally.refused} refused)" if f.ours.tally.refused else ""
    print(
        f"{f'{batch} alert(s) a request':24} {f.am.rate:8.0f} a/s {f.ours.rate:8.0f} a/s "
        f"{f.ratio:6.3f}x  {verdict} (>= {target}x) {f.drain_rate:8.0f} a/s {f.lag:7.1f} s"
        f"  {f.am.cpu_us:6.1f} / {f.ours.cpu_us:6.1f} µs{refused}"
    )


def _print_templated(batch: int, t: Templated) -> bool:
    """The templated path against the built-in one; whether both ratios meet the target."""
    ok = t.ratio >= TEMPLATED_TARGET and t.drain_ratio >= TEMPLATED_TARGET
    print(
        f"{f'{batch} alert(s), templated':24} {t.built_in.rate:8.0f} a/s "
        f"{t.templated.rate:8.0f} a/s {t.ratio:6.3f}x  drained {t.drain_rate:8.0f} a/s, "
        f"{t.drain_ratio:6.3f}x of the built-in  {'PASS' if ok else 'MISS'} "
        f"(>= {TEMPLATED_TARGET}x)  {t.built_in.cpu_us:6.1f} / {t.templated.cpu_us:6.1f} µs"
    )
    return ok


def run(args: argparse.Namespace, workdir: Path) -> bool:
    db = workdir / "opsroom.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    keys = _integration_keys(settings)
    server, port = start_server(settings, workdir)
    worker = start_worker(settings, workdir)
    print(f"opsroom server pid {server.pid}, worker pid {worker.pid}")
    accepted, ok = 0, True
    try:
        with running(workdir, ALERTMANAGER_CONFIG) as am_url:
            print(
                f"\n{'scenario':24} {'Alertmanager':>12} {'opsroom 2xx':>12} {'ratio':>7}  "
                f"{'verdict':18} {'drained':>12} {'lag':>9}  CPU a alert (AM / opsroom)"
            )
            for batch in args.batch or TARGETS:
                args.batch_size = batch
                figures, templated = _scenario(args, _port(am_url), server.pid, port, keys, db)
                accepted += figures.ours.tally.accepted + templated.templated.tally.accepted
                ok &= figures.ratio >= TARGETS[batch]
                _print(batch, TARGETS[batch], figures)
                ok &= _print_templated(batch, templated)
    finally:
        for process in (server, worker):
            process.terminate()
            process.wait()
    stored = _count(db, "alerts")
    durable = stored >= accepted
    print(
        f"\n{accepted} alerts answered 2xx by opsroom, {stored} stored: "
        + ("none lost" if durable else f"{accepted - stored} LOST")
    )
    print(
        f"({args.connections} keep-alive connections per server, {args.seconds:.0f} s a scenario;"
    )
    print(" drained: alerts processed into incidents per second, first request to empty intake;")
    print(" lag: last 2xx to empty intake; templated: opsroom's Alertmanager path beside its")
    print(" Grafana webhook read by a template, answered and drained)")
    return ok and durable


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--batch",
        type=int,
        choices=sorted(TARGETS),
        action="append",
        help="run only this scenario (alerts a request); repeatable",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="opsroom-bench-") as workdir:
        sys.exit(0 if run(args, Path(workdir)) else 1)


if __name__ == "__main__":
    main()

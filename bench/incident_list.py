"""Incident list and incident page latency with 100,000 incidents in SQLite.

Targets: the filtered list endpoint's p99 <= 25 ms and the incident page's p99 <= 50 ms,
measured through the real HTTP stack (uvicorn serving the application in a separate process,
one keep-alive client sending requests one after another). The anchor, measured in the same
run, is GET /api/v1/health: the cheapest route through the same stack.

    .venv/bin/python bench/incident_list.py [--incidents 100000] [--requests 2000] [--db PATH]

With --db the generated database is kept (and reused on the next run, after migrating it).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from opsroom.audit.models import TimelineEvent
from opsroom.auth import service as auth
from opsroom.auth.domain import Role
from opsroom.auth.schemas import TokenCreate, UserCreate
from opsroom.catalog import manifest
from opsroom.catalog import service as catalog
from opsroom.demo import DEMO_ACTOR, DEMO_CATALOG
from opsroom.demo.incidents import TROUBLES
from opsroom.incidents.domain import DEFAULT_POLICY, Priority, Status
from opsroom.incidents.models import (
    Incident,
    IncidentParticipant,
    IncidentRole,
    IncidentService,
    StatusUpdate,
    durations,
)
from opsroom.infra import keys, migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import NotFound
from opsroom.runtime import wiring

LIST_TARGET_MS = 25.0
PAGE_TARGET_MS = 50.0
BATCH = 5_000
HISTORY = timedelta(days=730)
PRIORITY_MIX = {Priority.P1: 1, Priority.P2: 5, Priority.P3: 30, Priority.P4: 40, Priority.P5: 24}
RESPONDERS = [f"responder{n}@example.com" for n in range(1, 41)]
ADMIN_EMAIL = "bench-admin@example.com"
ADMIN_PASSWORD = "bench-password-2026"  # a throw-away database, deleted after the run
SEARCH_WORD = "backlog"
GENERIC_TITLES = ("{} error rate above 5%", "{} latency above target", "{} unavailable in one zone")
MINUTE = timedelta(minutes=1)
NOTE = "Checked recent changes and the dashboards."


# --- the data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFacts:
    slug: str
    name: str
    owner: str
    platform: str
    tier: int


def _services(session: Session) -> list[ServiceFacts]:
    page = catalog.list_services(session, limit=500)
    return [
        ServiceFacts(s.slug, s.name, s.owner.slug, s.platform.slug, s.tier)
        for s in page.items
        if s.lifecycle != "planned"
    ]


def _titles(services: Sequence[ServiceFacts]) -> dict[str, list[str]]:
    """Titles people gave incidents on each service, and a few generic ones."""
    titles = {s.slug: [t.format(s.name) for t in GENERIC_TITLES] for s in services}
    for trouble in TROUBLES:
        for slug in trouble.services:
            titles.get(slug, []).extend([trouble.title] * 2)
    return titles


def _timestamps(
    rng: random.Random, p: Priority, detected: datetime, status: Status
) -> dict[str, Any]:
    """Acknowledged, mitigated, resolved and closed times that fit the status, in order."""
    scale = {1: 1, 2: 2, 3: 12, 4: 48, 5: 120}[int(p)]
    acked = detected + MINUTE * rng.uniform(2, 30) * scale
    resolved = acked + MINUTE * rng.uniform(20, 200) * scale
    stamps: dict[str, Any] = {
        "impact_started_at": detected - MINUTE * rng.uniform(1, 20) if rng.random() < 0.4 else None,
        "acknowledged_at": acked if status is not Status.TRIGGERED else None,
        "mitigated_at": acked + (resolved - acked) / 2 if status is not Status.TRIGGERED else None,
        "resolved_at": resolved if status in (Status.RESOLVED, Status.CLOSED) else None,
        "closed_at": resolved + timedelta(days=rng.uniform(1, 5))
        if status is Status.CLOSED
        else None,
    }
    if status is Status.ACKNOWLEDGED:
        stamps["mitigated_at"] = None
    return stamps


def _status(rng: random.Random, p: Priority, age: timedelta) -> Status:
    """Mostly closed; open ones are recent (majors within a day), with a few stale low ones."""
    fresh = timedelta(days=1) if p <= Priority.P2 else timedelta(days=3)
    open_share = 0.6 if age < fresh else 0.1 if age < timedelta(days=30) else 0.003
    if p <= Priority.P2 and age >= fresh:
        open_share = 0.0
    if rng.random() < open_share:
        return rng.choice([Status.TRIGGERED, Status.ACKNOWLEDGED, Status.MITIGATED])
    if age < timedelta(days=7) and rng.random() < 0.5:
        return Status.RESOLVED
    return Status.CANCELLED if rng.random() < 0.03 else Status.CLOSED


@dataclass(frozen=True)
class Generator:
    rng: random.Random
    now: datetime
    services: list[ServiceFacts]
    titles: dict[str, list[str]]
    levels: dict[Priority, list[tuple[int, int]]]

    def incident(
        self, number: int, detected: datetime
    ) -> tuple[dict[str, Any], list[ServiceFacts]]:
        rng = self.rng
        p = rng.choices(list(PRIORITY_MIX), weights=list(PRIORITY_MIX.values()))[0]
        status = _status(rng, p, self.now - detected)
        affected = rng.sample(self.services, rng.choices([1, 2, 3], weights=[80, 15, 5])[0])
        impact, urgency = rng.choice(self.levels[p])
        stamps = _timestamps(rng, p, detected, status)
        last = max(v for v in (detected, *stamps.values()) if v is not None)
        return {
            "id": number,
            "number": number,
            "title": rng.choice(self.titles[affected[0].slug]),
            "description": f"Reported by {affected[0].owner} on-call after alerts on {affected[0].name}.",
            "platform_slug": affected[0].platform,
            "status": status.value,
            "impact": impact,
            "urgency": urgency,
            "priority": int(p),
            "priority_reason": "",
            "major": p <= Priority.P2,
            "bridge_url": "",
            "source": "manual",
            "duplicate_of_number": None,
            "reopen_count": 0,
            "detected_at": detected,
            **stamps,
            "last_update_at": None,
            "update_overdue_since": None,
            "response_breached": False,
            "resolution_breached": False,
            "declared_by": rng.choice(RESPONDERS),
            "version": rng.randint(3, 7),
            "created_at": detected,
            "updated_at": last,
            **durations({"detected_at": detected, **stamps}),
        }, affected


def _children(
    row: dict[str, Any], affected: list[ServiceFacts], rng: random.Random
) -> dict[Table, list[dict[str, Any]]]:
    """Affected services, participants, the commander of a major incident, its updates and
    the timeline, as declaring and working the incident would have left them."""
    iid, at = row["id"], row["detected_at"]
    squads = list(dict.fromkeys(s.owner for s in affected))
    rows: dict[Table, list[dict[str, Any]]] = {
        _t(IncidentService): [
            {"incident_id": iid, "service_slug": s.slug, "owner_squad": s.owner} for s in affected
        ],
        _t(IncidentParticipant): [
            {"incident_id": iid, "kind": "squad", "ref": s, "joined_at": at} for s in squads
        ],
        _t(IncidentRole): [],
        _t(StatusUpdate): [],
        _t(TimelineEvent): _timeline(row, rng),
    }
    if row["major"]:
        _major_children(rows, row, rng)
    return rows


def _timeline(row: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Declared, each step the status shows it went through, and a few notes."""
    key, by, at = f"INC-{row['number']}", row["declared_by"], row["detected_at"]
    events = [_event(key, at, by, "declared", f"Declared P{row['priority']}: {row['title']}")]
    for step in ("acknowledged", "mitigated", "resolved", "closed"):
        if row[f"{step}_at"] is not None:
            events.append(_event(key, row[f"{step}_at"], by, step, step.capitalize()))
    for _ in range(rng.randint(0, 3)):
        note_at = at + MINUTE * rng.uniform(5, 60)
        events.append(_event(key, note_at, rng.choice(RESPONDERS), "note", NOTE))
    return events


def _major_children(
    rows: dict[Table, list[dict[str, Any]]], row: dict[str, Any], rng: random.Random
) -> None:
    iid, at, commander = row["id"], row["detected_at"], rng.choice(RESPONDERS)
    rows[_t(IncidentRole)].append(
        {"incident_id": iid, "role": "commander", "person": commander, "assigned_at": at}
    )
    rows[_t(IncidentParticipant)].append(
        {"incident_id": iid, "kind": "person", "ref": commander, "joined_at": at}
    )
    for n, audience in enumerate(("internal", "customer", "internal")):
        rows[_t(StatusUpdate)].append(
            {
                "incident_id": iid,
                "at": at + MINUTE * 10 * (n + 1),
                "author": commander,
                "audience": audience,
                "body": "Investigating; next update in 30 minutes.",
            }
        )


def _event(key: str, at: datetime, actor: str, kind: str, text: str) -> dict[str, Any]:
    return {
        "subject_type": "incident",
        "subject_key": key,
        "at": at,
        "actor": actor,
        "kind": kind,
        "text": text,
        "data": None,
    }


def _t(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _detection_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    return sorted(now - HISTORY * rng.random() for _ in range(count))


def _batches(gen: Generator, count: int) -> Iterator[dict[Table, list[dict[str, Any]]]]:
    times = _detection_times(gen.rng, gen.now, count)
    for start in range(0, count, BATCH):
        batch: dict[Table, list[dict[str, Any]]] = {_t(Incident): []}
        for number in range(start + 1, min(start + BATCH, count) + 1):
            row, affected = gen.incident(number, times[number - 1])
            batch[_t(Incident)].append(row)
            for table, rows in _children(row, affected, gen.rng).items():
                batch.setdefault(table, []).extend(rows)
        yield batch


def generate(settings: Settings, count: int, rng: random.Random) -> None:
    """Write `count` incidents straight into the tables, in batches (Core executemany)."""
    with session_scope(settings) as session:
        levels: dict[Priority, list[tuple[int, int]]] = {}
        for pair, p in sorted(DEFAULT_POLICY.matrix.items()):
            levels.setdefault(p, []).append(pair)
        services = _services(session)
        gen = Generator(rng, datetime.now(UTC), services, _titles(services), levels)
        for batch in _batches(gen, count):
            for table, rows in batch.items():
                if rows:
                    session.execute(insert(table), rows)
        session.execute(insert(_t(keys.KeySequence)), [{"prefix": "INC", "last": count}])


# --- the server and the client --------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    token: str
    cookie: str


def prepare(settings: Settings) -> Access:
    """The demo catalog and an administrator with an API token and a browser session."""
    with session_scope(settings) as session:
        if not catalog.list_platforms(session):
            manifest.apply_text(session, actor=DEMO_ACTOR, text=DEMO_CATALOG.read_text())
        try:
            user = auth.get_user(session, ADMIN_EMAIL)
        except NotFound:
            data = UserCreate(
                email=ADMIN_EMAIL, display_name="Bench", role=Role.ADMIN, password=ADMIN_PASSWORD
            )
            user = auth.create_user(session, actor=DEMO_ACTOR, data=data)
        owner = auth.principal_for(session, user)
        token, _ = auth.create_token(
            session,
            actor=owner,
            data=TokenCreate(name="bench", scopes=sorted(auth.allowed_scopes(Role.ADMIN))),
        )
        cookie, _ = auth.start_session(session, user=user, address="127.0.0.1")
    return Access(token, cookie)


def incident_count(settings: Settings) -> int:
    with session_scope(settings, write=False) as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def serve(
    settings: Settings, workdir: Path, app: str = "opsroom.runtime.app:create_app"
) -> tuple[subprocess.Popen[bytes], int]:
    """uvicorn serving the app factory `app` (by default create_app(), no worker) in its own
    process, as `opsroom serve` would; factories in bench/ can be named too."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return listening(command, settings, workdir, port), port


def listening(
    command: list[str], settings: Settings, workdir: Path, port: int
) -> subprocess.Popen[bytes]:
    """`command` started on `settings`' database, once it accepts connections on `port`."""
    bench = Path(__file__).resolve().parent
    env = {
        **os.environ,
        "OPSROOM_DATABASE_URL": settings.database_url,
        "PYTHONPATH": os.pathsep.join([str(bench), str(bench.parent)]),
    }
    server = subprocess.Popen(command, env=env, cwd=workdir)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start within 30 s")


class Client:
    """One keep-alive HTTP/1.1 connection; each request's wall time in milliseconds."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = headers

    def status(self, path: str) -> int:
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def timed(self, path: str) -> float:
        start = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path} answered {response.status}")
        return elapsed


# --- measuring and reporting ------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    paths: list[str]
    target_ms: float | None
    cookie: bool = False


@dataclass(frozen=True)
class Figures:
    p50: float
    p90: float
    p99: float
    max: float


def figures(samples: list[float]) -> Figures:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Figures(cuts[49], cuts[89], cuts[98], max(samples))


def measure(client: Client, paths: list[str], warmup: int) -> Figures:
    for path in paths[:warmup]:
        client.timed(path)
    return figures([client.timed(path) for path in paths[warmup:]])


def scenarios(
    rng: random.Random, count: int, requests: int, tier1: str, page: bool
) -> list[Scenario]:
    def many(make: Any) -> list[str]:
        return [make() for _ in range(requests)]

    def key() -> str:
        return f"INC-{rng.randint(1, count)}"

    found = [
        Scenario("health (anchor)", many(lambda: "/api/v1/health"), None),
        Scenario(
            "list open=true&priority=1",
            many(lambda: "/api/v1/incidents?open=true&priority=1"),
            LIST_TARGET_MS,
        ),
        Scenario(
            f"list service={tier1}",
            many(lambda: f"/api/v1/incidents?service={tier1}&limit=50"),
            LIST_TARGET_MS,
        ),
        Scenario(
            f"list q={SEARCH_WORD}",
            many(lambda: f"/api/v1/incidents?q={SEARCH_WORD}&limit=50"),
            LIST_TARGET_MS,
        ),
        Scenario(
            "list q=<no match> (worst case)",
            many(lambda: "/api/v1/incidents?q=zyxwv&limit=50"),
            LIST_TARGET_MS,
        ),
        Scenario("incident read (API)", many(lambda: f"/api/v1/incidents/{key()}"), PAGE_TARGET_MS),
    ]
    if page:
        found.append(
            Scenario(
                "incident page (HTML)",
                many(lambda: f"/incidents/{key()}"),
                PAGE_TARGET_MS,
                cookie=True,
            )
        )
    return found


def report(results: list[tuple[Scenario, Figures]]) -> None:
    anchor = results[0][1].p99
    print(
        f"\n{'scenario':40} {'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}  {'p99/anchor':>10}  verdict"
    )
    for scenario, f in results:
        verdict = (
            ""
            if scenario.target_ms is None
            else ("PASS" if f.p99 <= scenario.target_ms else "MISS")
            + f" (p99 <= {scenario.target_ms:.0f} ms)"
        )
        print(
            f"{scenario.name:40} {f.p50:7.2f} {f.p90:7.2f} {f.p99:7.2f} {f.max:7.2f}  {f.p99 / anchor:10.1f}  {verdict}"
        )
    print("(milliseconds, one keep-alive connection, requests one after another)")


# --- the run ----------------------------------------------------------------------------------


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument(
        "--requests", type=int, default=2_000, help="measured requests per scenario"
    )
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--db", type=Path, help="keep the database here (reused when present)")
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def _database(args: argparse.Namespace, workdir: Path) -> Settings:
    path = args.db.resolve() if args.db else workdir / "bench.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate.upgrade(settings)
    return settings


def _tier1_service(settings: Settings) -> str:
    with session_scope(settings, write=False) as session:
        return next(s.slug for s in _services(session) if s.tier == 1)


def _headers(access: Access, scenario: Scenario) -> dict[str, str]:
    if scenario.cookie:
        return {"Cookie": f"opsroom_session={access.cookie}"}
    return {"Authorization": f"Bearer {access.token}"}


def measure_all(
    port: int, access: Access, chosen: list[Scenario], warmup: int
) -> list[tuple[Scenario, Figures]]:
    """Each scenario on a fresh keep-alive connection (an idle one may have been closed)."""
    return [(s, measure(Client(port, _headers(access, s)), s.paths, warmup)) for s in chosen]


def _page_served(port: int, access: Access) -> bool:
    browser = Client(port, {"Cookie": f"opsroom_session={access.cookie}"})
    if browser.status("/incidents/INC-1") == 200:
        return True
    print("the incident page is not served: measuring the API read only")
    return False


def run(args: argparse.Namespace, workdir: Path) -> None:
    rng = random.Random(args.seed)
    settings = _database(args, workdir)
    access = prepare(settings)
    if incident_count(settings) == 0:
        started = time.perf_counter()
        generate(settings, args.incidents, rng)
        print(f"generated {args.incidents:,} incidents in {time.perf_counter() - started:.1f} s")
    count, tier1 = incident_count(settings), _tier1_service(settings)
    server, port = serve(settings, workdir)
    print(f"server: pid {server.pid}, http://127.0.0.1:{port} (py-spy record -p {server.pid})")
    try:
        page = _page_served(port, access)
        chosen = scenarios(rng, count, args.requests + args.warmup, tier1, page)
        results = measure_all(port, access, chosen, args.warmup)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"{count:,} incidents in SQLite; {args.requests:,} requests per scenario, after {args.warmup} to warm up"
    )
    report(results)


def main() -> None:
    wiring.install()
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="opsroom-bench-") as workdir:
        run(args, Path(workdir))


if __name__ == "__main__":
    main()

"""The durable intake: accepted requests are kept as they arrive and drained per integration
in order of arrival, each exactly once, also by two workers at once; refused requests keep
nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from opsroom.alerts import intake, reports, schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import IncomingAlert
from opsroom.alerts.write_gate import WriteGate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import RateLimited, Unauthenticated
from opsroom.runtime.intake_worker import drain, run_forever
from tests import factories
from tests.conftest import ADMIN
from tests.service.alerts.conftest import alert, integration, resolved

ROUNDS = 6  # firing, resolved, firing ... for every alert
NAMES = 5


def pending(target: Any, *batch: IncomingAlert) -> alerts.Pending:
    body = b'{"from": "test"}'
    return alerts.Pending(target.id, target.key_hash, "events", alerts.encode(batch), body)


def keep(settings: Settings, *requests: alerts.Pending) -> list[object]:
    with session_scope(settings) as s:
        return list(alerts.accept(s.connection(), requests))


def setup(settings: Settings, *slugs: str) -> list[Any]:
    with session_scope(settings) as s:
        factories.small_platform(s)
        return [integration(s, slug, rate_limit_per_minute=100_000) for slug in slugs]


def stored(settings: Settings) -> tuple[list[Any], int, int]:
    """(alerts, raw payloads, requests still waiting)."""
    with session_scope(settings) as s:
        found = list(reports.search(s, actor=ADMIN, limit=500).items)
        return found, alerts.raw_payload_count(s), alerts.intake_waiting(s)


def test_accepted_requests_wait_until_drained_then_are_processed_in_order(
    settings: Settings,
) -> None:
    (prom,) = setup(settings, "prom")
    for step in (alert("Disk"), resolved("Disk"), alert("Disk"), alert("Disk")):
        assert keep(settings, pending(prom, step)) == [None]
    assert stored(settings) == ([], 0, 4)

    assert drain(settings) == 4
    found, raw, waiting = stored(settings)
    assert (raw, waiting) == (4, 0)
    # in order: the first firing resolved, then a new one that repeated once
    assert sorted((a.status, a.count) for a in found) == [("firing", 2), ("resolved", 1)]
    assert drain(settings) == 0


def test_refused_requests_keep_nothing_and_spare_the_rest_of_the_commit(
    settings: Settings,
) -> None:
    prom, limited = setup(settings, "prom", "limited")
    with session_scope(settings) as s:
        alerts.update_integration(
            s,
            actor=ADMIN,
            slug="limited",
            data=schemas.IntegrationUpdate(
                version=1, settings=schemas.IntegrationSettings(rate_limit_per_minute=1)
            ),
        )
    with session_scope(settings) as s:
        alerts.rotate_key(s, actor=ADMIN, slug="prom")
    stale = pending(prom, alert("Stale"))  # carries the key hash from before the rotation
    outcomes = keep(
        settings,
        stale,
        pending(limited, alert("First")),
        pending(limited, alert("Second")),
    )
    assert [type(o) for o in outcomes] == [Unauthenticated, type(None), RateLimited]
    drain(settings)
    found, raw, waiting = stored(settings)
    assert ([a.summary for a in found], raw, waiting) == (["First"], 1, 0)


def test_a_commit_keeps_concurrent_requests_of_one_integration_in_order(
    settings: Settings,
) -> None:
    (prom,) = setup(settings, "prom")
    keep(settings, pending(prom, alert("Disk")), pending(prom, resolved("Disk")))
    drain(settings)
    (only,), _, _ = stored(settings)
    assert (only.status, only.count) == ("resolved", 1)


def _send_rounds(settings: Settings, targets: list[Any]) -> None:
    for round_ in range(ROUNDS):
        for target in targets:
            for n in range(NAMES):
                name = f"Alert{n}"
                step = alert(name) if round_ % 2 == 0 else resolved(name)
                keep(settings, pending(target, step))


def test_two_workers_drain_every_request_once_and_in_order(settings: Settings) -> None:
    """Two drainers as `opsroom worker` runs them (a failed batch rolls back and is tried
    again), while requests keep arriving."""
    targets = setup(settings, "prom", "edge", "ci")
    stop = threading.Event()
    sender = threading.Thread(target=_send_rounds, args=(settings, targets))
    workers = [
        threading.Thread(target=run_forever, args=(settings, stop), kwargs={"poll_seconds": 0.01})
        for _ in range(2)
    ]
    for thread in (sender, *workers):
        thread.start()
    sender.join(timeout=300)
    drain(settings, wait=True)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)

    found, raw, waiting = stored(settings)
    requests = ROUNDS * len(targets) * NAMES
    assert (raw, waiting) == (requests, 0)  # each request drained exactly once
    # Out of order, a resolve would come before its firing and leave an alert firing;
    # twice, a firing would count 2 or open an extra alert.
    per_alert = Counter((a.integration.slug, a.fingerprint) for a in found)
    assert set(per_alert.values()) == {ROUNDS // 2}
    assert len(per_alert) == len(targets) * NAMES
    assert {(a.status, a.count) for a in found} == {("resolved", 1)}


def as_received(target: Any, body: bytes) -> alerts.Pending:
    """A request the endpoint checked and kept as received, to be parsed when drained."""
    return alerts.Pending(target.id, target.key_hash, "events", None, body)


def test_requests_kept_as_received_are_parsed_when_drained(settings: Settings) -> None:
    (prom,) = setup(settings, "prom")
    firing = b'{"summary": "Disk full", "labels": {"alertname": "Disk", "host": "db-1"}}'
    keep(settings, as_received(prom, firing), as_received(prom, b"[" + firing + b"]"))
    assert stored(settings)[1:] == (0, 2)
    drain(settings)
    (disk,), raw, waiting = stored(settings)
    assert (disk.summary, disk.labels["host"], disk.count, raw, waiting) == (
        "Disk full",
        "db-1",
        2,
        2,
        0,
    )


def test_a_kept_body_that_no_longer_parses_is_kept_raw_and_holds_nothing_up(
    settings: Settings,
) -> None:
    """Accepted by an earlier version whose checks were looser: its alerts are lost to
    parsing, its body is not, and the requests after it are drained as usual."""
    (prom,) = setup(settings, "prom")
    keep(settings, as_received(prom, b'{"labels": {}}'), pending(prom, alert("Disk")))
    drain(settings)
    found, raw, waiting = stored(settings)
    assert ([a.summary for a in found], raw, waiting) == (["Disk"], 2, 0)


def test_ingest_takes_the_same_path_and_answers_with_the_outcome(platform: Session) -> None:
    prom = integration(platform)
    result = alerts.ingest(
        platform,
        integration=prom,
        alerts=[alert("Disk"), alert("Disk")],
        source="events",
        body=b"[]",
    )
    assert (result.received, result.created, result.deduplicated) == (2, 1, 1)
    assert alerts.intake_waiting(platform) == 0


# --- the write gate between the intake and the drainer (SQLite) -------------------------------


def _in_turn(
    enter: Callable[[], AbstractContextManager[None]], order: list[str], what: str
) -> None:
    with enter():
        order.append(what)


def test_across_processes_an_intake_commit_waits_for_the_drain_in_progress(
    tmp_path: Path,
) -> None:
    """`serve --no-worker` and `opsroom worker` each have their own gate: the file lock
    beside the database is what keeps them apart (each gate opens the file on its own)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gate.db'}")
    server, worker = WriteGate(), WriteGate()
    order: list[str] = []
    committing = threading.Thread(
        target=_in_turn, args=(lambda: server.intake(settings), order, "intake")
    )
    with worker.drain(settings):
        committing.start()
        committing.join(timeout=0.5)  # time enough to get in, were the gate open
        order.append("drain")
    committing.join(timeout=30)
    assert order == ["drain", "intake"]
    assert (tmp_path / "gate.db-intake.lock").exists()


def test_a_drain_takes_its_turn_even_when_the_intake_never_lets_go(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gate.db'}")
    server, worker = WriteGate(), WriteGate()
    order: list[str] = []
    with server.intake(settings):
        draining = threading.Thread(
            target=_in_turn, args=(lambda: worker.drain(settings), order, "drain")
        )
        draining.start()
        draining.join(timeout=30)
        order.append("intake")
    assert order == ["drain", "intake"]


def test_while_requests_keep_arriving_the_drain_leaves_the_intake_the_next_turn(
    tmp_path: Path,
) -> None:
    """The drainer saw requests arrive since its last transaction: it pauses before taking
    the write lock, and an intake commit arriving meanwhile goes first."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'gate.db'}")
    server, worker = WriteGate(), WriteGate()
    order: list[str] = []
    started = threading.Event()

    def drain_after_arrivals() -> None:
        started.set()
        _in_turn(lambda: worker.drain(settings, arriving=True), order, "drain")

    draining = threading.Thread(target=drain_after_arrivals)
    draining.start()
    started.wait(timeout=30)
    _in_turn(lambda: server.intake(settings), order, "intake")
    draining.join(timeout=30)
    assert order == ["intake", "drain"]


def test_newest_names_the_latest_request_waiting(settings: Settings) -> None:
    (prom,) = setup(settings, "prom")
    with session_scope(settings) as s:
        assert intake.newest(s) == 0
    keep(settings, pending(prom, alert("Disk")), pending(prom, alert("Cpu")))
    with session_scope(settings) as s:
        first = intake.newest(s)
    keep(settings, pending(prom, alert("Disk")))
    with session_scope(settings) as s:
        assert intake.newest(s) > first > 0

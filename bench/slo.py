"""1,000 incident-based SLOs (one per service) over 30 days of incidents, in SQLite: every
budget and burn rate recomputed, as the SLO list and the burn-rate evaluation do.

Target: all of them <= 2 s, and within 2x of the anchor: one hand-written SQL aggregate
over the same database in the same run (each service's impact minutes in the window,
overlaps not merged, so it does less than opsroom does).

    .venv/bin/python bench/slo.py [--slos 1000] [--incidents 20000] [--db PATH]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from opsroom.auth.domain import Principal, Role
from opsroom.incidents.models import Incident, IncidentService
from opsroom.infra import clock, keys, migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime import wiring
from opsroom.slos import service as slos
from opsroom.slos.models import Slo

TARGET_S = 2.0
ANCHOR_RATIO_TARGET = 2.0
RUNS = 3
READER = Principal(name="bench", role=Role.VIEWER, via="cli")
ANCHOR = """
SELECT s.service_slug, sum(
  (julianday(min(coalesce(i.mitigated_at, i.resolved_at, :now), :now))
   - julianday(max(coalesce(i.impact_started_at, i.detected_at), :start))) * 1440.0)
FROM incidents i JOIN incident_services s ON s.incident_id = i.id
WHERE i.priority <= 2 AND i.status != 'cancelled'
  AND i.detected_at >= :since AND coalesce(i.impact_started_at, i.detected_at) < :now
GROUP BY s.service_slug
"""


def _slos(session: Any, count: int, now: datetime) -> None:
    """One SLO per service (the SLOs read no catalog row: a service's is its slug)."""
    slo_rows = [
        {
            "number": n,
            "name": f"Service {n} answers",
            "platform_slug": "bench",
            "service_slug": f"svc-{n}",
            "objective": 99.9,
            "window": "30d",
            "sli_kind": "incidents",
            "sli_source": "incidents",
            "owner_squad": "sre",
            "created_by": "bench",
            "created_at": now,
        }
        for n in range(1, count + 1)
    ]
    session.execute(insert(Slo), slo_rows)
    session.execute(insert(keys.KeySequence), [{"prefix": "SLO", "last": count}])


def _incidents(session: Any, slos_count: int, count: int, now: datetime) -> None:
    rng = random.Random(25)
    rows, links = [], []
    for n in range(1, count + 1):
        detected = now - timedelta(minutes=rng.uniform(0, 33 * 24 * 60))
        rows.append(
            {
                "id": n,
                "number": n,
                "title": f"Incident {n}",
                "platform_slug": "bench",
                "status": "resolved",
                "impact": 1,
                "urgency": rng.choice((1, 2)),
                "priority": rng.choice((1, 2, 3)),
                "major": False,
                "declared_by": "bench",
                "detected_at": detected,
                "resolved_at": detected + timedelta(minutes=rng.uniform(5, 240)),
            }
        )
        service = f"svc-{rng.randint(1, slos_count)}"
        links.append({"incident_id": n, "service_slug": service, "owner_squad": "sre"})
    session.execute(insert(Incident), rows)
    session.execute(insert(IncidentService.__table__), links)


def build(path: Path, slos_count: int, incidents: int, now: datetime) -> Settings:
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate.upgrade(settings)
    with session_scope(settings) as session:
        if session.scalar(text("SELECT count(*) FROM slos")):
            return settings
        _slos(session, slos_count, now)
        _incidents(session, slos_count, incidents, now)
    with session_scope(settings) as session:
        session.execute(text("ANALYZE"))
    return settings


def recompute(settings: Settings) -> int:
    with session_scope(settings, write=False) as session:
        found = slos.search(session, actor=READER)
        return len(slos.summaries(session, found))


def anchor(settings: Settings, now: datetime) -> int:
    params = {"now": now, "start": now - timedelta(days=30), "since": now - timedelta(days=31)}
    with session_scope(settings, write=False) as session:
        return len(session.execute(text(ANCHOR), params).all())


def timed(run: Any, *args: Any) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        run(*args)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--incidents", type=int, default=20_000)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    wiring.install()
    now = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    clock.use(clock.FrozenClock(now))
    path = args.db or Path(tempfile.mkdtemp()) / "slo.db"
    settings = build(path, args.slos, args.incidents, now)
    assert recompute(settings) == args.slos
    ours, theirs = timed(recompute, settings), timed(anchor, settings, now)
    print(f"{args.slos:,} SLOs, {args.incidents:,} incidents over 33 days")
    print(f"all budgets and burn rates: {ours:.3f} s (target <= {TARGET_S} s)")
    print(f"anchor (one SQL aggregate): {theirs:.3f} s")
    print(f"ratio to anchor: {ours / theirs:.1f}x (target <= {ANCHOR_RATIO_TARGET}x)")


if __name__ == "__main__":
    main()

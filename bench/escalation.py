"""1,000 incidents escalating at once: how late does each page leave?

With --sms, level 2 reaches its person by SMS through a real Kannel gateway (bearerbox and
smsbox in front of the fake operator fakesmsc, as tests/peers/kannel.py starts them) and the
anchor pages go by email to a local SMTP server; each delay runs from the escalation timer's
due time to the moment the worker recorded the gateway's (or the mail server's) acceptance.
Target: p99 <= 3 s.

Builds a throw-away SQLite database with one squad, a rotation, a two-level escalation policy
and everyone reachable at a local webhook receiver; opens the incidents (level 1 is paged and
delivered first, not measured), then makes every level-2 timer due at the same instant and
starts one worker. For each level-2 page it prints the delay between its escalation timer's
due time and the moment the page was handed to the channel: the moment the receiver, a
process of its own (bench/arrivals.py), got the POST. p50, p99 and the longest. Target:
p99 <= 2 s on SQLite with one worker.

Anchor: the same worker handing over 1,000 pages queued straight into the outbox (no
escalation step in front), so the escalation's own cost reads as a ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.arrivals import arrivals, arrivals_receiver
from tests import factories
from tests.factories import ACTOR
from tests.peers import kannel
from tests.peers.receivers import smtp_server

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs.models import Timer
from opsroom.notify import service as notify
from opsroom.notify.models import OutboxMessage
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from opsroom.runtime import wiring
from opsroom.runtime.worker import run_forever, run_once

PEOPLE = ("alice@example.com", "carol@example.com", "dave@example.com")
Reach = Callable[[Session], None]  # gives the people their contact methods


def by_webhook(url: str) -> Reach:
    def reach(s: Session) -> None:
        for person in PEOPLE:
            notify.add_contact_method(
                s,
                actor=ACTOR,
                person=person,
                data=notify.schemas.ContactMethodIn(kind="webhook", address=f"{url}/{person}"),
            )

    return reach


def carol_by_sms(s: Session) -> None:
    """carol (level 2) carries a verified phone; alice and dave are reached by email."""
    factories.verified_contact(s, "carol@example.com", "+27821234567")


def setup(settings: Settings, reach: Reach, count: int) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        layer = schemas.LayerIn(
            participants=["alice@example.com"], start=datetime(2026, 1, 5, 9, tzinfo=UTC)
        )
        oncall.create_schedule(
            s,
            actor=ACTOR,
            data=schemas.ScheduleCreate(
                slug="identity", name="Identity", squad="identity", layers=[layer]
            ),
        )
        levels = [
            {"targets": [{"kind": "schedule", "ref": "identity"}], "timeout_minutes": 5},
            {"targets": [{"kind": "person", "ref": "carol@example.com"}], "timeout_minutes": 5},
        ]
        oncall.create_policy(
            s,
            actor=ACTOR,
            data=schemas.PolicyCreate.model_validate(
                {
                    "slug": "identity",
                    "name": "Identity",
                    "squad": "identity",
                    "squad_default": True,
                    "levels": levels,
                }
            ),
        )
        reach(s)
    with session_scope(settings) as s:
        for n in range(count):
            data = incident_schemas.IncidentCreate(
                title=f"Broken {n}", impact=3, urgency=1, services=["auth"]
            )
            incidents.declare(s, actor=ACTOR, data=data)
    while run_once(settings, owner="setup", batch=200):
        pass


def sent_count(settings: Settings, person: str) -> int:
    with session_scope(settings, write=False) as s:
        query = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.person == person, OutboxMessage.status == "sent")
        )
        return int(s.scalar(query) or 0)


def run_worker_until(settings: Settings, person: str, count: int) -> None:
    stop = threading.Event()
    worker = threading.Thread(
        target=run_forever, args=(settings, stop), kwargs={"poll_seconds": 0.05}
    )
    worker.start()
    while sent_count(settings, person) < count:
        time.sleep(0.5)  # seldom: the figures come from the receiver, and polling takes CPU
    stop.set()
    worker.join()


def delays(url: str, person: str, due: datetime) -> list[float]:
    return sorted(at - due.timestamp() for path, at in arrivals(url) if path == f"/{person}")


def report(name: str, values: list[float]) -> float:
    p50, p99 = statistics.quantiles(values, n=100)[49], statistics.quantiles(values, n=100)[98]
    print(
        f"{name:<44} n={len(values):>5}  p50 {p50:6.3f} s  p99 {p99:6.3f} s  max {max(values):6.3f} s"
    )
    return p99


def recorded_delays(settings: Settings, person: str, due: datetime) -> list[float]:
    """From `due` to the moment each page to `person` was recorded as accepted."""
    with session_scope(settings, write=False) as s:
        query = select(OutboxMessage.sent_at).where(
            OutboxMessage.person == person, OutboxMessage.kind == "incident.page"
        )
        return sorted((at - due).total_seconds() for at in s.scalars(query) if at and at >= due)


Delays = Callable[[Settings, str, datetime], list[float]]


def received_by(url: str) -> Delays:
    return lambda settings, person, due: delays(url, person, due)


def escalation(settings: Settings, measured: Delays, count: int) -> float:
    with session_scope(settings) as s:
        due = datetime.now(UTC)
        s.execute(update(Timer).where(Timer.kind == oncall.ESCALATE_TIMER).values(due_at=due))
    run_worker_until(settings, "carol@example.com", count)
    return report(
        "escalation timer due -> page handed over", measured(settings, "carol@example.com", due)
    )


def anchor(settings: Settings, measured: Delays, count: int) -> float:
    with session_scope(settings) as s:
        for n in range(count):
            message = notify.message_for(
                s,
                incident=f"INC-{n + 1}",
                priority="P3",
                summary="anchor",
                person="dave@example.com",
            )
            notify.page(
                s, person="dave@example.com", message=message, dedup=f"anchor-{n}", incident=None
            )
    with session_scope(settings) as s:
        due = datetime.now(UTC)
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.person == "dave@example.com")
            .values(due_at=due)
        )
    run_worker_until(settings, "dave@example.com", count)
    return report("anchor: page queued -> handed over", measured(settings, "dave@example.com", due))


@contextmanager
def sms_peers(settings: Settings, workdir: Path) -> Iterator[Settings]:
    """Kannel in front of fakesmsc, and an SMTP server for the email anchor."""
    nowhere = "http://127.0.0.1:9/api/v1/paging/sms/replies"  # no replies in this bench
    with smtp_server() as (port, _), kannel.running(workdir, replies_url=nowhere, secret="b") as gw:
        yield settings.model_copy(
            update={
                "sms_gateway_url": gw.sendsms_url,
                "sms_gateway_password": SecretStr(gw.password),
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
            }
        )


def measure(settings: Settings, reach: Reach, measured: Delays, count: int, target: float) -> None:
    started = time.perf_counter()
    setup(settings, reach, count)
    print(f"set up {count} incidents, level 1 delivered, in {time.perf_counter() - started:.1f} s")
    p99 = escalation(settings, measured, count)
    with session_scope(settings) as s:
        s.execute(update(Timer).where(Timer.status == "pending").values(status="cancelled"))
    anchor_p99 = anchor(settings, measured, count)
    verdict = "met" if p99 <= target else "NOT met"
    print(
        f"p99 {p99:.3f} s against a target of {target:g} s ({verdict}); "
        f"{p99 / anchor_p99:.2f} x the anchor"
    )


def main() -> None:
    wiring.install()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--sms", action="store_true", help="level 2 by SMS through Kannel")
    parser.add_argument(
        "--dir", default=None, help="where the throw-away database goes (default: a temp dir)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.db")
        migrate.upgrade(settings)
        if args.sms:
            with sms_peers(settings, Path(tmp)) as peered:
                measure(peered, carol_by_sms, recorded_delays, args.incidents, target=3)
            return
        with arrivals_receiver() as url:
            measure(settings, by_webhook(url), received_by(url), args.incidents, target=2)


if __name__ == "__main__":
    main()

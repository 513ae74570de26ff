"""A month of demo monitoring traffic: three integrations (Prometheus Alertmanager, a vendor's
PagerDuty events, synthetic journey checks) and what they sent, parsed by the real parsers
and ingested by the real service with the clock moved to each moment. It includes the
evening a Redis failover set off an alert storm across five services that became one
incident, a silence and a maintenance window that kept alerts from paging, and repeats
folded into the alerts they repeat.

The traffic is the same on every load (a seeded random generator) relative to `now`."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session

from opsroom.alerts import schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.sources import alertmanager, events, pagerduty
from opsroom.auth.domain import Principal
from opsroom.infra import clock
from opsroom.infra.errors import NotFound

SEED = 20_261_123
PROMETHEUS = "prometheus-procurement"
PAYFLOW = "payflow-events"
SYNTHETICS = "synthetic-checks"
ALERTMANAGER_URL = "https://alertmanager.procurement.example.com"
ZERO_TIME = "0001-01-01T00:00:00Z"

INTEGRATIONS = (
    schemas.IntegrationCreate(
        slug=PROMETHEUS,
        name="Prometheus · procurement cluster",
        settings=schemas.IntegrationSettings(grouping_window_minutes=15, reopen_window_minutes=30),
    ),
    schemas.IntegrationCreate(
        slug=PAYFLOW,
        name="Payflow (PagerDuty Events v2)",
        service="payments",
        settings=schemas.IntegrationSettings(urgency={"error": 1}),
    ),
    schemas.IntegrationCreate(
        slug=SYNTHETICS,
        name="Synthetic journey checks",
        settings=schemas.IntegrationSettings(
            group_by=["check"], alerts_to_open=3, grouping_window_minutes=30
        ),
    ),
)

# Warnings that come and go on their own: (alertname, service, summary).
FLAPPING = (
    ("HighMemoryUsage", "search-index", "Search index node memory above 90 %"),
    ("ConsumerLag", "catalog-indexer", "Catalog indexer consumer lag above 50k messages"),
    ("SlowQueries", "postgres-core", "p95 query time above 400 ms on postgres-core"),
    (
        "CertificateExpiresSoon",
        "edi-gateway",
        "TLS certificate of the EDI gateway expires in 14 days",
    ),
    ("PodRestarts", "notification-service", "notification-service pods restarting"),
)
CHECK_LOCATIONS = ("eu-west", "eu-central", "us-east")
# The storm: Redis fails over and everything that caches in it errors, in this order.
STORM = (
    ("RedisPrimaryDown", "redis-cache", "critical", "Redis primary unreachable", 2),
    ("HighErrorRate", "auth-service", "critical", "auth-service 5xx above 20 %", 8),
    ("HighErrorRate", "search-api", "error", "search-api 5xx above 10 %", 8),
    ("UpstreamTimeouts", "pricing-service", "error", "pricing-service timeouts to Redis", 6),
    ("HighLatency", "api-gateway", "warning", "api-gateway p99 latency above 2 s", 6),
)


@dataclass(frozen=True)
class Send:
    """One request a sender made at a moment."""

    at: datetime
    integration: str
    parse: Callable[[bytes], Any]
    source: str
    body: bytes


def _webhook(status: str, firing: list[dict[str, Any]], group: dict[str, str]) -> bytes:
    """An Alertmanager webhook (version 4), as Alertmanager sends it."""
    return orjson.dumps(
        {
            "version": "4",
            "status": status,
            "receiver": f"opsroom-{PROMETHEUS}",
            "groupKey": "{}:" + ",".join(f'{k}="{v}"' for k, v in group.items()),
            "groupLabels": group,
            "commonLabels": group,
            "commonAnnotations": {},
            "externalURL": ALERTMANAGER_URL,
            "truncatedAlerts": 0,
            "alerts": firing,
        }
    )


def _am_alert(
    name: str,
    service: str,
    severity: str,
    summary: str,
    instance: str,
    started: datetime,
    ended: datetime | None = None,
) -> dict[str, Any]:
    return {
        "status": "resolved" if ended else "firing",
        "labels": {
            "alertname": name,
            "service": service,
            "severity": severity,
            "instance": instance,
            "cluster": "proc-eu-west-1",
        },
        "annotations": {"summary": summary, "runbook_url": f"https://runbooks.example.com/{name}"},
        "startsAt": started.isoformat().replace("+00:00", "Z"),
        "endsAt": ended.isoformat().replace("+00:00", "Z") if ended else ZERO_TIME,
        "generatorURL": f"https://prometheus.procurement.example.com/graph?g0.expr={name}",
    }


def _prometheus(at: datetime, body: bytes) -> Send:
    return Send(at, PROMETHEUS, alertmanager.parse, alertmanager.SOURCE, body)


def _episode(
    start: datetime,
    name: str,
    service: str,
    severity: str,
    summary: str,
    instances: int,
    repeats: int,
    lasts: timedelta,
) -> Iterator[Send]:
    """An alert group firing on some instances, re-sent every repeat interval, then resolved."""
    group = {"alertname": name, "service": service}
    names = [f"{service}-{i}" for i in range(instances)]
    firing = [_am_alert(name, service, severity, summary, n, start) for n in names]
    for r in range(repeats):
        yield _prometheus(start + r * lasts / repeats, _webhook("firing", firing, group))
    end = start + lasts
    gone = [_am_alert(name, service, severity, summary, n, start, end) for n in names]
    yield _prometheus(end, _webhook("resolved", gone, group))


def _flapping(rng: random.Random, now: datetime) -> Iterator[Send]:
    for day in range(28, 0, -3):
        name, service, summary = rng.choice(FLAPPING)
        start = now - timedelta(days=day, hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
        repeats, lasts = rng.randint(3, 12), timedelta(minutes=rng.randint(20, 180))
        yield from _episode(start, name, service, "warning", summary, 1, repeats, lasts)


def _storm(now: datetime) -> Iterator[Send]:
    """Eight days ago at 19:40 UTC: every service caching in Redis fails within minutes."""
    start = (now - timedelta(days=8)).replace(hour=19, minute=40, second=0, microsecond=0)
    for offset, (name, service, severity, summary, instances) in enumerate(STORM):
        begins = start + timedelta(minutes=2 * offset, seconds=20)
        yield from _episode(
            begins, name, service, severity, summary, instances, 6, timedelta(minutes=38 - offset)
        )


def _suppressed(now: datetime) -> Iterator[Send]:
    """Alerts during the finance database's maintenance, and the silenced LDAP sync lag."""
    upgrade = (now - timedelta(days=5)).replace(hour=21, minute=10, second=0, microsecond=0)
    yield from _episode(
        upgrade,
        "ReplicationLag",
        "postgres-finance",
        "critical",
        "postgres-finance replica lag above 60 s",
        2,
        4,
        timedelta(minutes=25),
    )
    lag = now - timedelta(hours=20)
    for hour in range(0, 20, 4):
        yield from _episode(
            lag + timedelta(hours=hour),
            "LdapSyncLag",
            "legacy-ldap-sync",
            "warning",
            "LDAP sync more than 2 h behind",
            1,
            2,
            timedelta(minutes=50),
        )


def _pagerduty(action: str, at: datetime, dedup_key: str, summary: str) -> Send:
    body = orjson.dumps(
        {
            "routing_key": "demo",
            "event_action": action,
            "dedup_key": dedup_key,
            "payload": {
                "summary": summary,
                "source": "payflow-eu-1",
                "severity": "error",
                "component": "settlement-api",
                "custom_details": {"merchant_batches_failed": 42},
            },
        }
    )
    return Send(at, PAYFLOW, lambda b: [pagerduty.parse_event(b).alert], "pagerduty", body)


def _payflow(now: datetime) -> Iterator[Send]:
    """The vendor reports its own settlement outage three days ago, and its resolution."""
    start = (now - timedelta(days=3)).replace(hour=9, minute=5, second=0, microsecond=0)
    summary = "Payflow settlement API returning errors for EUR batches"
    yield _pagerduty("trigger", start, "payflow-settlement-eur", summary)
    yield _pagerduty("trigger", start + timedelta(minutes=5), "payflow-settlement-eur", summary)
    yield _pagerduty("resolve", start + timedelta(minutes=47), "payflow-settlement-eur", summary)


def _check(at: datetime, status: str, location: str) -> Send:
    event = {
        "status": status,
        "summary": f"Checkout journey check failed at payment step ({location})",
        "severity": "error",
        "service": "checkout-service",
        "source": f"synthetics-{location}",
        "labels": {"check": "browse-and-checkout", "location": location},
    }
    return Send(at, SYNTHETICS, events.parse, events.SOURCE, orjson.dumps(event))


def _synthetics(now: datetime) -> Iterator[Send]:
    """A check failing from one location that recovered (no incident), and later failing
    from all three, which opened one."""
    blip = now - timedelta(days=12, hours=3)
    yield _check(blip, "firing", "eu-west")
    yield _check(blip + timedelta(minutes=5), "resolved", "eu-west")
    outage = now - timedelta(days=2, hours=6)
    for minutes, location in enumerate(CHECK_LOCATIONS):
        yield _check(outage + timedelta(minutes=2 * minutes), "firing", location)
    for location in CHECK_LOCATIONS:
        yield _check(outage + timedelta(minutes=35), "resolved", location)


def _windows(session: Session, actor: Principal, now: datetime) -> None:
    """The maintenance window and the silence the traffic above runs into."""
    upgrade = (now - timedelta(days=5)).replace(hour=21, minute=0, second=0, microsecond=0)
    with clock.standing_at(upgrade - timedelta(days=1)):
        alerts.schedule_maintenance(
            session,
            actor=actor,
            data=schemas.MaintenanceCreate(
                service="postgres-finance",
                starts_at=upgrade,
                ends_at=upgrade + timedelta(hours=1),
                comment="PostgreSQL 16.4 minor upgrade of the finance cluster",
            ),
        )
    with clock.standing_at(now - timedelta(hours=21)):
        alerts.create_silence(
            session,
            actor=actor,
            data=schemas.SilenceCreate(
                matchers=['alertname="LdapSyncLag"', 'service="legacy-ldap-sync"'],
                ends_at=now + timedelta(days=3),
                comment="Known: the LDAP directory is being decommissioned; sync lag is expected",
            ),
        )


def load(session: Session, *, actor: Principal, now: datetime) -> int:
    """Create the demo integrations and replay their traffic up to `now`; how many requests
    were ingested (none when the integrations exist already)."""
    try:
        alerts.get_integration(session, PROMETHEUS)
        return 0
    except NotFound:
        pass
    now = now.astimezone(UTC)
    integrations = {}
    with clock.standing_at(now - timedelta(days=35)):
        for data in INTEGRATIONS:
            integrations[data.slug] = alerts.create_integration(session, actor=actor, data=data)[1]
    _windows(session, actor, now)
    rng = random.Random(SEED)
    traffic = (*_flapping(rng, now), *_storm(now), *_suppressed(now), *_payflow(now))
    sends = sorted((s for s in (*traffic, *_synthetics(now)) if s.at <= now), key=lambda s: s.at)
    for send in sends:
        with clock.standing_at(send.at):
            alerts.ingest(
                session,
                integration=integrations[send.integration],
                alerts=send.parse(send.body),
                source=send.source,
                body=send.body,
            )
    return len(sends)

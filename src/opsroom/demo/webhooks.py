"""A week of demo traffic through the generic webhook: three integrations of shipped webhook
types (Grafana alerting, Zabbix, Amazon CloudWatch via SNS), each tool's payloads read by
its type's template as the worker reads them, and one Zabbix payload sent before its media
type was set up, which the template could not read: kept raw and shown on the
integration's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.orm import Session

from opsroom.alerts import schemas, webhooks
from opsroom.alerts import service as alerts
from opsroom.alerts.sources import webhook
from opsroom.auth.domain import Principal
from opsroom.infra import clock

GRAFANA = "grafana-observability"
ZABBIX = "zabbix-datacentre"
CLOUDWATCH = "cloudwatch-aws"
INTEGRATIONS = (
    schemas.IntegrationCreate(
        slug=GRAFANA,
        name="Grafana alerting",
        settings=schemas.IntegrationSettings(webhook_type="grafana"),
    ),
    schemas.IntegrationCreate(
        slug=ZABBIX,
        name="Zabbix · data centre",
        settings=schemas.IntegrationSettings(webhook_type="zabbix"),
    ),
    schemas.IntegrationCreate(
        slug=CLOUDWATCH,
        name="Amazon CloudWatch (SNS)",
        settings=schemas.IntegrationSettings(webhook_type="cloudwatch-sns"),
    ),
)
# (days before now, integration, what the tool reported): each fires, then resolves an
# hour later.
EPISODES = (
    (6.2, GRAFANA, ("SearchLatency", "search-api", "Search p99 latency above 1.5 s")),
    (4.8, ZABBIX, ("Disk /var/lib/postgresql above 85%", "postgres-core", "pg-core-02")),
    (3.1, CLOUDWATCH, ("edi-gateway-5xx", "edi-gateway", "Threshold Crossed: 1 datapoint [31.0]")),
    (1.4, GRAFANA, ("CheckoutErrors", "checkout-service", "Checkout 5xx above 2 %")),
    (0.3, ZABBIX, ("Redis replication lag above 30 s", "redis-cache", "redis-02")),
)


def load(session: Session, *, actor: Principal, now: datetime) -> int:
    """Create the integrations and replay their week up to `now`; how many payloads were
    received (none when the integrations exist already)."""
    if any(i.slug == GRAFANA for i in alerts.list_integrations(session)):
        return 0
    now = now.astimezone(UTC)
    previous = clock.use(clock.FrozenClock(now - timedelta(days=8)))
    try:
        made = {
            d.slug: alerts.create_integration(session, actor=actor, data=d)[1] for d in INTEGRATIONS
        }
        sends = sorted(_sends(now), key=lambda send: send[0])
        for at, slug, body in sends:
            clock.use(clock.FrozenClock(at))
            alerts.ingest(
                session, integration=made[slug], alerts=None, source=webhook.SOURCE, body=body
            )
    finally:
        clock.use(previous)
    return len(sends)


def _sends(now: datetime) -> Iterator[tuple[datetime, str, bytes]]:
    for days, slug, reported in EPISODES:
        fired = now - timedelta(days=days)
        for at, resolved in ((fired, False), (fired + timedelta(hours=1), True)):
            yield at, slug, orjson.dumps(_payload(slug, reported, resolved))
    # Zabbix's first test message, before its media type sent the event's macros.
    yield now - timedelta(days=5), ZABBIX, orjson.dumps({"message": "Test message from Zabbix"})


def _payload(slug: str, reported: tuple[str, str, str], resolved: bool) -> Any:
    sample = webhooks.shipped()[_TYPES[slug]].sample
    return _SHAPES[slug](sample, *reported, resolved)


def _grafana(sample: Any, name: str, service: str, summary: str, resolved: bool) -> Any:
    status = "resolved" if resolved else "firing"
    alert = {
        **sample["alerts"][0],
        "status": status,
        "labels": {"alertname": name, "service": service, "severity": "error"},
        "annotations": {"summary": summary},
        "fingerprint": f"{name}-{service}",
    }
    return {**sample, "status": status, "alerts": [alert]}


def _zabbix(sample: Any, name: str, service: str, host: str, resolved: bool) -> Any:
    tags = [{"tag": "service", "value": service}]
    return {
        **sample,
        "event_name": f"{name} on {host}",
        "event_value": "0" if resolved else "1",
        "host_name": host,
        "trigger_id": str(20000 + sum(map(ord, name))),
        "event_tags": tags,
    }


def _cloudwatch(sample: Any, alarm: str, service: str, reason: str, resolved: bool) -> Any:
    message = orjson.loads(sample["Message"])
    message |= {
        "AlarmName": alarm,
        "AlarmArn": f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{alarm}",
        "NewStateValue": "OK" if resolved else "ALARM",
        "NewStateReason": reason,
    }
    message["Trigger"]["Dimensions"] = [{"name": "service", "value": service}]
    return {**sample, "Message": orjson.dumps(message).decode()}


_TYPES = {GRAFANA: "grafana", ZABBIX: "zabbix", CLOUDWATCH: "cloudwatch-sns"}
_SHAPES = {GRAFANA: _grafana, ZABBIX: _zabbix, CLOUDWATCH: _cloudwatch}

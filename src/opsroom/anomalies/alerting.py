"""Anomalies as alerts of their series' service, through the service's own integration and
opsroom's event format: de-duplicated by series while its anomalous run lasts, grouped with
the service's other anomaly alerts, silenced and escalated like any other alert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from opsroom.alerts import schemas as alert_schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.sources import events
from opsroom.anomalies.models import Anomaly
from opsroom.auth.domain import Principal
from opsroom.infra.errors import NotFound

ALERT_NAME = "Anomaly"


def integration_slug(service: str) -> str:
    return f"anomalies-{service}"[:80]


def prepare(session: Session, *, actor: Principal, service: str) -> None:
    """The service's integration its anomalies arrive through, made with its first series:
    its alerts group by service and stay open for a responder to resolve."""
    slug = integration_slug(service)
    try:
        alerts.get_integration(session, slug)
    except NotFound:
        settings = alert_schemas.IntegrationSettings(group_by=["service"], auto_resolve=False)
        data = alert_schemas.IntegrationCreate(
            slug=slug, name=f"Anomalies of {service}", service=service, settings=settings
        )
        alerts.create_integration(session, actor=actor, data=data)


PREFIX = "anomaly:"  # of the fingerprint of a series' anomaly alert


def fingerprint(series: str) -> str:
    return PREFIX + series


def _number(value: float) -> str:
    return f"{value:.6g}"


def firing(series: str, service: str, anomaly: Anomaly) -> dict[str, Any]:
    """The alert of an anomaly, with what a person checks it against."""
    band = f"{_number(anomaly.expected_low)} to {_number(anomaly.expected_high)}"
    return {
        "status": "firing",
        "fingerprint": fingerprint(series),
        "summary": f"{series}: {_number(anomaly.value)} where {band} was expected",
        "labels": {"alertname": ALERT_NAME, "service": service, "series": series},
        "annotations": {
            "anomaly": anomaly.key,
            "observed": _number(anomaly.value),
            "expected_band": band,
            "score": f"{anomaly.score:.4f}",
            "threshold": f"{anomaly.threshold:.4f}",
            "since": anomaly.since.isoformat(),
        },
        "service": service,
        "starts_at": anomaly.since.isoformat(),
        "links": [{"href": f"/series/{series}", "text": f"series {series}"}],
    }


def resolved(series: str, service: str, at: datetime) -> dict[str, Any]:
    return {
        "status": "resolved",
        "fingerprint": fingerprint(series),
        "labels": {"alertname": ALERT_NAME, "service": service, "series": series},
        "service": service,
        "ends_at": at.isoformat(),
    }


def send(session: Session, service: str, news: Sequence[dict[str, Any]]) -> None:
    """The alerts through the service's integration, drained at once in this transaction."""
    if not news:
        return
    integration = alerts.get_integration(session, integration_slug(service))
    for start in range(0, len(news), events.MAX_BATCH):
        body = orjson.dumps(news[start : start + events.MAX_BATCH])
        alerts.ingest(
            session,
            integration=integration,
            alerts=events.parse(body),
            source=events.SOURCE,
            body=body,
        )

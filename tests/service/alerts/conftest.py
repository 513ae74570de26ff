"""A small platform (gateway -> auth -> db, search -> db) and helpers to send alerts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.alerts import schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus, IncomingAlert, Severity, fingerprint
from tests import factories
from tests.factories import ACTOR


@pytest.fixture
def platform(session: Session) -> Session:
    factories.small_platform(session)
    return session


def integration(
    session: Session, slug: str = "prom", service: str | None = "db", **settings: Any
) -> Any:
    data = schemas.IntegrationCreate(
        slug=slug,
        name=slug.title(),
        service=service,
        settings=schemas.IntegrationSettings(**settings),
    )
    return alerts.create_integration(session, actor=ACTOR, data=data)[1]


def alert(
    name: str,
    *,
    status: AlertStatus = AlertStatus.FIRING,
    severity: Severity = Severity.CRITICAL,
    **labels: str,
) -> IncomingAlert:
    labelled = {"alertname": name, **labels}
    return IncomingAlert(
        fingerprint=fingerprint(labelled),
        status=status,
        severity=severity,
        summary=f"{name} {' '.join(labels.values())}".strip(),
        labels=labelled,
    )


def resolved(name: str, **labels: str) -> IncomingAlert:
    return alert(name, status=AlertStatus.RESOLVED, **labels)


def send(session: Session, target: Any, *batch: IncomingAlert) -> schemas.IngestResult:
    return alerts.ingest(
        session, integration=target, alerts=list(batch), source="events", body=b"[]"
    )

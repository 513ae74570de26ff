"""Reading alerts: lists with filters, an incident's alerts and probable cause, change
timelines, and the noise figures per integration and per service (SQL aggregates)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from opsroom.alerts import domain, schemas
from opsroom.alerts.domain import AlertStatus, Severity
from opsroom.alerts.models import Alert, ChangeEvent, Integration
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.infra import keys
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate


def search(
    session: Session,
    *,
    actor: Principal,
    status: AlertStatus | None = None,
    service: str | None = None,
    integration: str | None = None,
    incident: str | None = None,
    suppressed: bool | None = None,
    platform: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Alert]:
    require(actor, Action.READ)
    query = select(Alert)
    if status:
        query = query.where(Alert.status == status)
    if service:
        query = query.where(Alert.service_slug == service)
    if integration:
        query = query.where(Alert.integration.has(Integration.slug == integration))
    if platform:
        query = query.where(Alert.service_slug.in_(catalog.services_on(platform)))
    if incident:
        numbers = incidents.merged_numbers(session, _incident_number(incident))
        query = query.where(Alert.incident_number.in_(numbers))
    if suppressed is not None:
        query = query.where(
            Alert.suppressed_by.is_not(None) if suppressed else Alert.suppressed_by.is_(None)
        )
    return paginate(session, query, Alert.id, limit=limit, cursor=cursor, descending=True)


def get_alert(session: Session, *, actor: Principal, alert_id: int) -> Alert:
    require(actor, Action.READ)
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def _incident_number(key: str) -> int:
    number = keys.parse(key, incidents.PREFIX)
    if number is None:
        raise ValidationFailed(
            f"'{key}' is not an incident key", fields={"incident": "like INC-42"}
        )
    return number


def read_alert(alert: Alert) -> schemas.AlertRead:
    return schemas.AlertRead(
        id=alert.id,
        integration=alert.integration.slug,
        fingerprint=alert.fingerprint,
        status=AlertStatus(alert.status),
        severity=Severity(alert.severity),
        summary=alert.summary,
        labels=alert.labels,
        annotations=alert.annotations,
        links=[schemas.LinkRead(**link) for link in alert.links],
        source=alert.source,
        service=alert.service_slug,
        group_key=alert.group_key,
        starts_at=alert.starts_at,
        ends_at=alert.ends_at,
        first_received_at=alert.first_received_at,
        last_received_at=alert.last_received_at,
        acknowledged_at=alert.acknowledged_at,
        count=alert.count,
        suppressed_by=alert.suppressed_by,
        incident=alert.incident_key,
    )


def incident_alerts(session: Session, *, actor: Principal, key: str) -> schemas.IncidentAlertsRead:
    """An incident's alerts, oldest first, and the most upstream alerting service."""
    incident = incidents.get(session, actor=actor, key=key)
    alerts = list(
        session.scalars(
            select(Alert)
            .where(Alert.incident_number.in_(incidents.merged_numbers(session, incident.number)))
            .order_by(Alert.first_received_at, Alert.id)
        )
    )
    services = sorted({a.service_slug for a in alerts if a.service_slug})
    cause = domain.probable_cause(services, domain.upstream_map(catalog.graph(session), services))
    return schemas.IncidentAlertsRead(
        incident=incident.key, probable_cause=cause, alerts=[read_alert(a) for a in alerts]
    )


def changes(
    session: Session,
    *,
    actor: Principal,
    service: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[ChangeEvent]:
    """A service's change timeline (newest first), as change events reported it."""
    require(actor, Action.READ)
    query = select(ChangeEvent)
    if service:
        query = query.where(ChangeEvent.service_slug == service)
    if since:
        query = query.where(ChangeEvent.timestamp >= since)
    return paginate(session, query, ChangeEvent.id, limit=limit, cursor=cursor, descending=True)


def read_change(change: ChangeEvent) -> schemas.ChangeEventRead:
    return schemas.ChangeEventRead(
        id=change.id,
        integration=change.integration.slug,
        service=change.service_slug,
        summary=change.summary,
        source=change.source,
        timestamp=change.timestamp,
        links=[schemas.LinkRead(**link) for link in change.links],
        custom_details=change.custom_details,
    )


# --- noise --------------------------------------------------------------------------------


def noise(
    session: Session,
    *,
    actor: Principal,
    by: str = "integration",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[schemas.NoiseRead]:
    """Per integration or per service, over alerts first received in [since, until):
    notifications received, distinct alerts, repeats folded, suppressed, incidents opened."""
    require(actor, Action.READ)
    if by not in ("integration", "service"):
        raise ValidationFailed(
            "group noise by integration or service", fields={"by": "integration|service"}
        )
    key: Any = (
        Integration.slug if by == "integration" else func.coalesce(Alert.service_slug, "(unrouted)")
    )
    query = (
        select(
            key,
            func.sum(Alert.count),
            func.count(Alert.id),
            func.sum(case((Alert.suppressed_by.is_not(None), 1), else_=0)),
            func.sum(case((Alert.opened_incident.is_(True), 1), else_=0)),
        )
        .join(Integration, Alert.integration_id == Integration.id)
        .group_by(key)
        .order_by(key)
    )
    if since:
        query = query.where(Alert.first_received_at >= since)
    if until:
        query = query.where(Alert.first_received_at < until)
    return [_noise_row(*row) for row in session.execute(query)]


def _noise_row(
    key: str, received: int, alerts: int, suppressed: int, opened: int
) -> schemas.NoiseRead:
    received, opened = int(received or 0), int(opened or 0)
    return schemas.NoiseRead(
        key=key,
        received=received,
        alerts=int(alerts),
        deduplicated=received - int(alerts),
        suppressed=int(suppressed or 0),
        incidents_opened=opened,
        noise_reduction_pct=domain.noise_reduction(received, opened),
    )

"""Integrations and ingestion: keys (shown once, kept hashed), settings, the rate limit, raw
payloads and their retention, and the entry points every inbound source calls."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from opsroom.alerts import batch, domain, intake, reports, schemas, silences, webhooks
from opsroom.alerts.domain import IncomingAlert, IncomingChange
from opsroom.alerts.intake import PURGE_EVERY, PURGE_SUBJECT
from opsroom.alerts.intake import PURGE_TIMER as PURGE_TIMER
from opsroom.alerts.intake import Pending as Pending
from opsroom.alerts.intake import accept as accept
from opsroom.alerts.intake import encode as encode
from opsroom.alerts.models import (
    Alert,
    ChangeEvent,
    Integration,
    MaintenanceWindow,
    RawPayload,
)
from opsroom.alerts.silences import create_silence as create_silence
from opsroom.alerts.silences import schedule_maintenance as schedule_maintenance
from opsroom.alerts.sources import events
from opsroom.audit import service as audit
from opsroom.auth.domain import (
    Action,
    Decision,
    Principal,
    decide,
    integration_principal,
    require,
)
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.db import locked
from opsroom.infra.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthenticated,
    require_version,
)
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due

KEY_BYTES = 16  # 32 hex characters, the length PagerDuty clients expect of a routing key
PREFIX_LENGTH = 8
WORKER = "opsroom-worker"
# Set after every intake commit in this process, so the embedded drainer starts at once.
intake_arrived = intake.arrived
intake_waiting = intake.waiting
intake_lag_seconds = intake.lag_seconds
intake_gate = intake.gate


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def settings_of(integration: Integration) -> schemas.IntegrationSettings:
    return schemas.IntegrationSettings.stored(integration.settings)


# --- integrations -------------------------------------------------------------------------


def management(session: Session, actor: Principal, service: str | None) -> Decision:
    """A squad's lead manages its services' integrations; label-routed ones need governance."""
    if service is None:
        return decide(actor, Action.GOVERN)
    owner = catalog.get_service(session, service).owner.slug
    return decide(actor, Action.EDIT_SQUAD_ITEMS, squads=[owner])


def _require_owner(session: Session, actor: Principal, service: str | None) -> None:
    decision = management(session, actor, service)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def _audit(
    session: Session, actor: Principal, action: str, integration: Integration, **after: Any
) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type="integration",
        subject_key=integration.slug,
        after=after or None,
    )


def _new_key(integration: Integration) -> str:
    key = secrets.token_hex(KEY_BYTES)
    integration.key_hash, integration.key_prefix = key_digest(key), key[:PREFIX_LENGTH]
    return key


def create_integration(
    session: Session, *, actor: Principal, data: schemas.IntegrationCreate
) -> tuple[str, Integration]:
    """A new integration and its key (returned this once; only its SHA-256 is stored)."""
    service = silences.catalog_service(session, data.service).slug if data.service else None
    _require_owner(session, actor, service)
    webhooks.require_known(session, data.settings.webhook_type)
    if session.scalar(select(Integration.id).where(Integration.slug == data.slug)):
        raise Conflict(f"an integration '{data.slug}' exists", fields={"slug": "taken"})
    integration = Integration(
        slug=data.slug,
        name=data.name,
        service_slug=service,
        settings=data.settings.model_dump(mode="json"),
        created_by=str(actor),
    )
    key = _new_key(integration)
    session.add(integration)
    session.flush()
    _audit(
        session,
        actor,
        "integration.created",
        integration,
        service=service,
        key=integration.key_prefix,
    )
    return key, integration


def list_integrations(session: Session, *, service: str | None = None) -> list[Integration]:
    query = select(Integration).order_by(Integration.slug)
    if service:
        query = query.where(Integration.service_slug == service)
    return list(session.scalars(query))


def get_integration(session: Session, slug: str) -> Integration:
    integration = session.scalar(select(Integration).where(Integration.slug == slug))
    if integration is None:
        raise NotFound(f"no integration '{slug}'")
    return integration


def update_integration(
    session: Session, *, actor: Principal, slug: str, data: schemas.IntegrationUpdate
) -> Integration:
    integration = get_integration(session, slug)
    _require_owner(session, actor, integration.service_slug)
    require_version(f"integration '{slug}'", locked(integration).version, data.version)
    if data.name is not None:
        integration.name = data.name
    if data.settings is not None:
        webhooks.require_known(session, data.settings.webhook_type)
        integration.settings = data.settings.model_dump(mode="json")
    if data.active is not None:
        integration.active = data.active
    integration.version += 1
    _audit(
        session,
        actor,
        "integration.updated",
        integration,
        **data.model_dump(exclude_unset=True, mode="json"),
    )
    return integration


def rotate_key(session: Session, *, actor: Principal, slug: str) -> tuple[str, Integration]:
    """Replace the key at once: the old one stops working when this commits."""
    integration = get_integration(session, slug)
    _require_owner(session, actor, integration.service_slug)
    key = _new_key(integration)
    integration.rotated_at, integration.version = clock.now(), integration.version + 1
    _audit(session, actor, "integration.key_rotated", integration, key=integration.key_prefix)
    return key, integration


def integration_for_key(session: Session, key: str) -> Integration:
    """The active integration holding `key`. Looked up by its hash, so comparing takes the
    same time however much of a wrong key is right."""
    integration = session.scalar(select(Integration).where(Integration.key_hash == key_digest(key)))
    if integration is None or not integration.active:
        raise Unauthenticated("this integration key is not valid (unknown, rotated or disabled)")
    return integration


def read_integration(integration: Integration) -> schemas.IntegrationRead:
    return schemas.IntegrationRead(
        slug=integration.slug,
        name=integration.name,
        service=integration.service_slug,
        key_prefix=integration.key_prefix,
        settings=settings_of(integration),
        active=integration.active,
        created_by=integration.created_by,
        created_at=integration.created_at,
        rotated_at=integration.rotated_at,
        version=integration.version,
    )


# --- ingesting ----------------------------------------------------------------------------


def _admit(
    session: Session, integration: Integration, settings: schemas.IntegrationSettings
) -> None:
    """Take a token from the integration's bucket or refuse with 429."""
    locked = session.get_one(
        Integration, integration.id, with_for_update=True, populate_existing=True
    )
    refusal = intake.take_token(locked, clock.now(), settings.rate_limit_per_minute)
    if refusal is not None:
        raise refusal


def ingest(
    session: Session,
    *,
    integration: Integration,
    alerts: Sequence[IncomingAlert] | None,
    source: str,
    body: bytes,
) -> schemas.IngestResult:
    """Accept a batch and drain the integration's intake at once, in the caller's
    transaction: the path the endpoints and the worker take, for callers that want the
    outcome now (the command line, the demo history). Without `alerts`, the body is read
    when drained, as a webhook is."""
    normalised = encode(alerts) if alerts is not None else None
    pending = intake.Pending(integration.id, integration.key_hash, source, normalised, body)
    (refusal,) = intake.accept(session.connection(), [pending])
    if refusal is not None:
        raise refusal
    session.flush()
    return intake.drain_integration(session, integration.id)


def ingest_events(
    session: Session, *, integration: Integration, events_sent: Sequence[dict[str, Any]]
) -> schemas.IngestResult:
    """Alerts opsroom raises itself (SLO burn rates), in its own event format, through an
    integration's intake like any sender's: dedup, grouping, silences and escalation apply."""
    body = orjson.dumps(list(events_sent))
    return ingest(
        session, integration=integration, alerts=events.parse(body), source=events.SOURCE, body=body
    )


def own_integration(session: Session, *, actor: Principal, slug: str, name: str) -> Integration:
    """The label-routed integration one of opsroom's own signals arrives through, made the
    first time it is needed (by `actor`, who must govern)."""
    found = session.scalar(select(Integration).where(Integration.slug == slug))
    if found is not None:
        return found
    data = schemas.IntegrationCreate(slug=slug, name=name)
    return create_integration(session, actor=actor, data=data)[1]


TEST_ALERT = "OpsroomTestAlert"


def send_test_alert(session: Session, *, actor: Principal, slug: str) -> Alert | None:
    """A firing test alert through the integration's own intake, as its sender's would
    arrive; returns the alert it became (its service, incident or silence show where it
    landed), None if the intake kept none."""
    integration = get_integration(session, slug)
    _require_owner(session, actor, integration.service_slug)
    event = {
        "summary": f"Test alert sent by {actor}",
        "severity": "info",
        "labels": {"alertname": TEST_ALERT, "integration": slug},
    }
    body = orjson.dumps(event)
    ingest(
        session, integration=integration, alerts=events.parse(body), source=events.SOURCE, body=body
    )
    (fingerprint,) = events.fingerprints(body)
    landed = select(Alert).where(
        Alert.integration_id == integration.id, Alert.fingerprint == fingerprint
    )
    return session.scalars(landed.order_by(Alert.id.desc())).first()


def record_change(
    session: Session, *, integration: Integration, change: IncomingChange, source: str, body: bytes
) -> ChangeEvent:
    """A change event, on the change timeline of the integration's service (or the service
    its details name under the routing label)."""
    require(integration_principal(integration.slug), Action.INGEST)
    settings = settings_of(integration)
    _admit(session, integration, settings)
    text = body.decode("utf-8", errors="replace")
    intake.keep_raw(session, [(integration.id, clock.now(), source, text)])
    named = change.custom_details.get(settings.route_label)
    event = ChangeEvent(
        integration_id=integration.id,
        service_slug=integration.service_slug or batch.known_service(session, named),
        summary=change.summary,
        source=change.source,
        timestamp=change.timestamp or clock.now(),
        links=[{"href": link.href, "text": link.text} for link in change.links],
        custom_details=dict(change.custom_details),
    )
    session.add(event)
    session.flush()
    return event


# --- raw payload retention ----------------------------------------------------------------


def purge_raw_payloads(session: Session) -> int:
    """Delete raw payloads older than their integration's retention; returns how many."""
    purged = 0
    for integration in session.scalars(select(Integration)):
        cutoff = domain.retention_cutoff(clock.now(), settings_of(integration).raw_retention_days)
        result = session.execute(
            delete(RawPayload).where(
                RawPayload.integration_id == integration.id, RawPayload.received_at < cutoff
            )
        )
        purged += int(result.rowcount)  # type: ignore[attr-defined]
    return purged


def raw_payload_count(session: Session, *, integration: str | None = None) -> int:
    query = select(func.count()).select_from(RawPayload)
    if integration:
        query = query.where(RawPayload.integration_id == get_integration(session, integration).id)
    return int(session.scalar(query) or 0)


def purge_when_due(session: Session, timer: Due) -> None:
    """Hourly while raw payloads are kept."""
    purge_raw_payloads(session)
    if session.scalar(select(RawPayload.id).limit(1)) is not None:
        jobs.schedule(
            session, kind=PURGE_TIMER, subject=PURGE_SUBJECT, due_at=clock.now() + PURGE_EVERY
        )


def change_events_on(
    session: Session, *, actor: Principal, services: Sequence[str], since: datetime, until: datetime
) -> list[schemas.ChangeEventRead]:
    """Change events reported on these services in [since, until], oldest first."""
    require(actor, Action.READ)
    query = select(ChangeEvent).where(
        ChangeEvent.service_slug.in_(list(services)),
        ChangeEvent.timestamp >= since,
        ChangeEvent.timestamp <= until,
    )
    return [reports.read_change(c) for c in session.scalars(query.order_by(ChangeEvent.timestamp))]


def incident_alerts(session: Session, *, actor: Principal, key: str) -> schemas.IncidentAlertsRead:
    """An incident's alerts and probable cause, for other domains (reviews, known errors)."""
    return reports.incident_alerts(session, actor=actor, key=key)


# --- figures other domains build on -------------------------------------------------------

noise = reports.noise


def maintenance_windows(
    session: Session, *, since: datetime, until: datetime
) -> dict[str, list[tuple[datetime, datetime]]]:
    """Service -> its maintenance windows that overlap [since, until)."""
    rows = session.execute(
        select(
            MaintenanceWindow.service_slug, MaintenanceWindow.starts_at, MaintenanceWindow.ends_at
        )
        .where(MaintenanceWindow.starts_at < until, MaintenanceWindow.ends_at > since)
        .order_by(MaintenanceWindow.starts_at)
    )
    windows: dict[str, list[tuple[datetime, datetime]]] = {}
    for service, starts_at, ends_at in rows:
        windows.setdefault(service, []).append((starts_at, ends_at))
    return windows


def alerts_received(session: Session) -> int:
    """Every firing notification received so far (repeats included)."""
    return int(session.scalar(select(func.coalesce(func.sum(Alert.count), 0))) or 0)

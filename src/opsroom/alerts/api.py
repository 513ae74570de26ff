"""/api/v1: integrations (and their keys), silences, maintenance windows, alerts, change
events and noise figures. The ingest endpoints themselves are in opsroom.integrations.api."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from opsroom.alerts import reports, schemas, silences, triage, webhooks
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus
from opsroom.auth.deps import Actor, DbSession, Reader
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import PageOut, RecordId, errors

router = APIRouter(prefix="/api/v1", tags=["alerts"])


# --- integrations -------------------------------------------------------------------------


@router.get("/integrations", responses=errors())
def list_integrations(
    session: DbSession, _: Reader, service: str | None = None
) -> list[schemas.IntegrationRead]:
    return [alerts.read_integration(i) for i in alerts.list_integrations(session, service=service)]


@router.post("/integrations", status_code=status.HTTP_201_CREATED, responses=errors(404, 409))
def create_integration(
    session: DbSession, actor: Actor, data: schemas.IntegrationCreate
) -> schemas.IntegrationWithKey:
    """Create an integration; the response carries its key, shown this once."""
    key, integration = alerts.create_integration(session, actor=actor, data=data)
    return schemas.IntegrationWithKey(**alerts.read_integration(integration).model_dump(), key=key)


@router.get("/integrations/{slug}", responses=errors(404))
def get_integration(session: DbSession, _: Reader, slug: str) -> schemas.IntegrationRead:
    return alerts.read_integration(alerts.get_integration(session, slug))


@router.patch("/integrations/{slug}", responses=errors(404, 409))
def update_integration(
    session: DbSession, actor: Actor, slug: str, data: schemas.IntegrationUpdate
) -> schemas.IntegrationRead:
    return alerts.read_integration(
        alerts.update_integration(session, actor=actor, slug=slug, data=data)
    )


@router.post("/integrations/{slug}/rotate", responses=errors(404))
def rotate_key(session: DbSession, actor: Actor, slug: str) -> schemas.IntegrationWithKey:
    """Replace the key; the old one stops working at once. The new key is shown this once."""
    key, integration = alerts.rotate_key(session, actor=actor, slug=slug)
    return schemas.IntegrationWithKey(**alerts.read_integration(integration).model_dump(), key=key)


# --- webhook types ----------------------------------------------------------------------------


@router.get("/webhook-types", responses=errors())
def list_webhook_types(session: DbSession, _: Reader) -> list[schemas.WebhookTypeRead]:
    """The tools an integration can read webhooks from: shipped ones and users' own."""
    return webhooks.list_types(session)


@router.get("/webhook-types/{slug}", responses=errors(404))
def get_webhook_type(session: DbSession, _: Reader, slug: str) -> schemas.WebhookTypeRead:
    return webhooks.get_type(session, slug)


@router.post("/webhook-types", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_webhook_type(
    session: DbSession, actor: Actor, data: schemas.WebhookTypeCreate
) -> schemas.WebhookTypeRead:
    """Add a tool without code: its template is saved once it reads its sample (else 422
    naming the field)."""
    return webhooks.create_type(session, actor=actor, data=data)


@router.put("/webhook-types/{slug}", responses=errors(404, 409))
def update_webhook_type(
    session: DbSession, actor: Actor, slug: str, data: schemas.WebhookTypeUpdate
) -> schemas.WebhookTypeRead:
    """Change a user's type: saved once its template reads its sample (else 422 naming the
    field); 409 from a stale version or for a shipped type, which is copied instead."""
    return webhooks.update_type(session, actor=actor, slug=slug, data=data)


@router.post("/webhook-types/preview", responses=errors())
def preview_webhook_type(_: Reader, data: schemas.WebhookTemplate) -> list[schemas.PreviewedAlert]:
    """The alerts a template makes of a sample payload, before it goes live (422 naming
    the field that fails it)."""
    return webhooks.preview(data)


@router.post("/integrations/{slug}/test-alert", responses=errors(404, 429))
def send_test_alert(session: DbSession, actor: Actor, slug: str) -> schemas.AlertRead | None:
    """Send a test alert through the integration's intake; the alert it became, if any."""
    landed = alerts.send_test_alert(session, actor=actor, slug=slug)
    return reports.read_alert(landed) if landed else None


# --- silences and maintenance -------------------------------------------------------------


@router.get("/silences", responses=errors())
def list_silences(
    session: DbSession, _: Reader, expired: bool = False
) -> list[schemas.SilenceRead]:
    return [
        silences.read_silence(s) for s in silences.list_silences(session, include_expired=expired)
    ]


@router.post("/silences", status_code=status.HTTP_201_CREATED, responses=errors())
def create_silence(
    session: DbSession, actor: Actor, data: schemas.SilenceCreate
) -> schemas.SilenceRead:
    return silences.read_silence(silences.create_silence(session, actor=actor, data=data))


@router.get("/silences/{silence_id}", responses=errors(404))
def get_silence(session: DbSession, _: Reader, silence_id: RecordId) -> schemas.SilenceRead:
    return silences.read_silence(silences.get_silence(session, silence_id))


@router.post("/silences/{silence_id}/expire", responses=errors(404, 409))
def expire_silence(session: DbSession, actor: Actor, silence_id: RecordId) -> schemas.SilenceRead:
    return silences.read_silence(
        silences.expire_silence(session, actor=actor, silence_id=silence_id)
    )


@router.get("/maintenance-windows", responses=errors())
def list_maintenance(
    session: DbSession, _: Reader, service: str | None = None, past: bool = False
) -> list[schemas.MaintenanceRead]:
    windows = silences.list_maintenance(session, service=service, include_past=past)
    return [silences.read_maintenance(w) for w in windows]


@router.post("/maintenance-windows", status_code=status.HTTP_201_CREATED, responses=errors(404))
def schedule_maintenance(
    session: DbSession, actor: Actor, data: schemas.MaintenanceCreate
) -> schemas.MaintenanceRead:
    return silences.read_maintenance(silences.schedule_maintenance(session, actor=actor, data=data))


@router.post("/maintenance-windows/{window_id}/end", responses=errors(404, 409))
def end_maintenance(
    session: DbSession, actor: Actor, window_id: RecordId
) -> schemas.MaintenanceRead:
    return silences.read_maintenance(
        silences.end_maintenance(session, actor=actor, window_id=window_id)
    )


# --- alerts, changes and noise ------------------------------------------------------------


@router.get("/alerts", responses=errors(400))
def list_alerts(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    status_: Annotated[AlertStatus | None, Query(alias="status")] = None,
    service: str | None = None,
    integration: str | None = None,
    incident: Annotated[str | None, Query(description="an incident key, e.g. INC-42")] = None,
    suppressed: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.AlertRead]:
    page = reports.search(
        session,
        actor=actor,
        status=status_,
        service=service,
        integration=integration,
        incident=incident,
        suppressed=suppressed,
        platform=platform,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[reports.read_alert(a) for a in page.items], next_cursor=page.next_cursor)


@router.post("/alerts/acknowledge", responses=errors(422))
def acknowledge_alerts(
    session: DbSession, actor: Actor, data: schemas.AlertsChosen
) -> schemas.TriageResult:
    """Someone is on these alerts; they keep firing until their source resolves them."""
    return triage.acknowledge(session, actor=actor, ids=data.alerts)


@router.post("/alerts/resolve", responses=errors(422))
def resolve_alerts(
    session: DbSession, actor: Actor, data: schemas.AlertsChosen
) -> schemas.TriageResult:
    """Resolve firing alerts by hand; their incidents stay as they are."""
    return triage.resolve(session, actor=actor, ids=data.alerts)


@router.post("/alerts/silence", status_code=status.HTTP_201_CREATED, responses=errors(422))
def silence_alerts(
    session: DbSession, actor: Actor, data: schemas.AlertsSilenced
) -> schemas.TriageResult:
    """Silence alerts like these (their labels, matched exactly) until `ends_at`."""
    return triage.silence(session, actor=actor, data=data)


@router.get("/incidents/{key}/alerts", responses=errors(404))
def incident_alerts(session: DbSession, actor: Actor, key: str) -> schemas.IncidentAlertsRead:
    """The incident's alerts, and its probable cause: the most upstream alerting service."""
    return reports.incident_alerts(session, actor=actor, key=key)


@router.get("/change-events", responses=errors())
def list_change_events(
    session: DbSession,
    actor: Actor,
    service: str | None = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.ChangeEventRead]:
    """A service's change timeline, newest first."""
    page = reports.changes(
        session, actor=actor, service=service, since=since, limit=limit, cursor=cursor
    )
    return PageOut(items=[reports.read_change(c) for c in page.items], next_cursor=page.next_cursor)


@router.get("/noise", responses=errors())
def noise(
    session: DbSession,
    actor: Actor,
    by: Literal["integration", "service"] = "integration",
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
) -> list[schemas.NoiseRead]:
    """Noise figures over alerts first received in [since, until)."""
    return reports.noise(session, actor=actor, by=by, since=since, until=until)

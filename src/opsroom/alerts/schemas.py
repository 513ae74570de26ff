"""What the alerts API and CLI accept and return, and the shape of an integration's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from opsroom.alerts.domain import AlertStatus, Severity, SilenceState, parse_matcher
from opsroom.infra.apidoc import Input
from opsroom.infra.pagination import MAX_KEY

LabelName = Annotated[str, Field(pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$", max_length=100)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80)]
Level = Annotated[int, Field(ge=1, le=3, description="1 = high ... 3 = low")]


class IntegrationSettings(Input):
    """How an integration turns alerts into incidents; every field has a working default."""

    group_by: list[LabelName] = Field(
        default=[],
        description="labels whose values group alerts; empty: the sender's own grouping "
        "(Alertmanager's groupKey), else each alert on its own",
    )
    grouping_window_minutes: int = Field(
        default=15, ge=0, le=1440, description="how long a group or linked services stay joinable"
    )
    alerts_to_open: int = Field(
        default=1, ge=1, le=100, description="alerts in one group before an incident opens"
    )
    urgency: dict[Severity, Level] = Field(
        default={}, description="severity -> incident urgency, over the defaults"
    )
    auto_resolve: bool = Field(
        default=True, description="resolve the incident when all its alerts have resolved"
    )
    reopen_window_minutes: int = Field(
        default=0,
        ge=0,
        le=10080,
        description="reopen a resolved incident when its group fires again within this many "
        "minutes; 0: open a new one instead",
    )
    route_label: LabelName = Field(
        default="service", description="label naming the service, for integrations without one"
    )
    raw_retention_days: int = Field(
        default=14, ge=1, le=365, description="days raw payloads are kept"
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=1, le=100_000, description="requests accepted per minute for this key"
    )
    webhook_type: Slug | None = Field(
        default=None,
        description="the webhook type (GET /api/v1/webhook-types) reading what this "
        "integration receives at /api/v1/ingest/webhook",
    )

    @classmethod
    def stored(cls, document: dict[str, Any] | None) -> IntegrationSettings:
        """The settings an integration row keeps (None or {} while all are the defaults)."""
        return cls.model_validate(document or {})


class IntegrationCreate(Input):
    slug: Slug
    name: str = Field(min_length=2, max_length=200)
    service: Slug | None = Field(
        default=None, description="the service it belongs to; omit to route by label"
    )
    settings: IntegrationSettings = Field(default_factory=IntegrationSettings)


class IntegrationUpdate(Input):
    version: int
    name: str | None = Field(default=None, min_length=2, max_length=200)
    settings: IntegrationSettings | None = None
    active: bool | None = None


class IntegrationRead(BaseModel):
    slug: str
    name: str
    service: str | None
    key_prefix: str = Field(description="the first characters of the key, to recognise it")
    settings: IntegrationSettings
    active: bool
    created_by: str
    created_at: datetime
    rotated_at: datetime | None
    version: int


class IntegrationWithKey(IntegrationRead):
    key: str = Field(description="the integration key; shown this once, only its hash is kept")


# --- webhook types ----------------------------------------------------------------------------

Expression = Annotated[str, Field(max_length=2000)]


class WebhookTemplate(Input):
    """A JMESPath expression per field of the alert; `summary` is required."""

    fields: dict[str, Expression] = Field(
        description="alerts, fingerprint, status, severity, summary, service, labels, links",
        examples=[{"summary": "event.name", "severity": "event.severity", "status": "status"}],
    )
    sample: Any = Field(description="a payload the tool sends, which the template must read")


class WebhookTypeCreate(WebhookTemplate):
    slug: Slug
    name: str = Field(min_length=2, max_length=200)


class WebhookTypeUpdate(WebhookTemplate):
    version: int = Field(description="the version you saw; stale gets 409")
    name: str = Field(min_length=2, max_length=200)


class WebhookTypeRead(BaseModel):
    slug: str
    name: str
    shipped: bool = Field(description="shipped with opsroom (else added by a user)")
    fields: dict[str, str]
    sample: Any
    version: int | None = Field(default=None, description="a user's type's; none when shipped")


class PreviewedAlert(BaseModel):
    """An alert as the worker would receive it from the webhook."""

    fingerprint: str
    status: AlertStatus
    severity: Severity
    summary: str
    service: str | None
    labels: dict[str, str]
    links: list[LinkRead]


class UnreadPayload(BaseModel):
    """A webhook its integration's type could not read, kept raw."""

    received_at: datetime
    problem: str
    body: str


# --- silences and maintenance ---------------------------------------------------------------


def _matcher(text: str) -> str:
    parse_matcher(text)
    return text


class SilenceCreate(Input):
    matchers: list[str] = Field(
        min_length=1,
        description='Alertmanager matchers: service="db", env!=dev, alertname=~"Disk.*"',
    )
    starts_at: AwareDatetime | None = Field(default=None, description="default: now")
    ends_at: AwareDatetime
    comment: str = Field(min_length=3, max_length=2000)

    @field_validator("matchers")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        return [_matcher(text) for text in value]


class SilenceRead(BaseModel):
    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    state: SilenceState
    created_by: str
    comment: str
    created_at: datetime


class MaintenanceCreate(Input):
    service: Slug
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    comment: str = Field(min_length=3, max_length=2000)


class MaintenanceRead(BaseModel):
    id: int
    service: str
    starts_at: datetime
    ends_at: datetime
    state: SilenceState
    created_by: str
    comment: str


# --- alerts, changes and figures ------------------------------------------------------------


class LinkRead(BaseModel):
    href: str
    text: str = ""


class AlertRead(BaseModel):
    id: int
    integration: str
    fingerprint: str
    status: AlertStatus
    severity: Severity
    summary: str
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[LinkRead]
    source: str
    service: str | None
    group_key: str
    starts_at: datetime | None
    ends_at: datetime | None
    first_received_at: datetime
    last_received_at: datetime
    acknowledged_at: datetime | None
    count: int = Field(description="firing notifications received for this alert")
    suppressed_by: str | None = Field(description="silence:<id> or maintenance:<id>")
    incident: str | None


class IncidentAlertsRead(BaseModel):
    incident: str
    probable_cause: str | None = Field(description="the most upstream alerting service")
    alerts: list[AlertRead]


class ChangeEventRead(BaseModel):
    id: int
    integration: str
    service: str | None
    summary: str
    source: str
    timestamp: datetime
    links: list[LinkRead]
    custom_details: dict[str, Any]


class NoiseRead(BaseModel):
    key: str = Field(description="the integration or service slug")
    received: int = Field(description="firing notifications received")
    alerts: int = Field(description="distinct alerts after de-duplication")
    deduplicated: int = Field(description="repeats folded into an alert already known")
    suppressed: int = Field(description="alerts silenced or under maintenance")
    incidents_opened: int
    noise_reduction_pct: float | None = Field(
        description="share of notifications that did not open an incident"
    )


class IngestResult(BaseModel):
    received: int = 0
    created: int = 0
    deduplicated: int = 0
    resolved: int = 0
    acknowledged: int = 0
    suppressed: int = 0
    ignored: int = Field(default=0, description="resolves or acknowledges for unknown alerts")
    incidents: list[str] = Field(default=[], description="incidents opened or joined")
    fingerprints: list[str] = []


AlertIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_KEY)]],
    Field(min_length=1, max_length=200, description="the alerts to act on"),
]


class AlertsChosen(Input):
    alerts: AlertIds


class AlertsSilenced(AlertsChosen):
    """Each chosen alert's labels, matched exactly, silenced until `ends_at`."""

    ends_at: AwareDatetime
    comment: str = Field(min_length=3, max_length=2000)


class TriageResult(BaseModel):
    changed: list[int] = Field(description="the alerts this changed")
    unchanged: list[int] = Field(description="already so: acknowledged, resolved or silenced")
    silences: list[int] = Field(default=[], description="the silences created")

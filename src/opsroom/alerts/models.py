from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Integration(Base):
    """A source of alerts: its key (only the SHA-256 is kept) and its settings as data.
    The token bucket lives on the row, so the rate limit holds across every process."""

    __tablename__ = "integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    service_slug: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    bucket_tokens: Mapped[float] = mapped_column(Float, default=0.0)
    bucket_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Alert(Base):
    """One occurrence of an alert, from first firing to resolution. `open_key` holds the
    fingerprint while it fires, so one integration has at most one firing row per fingerprint."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("integration_id", "open_key"),
        CheckConstraint("count >= 1", name="count_positive"),
        Index("ix_alerts_integration_fingerprint", "integration_id", "fingerprint"),
        Index("ix_alerts_group", "integration_id", "group_key", "last_received_at"),
        Index("ix_alerts_service_received", "service_slug", "last_received_at"),
        Index("ix_alerts_first_received", "first_received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    fingerprint: Mapped[str] = mapped_column(String(255))
    open_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(String(1024), default="")
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(255), default="")
    service_slug: Mapped[str | None] = mapped_column(String(80), nullable=True)
    group_key: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
    suppressed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    incident_number: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    opened_incident: Mapped[bool] = mapped_column(Boolean, default=False)

    integration: Mapped[Integration] = relationship(lazy="joined")

    @property
    def incident_key(self) -> str | None:
        return f"INC-{self.incident_number}" if self.incident_number else None


class RawPayload(Base):
    """A request body exactly as received, kept for the integration's retention."""

    __tablename__ = "alert_raw_payloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    source: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    # Why its alerts could not be read (a webhook its template does not fit), else None.
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)


class WebhookType(Base):
    """A webhook type a user added: how one tool's payload maps to alerts (JMESPath per
    field) and a sample payload the mapping was checked against when saved."""

    __tablename__ = "webhook_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    sample: Mapped[Any] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Silence(Base):
    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(primary_key=True)
    matchers: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(320))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MaintenanceWindow(Base):
    __tablename__ = "maintenance_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(320))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ChangeEvent(Base):
    """A change (deploy, config push) on a service's change timeline."""

    __tablename__ = "change_events"
    __table_args__ = (Index("ix_change_events_service_at", "service_slug", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    service_slug: Mapped[str | None] = mapped_column(String(80), nullable=True)
    summary: Mapped[str] = mapped_column(String(1024))
    source: Mapped[str] = mapped_column(String(255), default="")
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    custom_details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    integration: Mapped[Integration] = relationship(lazy="joined")


class IntakeRequest(Base):
    """An accepted ingest request waiting for the worker: its body, as received and already
    checked, which the worker parses when it drains the request (and then keeps as a raw
    payload); or, from callers that hand over alerts already normalised (and a PagerDuty
    trigger whose dedup_key opsroom made up), those alerts as orjson text. The id is the order
    of arrival; the worker drains an integration's requests in that order."""

    __tablename__ = "alert_intake"
    __table_args__ = (Index("ix_alert_intake_integration", "integration_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("integrations.id", ondelete="CASCADE"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(40))
    alerts: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)

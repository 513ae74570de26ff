from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
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


class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (
        Index("ix_changes_status_start", "status", "planned_start"),
        Index("ix_changes_window", "planned_start", "planned_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    squad: Mapped[str] = mapped_column(String(80), index=True)  # the implementer squad
    implementer: Mapped[str] = mapped_column(String(320), default="")
    vendor: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)  # makes it
    planned_start: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)  # failed or rolled back
    rollback_plan: Mapped[str] = mapped_column(Text, default="")
    test_evidence: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    template: Mapped[str | None] = mapped_column(String(80), nullable=True)
    risk_score: Mapped[int] = mapped_column(Integer, default=0)
    risk_level: Mapped[str] = mapped_column(String(10), default="low")
    risk_factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    required_approvals: Mapped[list[str]] = mapped_column(JSON, default=list)
    in_freeze: Mapped[bool] = mapped_column(Boolean, default=False)
    freeze_exception: Mapped[str] = mapped_column(Text, default="")  # the reason, once granted
    freeze_exception_by: Mapped[str] = mapped_column(String(320), default="")
    source: Mapped[str] = mapped_column(String(50), default="manual")
    created_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    services: Mapped[list[ChangeService]] = relationship(
        cascade="all, delete-orphan", order_by="ChangeService.service_slug", lazy="selectin"
    )
    decisions: Mapped[list[ChangeDecision]] = relationship(
        cascade="all, delete-orphan", order_by="ChangeDecision.id", lazy="selectin"
    )
    incidents: Mapped[list[ChangeIncident]] = relationship(
        cascade="all, delete-orphan", order_by="ChangeIncident.incident_key", lazy="selectin"
    )

    @property
    def key(self) -> str:
        return f"CHG-{self.number}"

    @property
    def service_slugs(self) -> list[str]:
        return [s.service_slug for s in self.services]

    @property
    def incident_keys(self) -> list[str]:
        return [i.incident_key for i in self.incidents]


class ChangeService(Base):
    __tablename__ = "change_services"
    __table_args__ = (UniqueConstraint("change_id", "service_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    service_slug: Mapped[str] = mapped_column(String(80), index=True)


class ChangeDecision(Base):
    """An approval or rejection, with its comment; an approval fills one requirement."""

    __tablename__ = "change_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(String(10))  # approved or rejected
    requirement: Mapped[str] = mapped_column(String(120), default="")
    by: Mapped[str] = mapped_column(String(320))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ChangeIncident(Base):
    """An incident this change caused."""

    __tablename__ = "change_incidents"
    __table_args__ = (UniqueConstraint("change_id", "incident_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"), index=True)
    incident_key: Mapped[str] = mapped_column(String(20), index=True)
    marked_by: Mapped[str] = mapped_column(String(320))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class FreezeWindow(Base):
    __tablename__ = "freeze_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    journeys: Mapped[list[str]] = mapped_column(JSON, default=list)
    everything: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ChangeTemplate(Base):
    """A standard change: pre-approved within its services and duration."""

    __tablename__ = "change_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_minutes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(320))

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime

# The KPI durations, in seconds between two of the incident's timestamps (name -> (from,
# to)): kept whenever the timestamps are written (see _keep_durations), so the figures sum
# and sort stored numbers instead of doing date arithmetic on every incident of a period.
DURATIONS = {
    "seconds_to_detect": ("impact_started_at", "detected_at"),
    "seconds_to_acknowledge": ("detected_at", "acknowledged_at"),
    "seconds_to_mitigate": ("detected_at", "mitigated_at"),
    "seconds_to_resolve": ("detected_at", "resolved_at"),
    "seconds_impact_to_resolve": ("impact_started_at", "resolved_at"),
}
# KPI figures scan a period of detection: every column they read is in this index, so the
# scan never visits the table.
PERIOD_COLUMNS = (
    "detected_at",
    "status",
    "priority",
    "major",
    "platform_slug",
    "impact_started_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "id",
    *DURATIONS,
)


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("impact BETWEEN 1 AND 3", name="impact_range"),
        CheckConstraint("urgency BETWEEN 1 AND 3", name="urgency_range"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        Index("ix_incidents_status_priority", "status", "priority"),
        Index("ix_incidents_platform_detected", "platform_slug", "detected_at"),
        # Lists are read newest first by number: filtering on these columns can then walk
        # the index in that order and stop at the end of the page instead of sorting.
        Index("ix_incidents_status_number", "status", "number"),
        Index("ix_incidents_platform_number", "platform_slug", "number"),
        # The open-major banner on every page (major AND open) and lists of major incidents.
        Index("ix_incidents_major_status_number", "major", "status", "number"),
        Index("ix_incidents_period", *PERIOD_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    platform_slug: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    impact: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    priority_reason: Mapped[str] = mapped_column(Text, default="")  # set when overridden
    # What fixed it, asked for on resolving; a reopened incident starts without one.
    resolution_summary: Mapped[str] = mapped_column(Text, default="")
    major: Mapped[bool] = mapped_column(Boolean)
    bridge_url: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(50), default="manual")
    duplicate_of_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    reassignment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The record's number in the system it was imported from (e.g. ServiceNow's INC0000045).
    external_ref: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    impact_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seconds_to_detect: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds_to_acknowledge: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds_to_mitigate: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds_to_resolve: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds_impact_to_resolve: Mapped[float | None] = mapped_column(Float, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    update_overdue_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    declared_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)

    # Loaded when first used (once per unit of work): a list needs only the services, and
    # loads them for the whole page (see service.search); one incident's page needs all three.
    services: Mapped[list[IncidentService]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentService.service_slug"
    )
    roles: Mapped[list[IncidentRole]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentRole.role"
    )
    participants: Mapped[list[IncidentParticipant]] = relationship(
        cascade="all, delete-orphan", order_by="IncidentParticipant.id"
    )

    @property
    def key(self) -> str:
        return f"INC-{self.number}"

    @property
    def service_slugs(self) -> list[str]:
        return [s.service_slug for s in self.services]


def durations(times: Mapping[str, datetime | None]) -> dict[str, float | None]:
    """Each of DURATIONS from these timestamps: None while either end is unknown."""
    found: dict[str, float | None] = {}
    for name, (start, end) in DURATIONS.items():
        since, until = times.get(start), times.get(end)
        found[name] = None if since is None or until is None else (until - since).total_seconds()
    return found


@event.listens_for(Incident, "before_insert")
@event.listens_for(Incident, "before_update")
def _keep_durations(_mapper: Any, _connection: Any, incident: Incident) -> None:
    times = {name: getattr(incident, name) for span in DURATIONS.values() for name in span}
    for name, seconds in durations(times).items():
        setattr(incident, name, seconds)


class IncidentService(Base):
    __tablename__ = "incident_services"
    __table_args__ = (UniqueConstraint("incident_id", "service_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    owner_squad: Mapped[str] = mapped_column(String(80), index=True)


class IncidentRole(Base):
    __tablename__ = "incident_roles"
    __table_args__ = (UniqueConstraint("incident_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(40))
    person: Mapped[str] = mapped_column(String(320))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class IncidentParticipant(Base):
    """A person, squad, vendor or stakeholder engaged on the incident."""

    __tablename__ = "incident_participants"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    ref: Mapped[str] = mapped_column(String(320), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class StatusUpdate(Base):
    __tablename__ = "incident_status_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    author: Mapped[str] = mapped_column(String(320))
    audience: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)


class IncidentLink(Base):
    __tablename__ = "incident_links"
    __table_args__ = (
        UniqueConstraint("from_id", "to_id", "kind"),
        CheckConstraint("from_id <> to_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))


class IncidentTask(Base):
    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    assignee: Mapped[str] = mapped_column(String(320), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_by: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Problem(Base):
    __tablename__ = "problems"
    __table_args__ = (
        CheckConstraint("impact BETWEEN 1 AND 3", name="impact_range"),
        CheckConstraint("urgency BETWEEN 1 AND 3", name="urgency_range"),
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    statement: Mapped[str] = mapped_column(Text, default="")
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    owner_squad: Mapped[str] = mapped_column(String(80), index=True)
    impact: Mapped[int] = mapped_column(Integer)
    urgency: Mapped[int] = mapped_column(Integer)
    priority: Mapped[int] = mapped_column(Integer)
    vendor_slug: Mapped[str | None] = mapped_column(String(80), nullable=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    five_whys: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Known error: how it shows, how to recognise it on a new incident, how to work around it.
    symptom: Mapped[str] = mapped_column(Text, default="")
    workaround: Mapped[str] = mapped_column(Text, default="")
    match_services: Mapped[list[str]] = mapped_column(JSON, default=list)
    match_labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    match_title: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    services: Mapped[list[ProblemService]] = relationship(
        cascade="all, delete-orphan", order_by="ProblemService.service_slug"
    )
    incidents: Mapped[list[ProblemIncident]] = relationship(
        cascade="all, delete-orphan", order_by="ProblemIncident.incident_number"
    )
    factors: Mapped[list[ContributingFactor]] = relationship(
        cascade="all, delete-orphan", order_by="ContributingFactor.id"
    )

    @property
    def key(self) -> str:
        return f"PRB-{self.number}"

    @property
    def known_error(self) -> bool:
        return bool(self.workaround.strip())


class ProblemService(Base):
    __tablename__ = "problem_services"
    __table_args__ = (UniqueConstraint("problem_id", "service_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    service_slug: Mapped[str] = mapped_column(String(80), index=True)


class ProblemIncident(Base):
    __tablename__ = "problem_incidents"
    __table_args__ = (UniqueConstraint("problem_id", "incident_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    incident_number: Mapped[int] = mapped_column(Integer, index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ContributingFactor(Base):
    __tablename__ = "problem_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("problems.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)


class RecurrenceProposal(Base):
    """Alike incidents on one service that opsroom proposes to treat as one problem."""

    __tablename__ = "problem_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(300))
    incident_keys: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)  # proposed, accepted, dismissed
    problem_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

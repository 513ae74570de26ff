from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class OnCallSchedule(Base):
    __tablename__ = "oncall_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    squad_slug: Mapped[str | None] = mapped_column(String(80), index=True, nullable=True)
    zone: Mapped[str] = mapped_column(String(60), default="UTC")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    layers: Mapped[list[OnCallLayer]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="OnCallLayer.rank"
    )
    overrides: Mapped[list[OnCallOverride]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="OnCallOverride.id"
    )


class OnCallLayer(Base):
    """A rotation; layers with a higher rank win."""

    __tablename__ = "oncall_layers"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200), default="")
    participants: Mapped[list[str]] = mapped_column(JSON)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    zone: Mapped[str] = mapped_column(String(60))
    length: Mapped[int] = mapped_column(Integer, default=1)
    unit: Mapped[str] = mapped_column(String(10), default="weeks")
    restrictions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    schedule: Mapped[OnCallSchedule] = relationship(back_populates="layers")


class OnCallOverride(Base):
    __tablename__ = "oncall_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("oncall_schedules.id", ondelete="CASCADE"), index=True
    )
    person: Mapped[str] = mapped_column(String(320))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    schedule: Mapped[OnCallSchedule] = relationship(back_populates="overrides")


class EscalationPolicy(Base):
    """Ordered levels (JSON: targets and a timeout each), repeated up to `repeats` times."""

    __tablename__ = "escalation_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    squad_slug: Mapped[str | None] = mapped_column(String(80), index=True, nullable=True)
    squad_default: Mapped[bool] = mapped_column(Boolean, default=False)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Escalation(Base):
    """One incident's walk through a policy: where it stands and whether it still runs."""

    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_key: Mapped[str] = mapped_column(String(40), unique=True)
    policy_slug: Mapped[str] = mapped_column(String(80))
    level: Mapped[int] = mapped_column(Integer, default=0)
    round: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="running")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OnCallFeed(Base):
    """The nonce behind a calendar feed's secret token (a schedule's or a person's): a new
    nonce makes every earlier subscribe URL answer 404. No row: the feed's first token."""

    __tablename__ = "oncall_feeds"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # schedule, person
    key: Mapped[str] = mapped_column(String(320))
    nonce: Mapped[str] = mapped_column(String(64))
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

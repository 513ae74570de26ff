from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime
from opsroom.notify import domain


class ContactMethod(Base):
    __tablename__ = "contact_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(320), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # email, webhook, slack, teams, sms
    address: Mapped[str] = mapped_column(String(2000))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Pages and notices reach a method only once verified (domain.needs_verification).
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verification_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verification_tries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class NotificationRule(Base):
    """'Email at once, chat after 2 minutes': when a page reaches which contact method."""

    __tablename__ = "notification_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    person: Mapped[str] = mapped_column(String(320), index=True)
    contact_method_id: Mapped[int] = mapped_column(
        ForeignKey("contact_methods.id", ondelete="CASCADE"), index=True
    )
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # which pages the rule is for: any, high or low urgency (domain.Urgency)
    urgency: Mapped[str] = mapped_column(String(10), default="any", server_default="any")

    contact_method: Mapped[ContactMethod] = relationship(lazy="joined")


class QuietHours(Base):
    """When a person is not to be woken for a low-urgency page (local time in their zone);
    such pages wait until the quiet hours end."""

    __tablename__ = "quiet_hours"

    person: Mapped[str] = mapped_column(String(320), primary_key=True)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    time_zone: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """A message that must leave the process: written with its cause, sent after commit by a
    worker holding its lease (the outbox is its own queue, claimed like the timers)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_incident", "incident_key", "status"),
        Index("ix_outbox_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40), default="incident.page")  # page or notice kind
    address: Mapped[str] = mapped_column(String(2000))
    person: Mapped[str] = mapped_column(String(320), index=True)
    incident_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def idempotency_key(self) -> str:
        return domain.idempotency_key(self.dedup_key)


class Subscription(Base):
    """A stakeholder who wants an incident's status updates when it touches a service or a
    journey: a person (reached on their contact methods) or a bare email address."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("subscriber", "target_kind", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(320), index=True)
    person: Mapped[bool] = mapped_column(Boolean, default=False)  # an account, not a bare address
    target_kind: Mapped[str] = mapped_column(String(20))  # service or journey
    target: Mapped[str] = mapped_column(String(80), index=True)
    # internal: every status update; customer: customer updates only (domain.hears)
    audience: Mapped[str] = mapped_column(String(20), default="customer", server_default="customer")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

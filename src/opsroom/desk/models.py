from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (CheckConstraint("priority BETWEEN 1 AND 4", name="priority_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    requester: Mapped[str] = mapped_column(String(320), index=True)
    organisation: Mapped[str] = mapped_column(String(120), index=True)
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    squad: Mapped[str] = mapped_column(String(80), index=True)  # the queue it waits in
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    incident_number: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    problem_number: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    first_response_due: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_response_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    messages: Mapped[list[TicketMessage]] = relationship(
        cascade="all, delete-orphan", order_by="TicketMessage.id"
    )

    @property
    def key(self) -> str:
        return f"TKT-{self.number}"


class TicketMessage(Base):
    """A reply the requester sees, or an internal note they never do."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(320))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Survey(Base):
    """The satisfaction survey sent on resolution, of a ticket to its requester or of an
    incident to each subscribed stakeholder: answered once, by whoever holds the link (only
    its token's hash is kept), reminded once."""

    __tablename__ = "ticket_surveys"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
        UniqueConstraint("incident_key", "recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True, nullable=True
    )
    incident_key: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    recipient: Mapped[str] = mapped_column(String(320), default="", server_default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    squad: Mapped[str] = mapped_column(String(80), index=True)
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    follow_up: Mapped[str] = mapped_column(String(20), default="", server_default="")

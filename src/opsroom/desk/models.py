from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
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

    request_type: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    answers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)

    messages: Mapped[list[TicketMessage]] = relationship(
        cascade="all, delete-orphan", order_by="TicketMessage.id"
    )
    attachments: Mapped[list[TicketAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="TicketAttachment.id"
    )
    approvals: Mapped[list[TicketApproval]] = relationship(
        cascade="all, delete-orphan", order_by="TicketApproval.step"
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


class TicketAttachment(Base):
    """A file that came with a requester's email, kept with its SHA-256."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    added_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Organisation(Base):
    """A customer organisation: its requesters belong to it and see its tickets; mail from
    its email domains is its requesters'. Its name is its key."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)  # it is a customer of
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    domains: Mapped[list[OrganisationDomain]] = relationship(
        cascade="all, delete-orphan", order_by="OrganisationDomain.domain"
    )

    @property
    def key(self) -> str:
        return self.name


class OrganisationDomain(Base):
    """An email domain of one organisation (one organisation per domain)."""

    __tablename__ = "organisation_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)


class RequestType(Base):
    """Something customers may ask for from the catalog: the questions they answer, who
    approves it in which order, the squad that fulfils it and its priority's SLA."""

    __tablename__ = "request_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    service_slug: Mapped[str] = mapped_column(String(80))
    squad: Mapped[str] = mapped_column(String(80))  # fulfils it
    priority: Mapped[int] = mapped_column(Integer)
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return self.slug


class TicketApproval(Base):
    """One approval step of a requested ticket, decided in order."""

    __tablename__ = "ticket_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    approver: Mapped[str] = mapped_column(String(30))
    squad: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decision: Mapped[str] = mapped_column(String(20), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class VendorEngagement(Base):
    """A vendor called in on an incident, and its contract clock."""

    __tablename__ = "vendor_engagements"
    __table_args__ = (Index("ix_vendor_engagements_incident_vendor", "incident_key", "vendor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_key: Mapped[str] = mapped_column(String(20))
    vendor: Mapped[str] = mapped_column(String(80), index=True)
    priority: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(20), index=True)
    level: Mapped[int] = mapped_column(Integer, default=1)
    engaged_by: Mapped[str] = mapped_column(String(320))
    engaged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    response_due: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    credit: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(10), default="")
    credit_status: Mapped[str] = mapped_column(String(20), default="none")
    dispute_note: Mapped[str] = mapped_column(Text, default="")
    settlement_note: Mapped[str] = mapped_column(Text, default="")


class VendorContract(Base):
    """The contract a vendor is held to: its term, support level and renewal notice."""

    __tablename__ = "vendor_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor: Mapped[str] = mapped_column(String(80), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    support_level: Mapped[str] = mapped_column(String(20))
    notice_days: Mapped[int] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(320), default="")
    # [{component, ends_on (ISO day)}]: what it no longer supports
    out_of_support: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)

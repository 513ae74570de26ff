from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Review(Base):
    """One post-incident review per incident, keyed by the incident's key."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    owner_squad: Mapped[str] = mapped_column(String(80), index=True)
    owner: Mapped[str] = mapped_column(String(320), default="")
    priority: Mapped[int] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    overdue_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # What the incident recorded, drawn when the draft was made: figures, timeline, alerts.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    what_happened: Mapped[str] = mapped_column(Text, default="")
    contributing_factors: Mapped[str] = mapped_column(Text, default="")
    went_well: Mapped[str] = mapped_column(Text, default="")
    went_poorly: Mapped[str] = mapped_column(Text, default="")
    got_lucky: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return f"INC-{self.incident_number}"

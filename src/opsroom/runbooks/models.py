from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Runbook(Base):
    """A job in an automation tool that responders may run on an incident of the platform.
    Its token is kept apart from what is shown or audited."""

    __tablename__ = "runbooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    tool: Mapped[str] = mapped_column(String(20))
    base_url: Mapped[str] = mapped_column(String(2000))
    job: Mapped[str] = mapped_column(String(200))
    risky: Mapped[bool] = mapped_column(Boolean, default=False)
    runs_per_hour: Mapped[int] = mapped_column(Integer, default=0)  # 0: no limit
    # runs by itself on each incident this integration's alerts open
    integration: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    token: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return self.slug


class RunbookRun(Base):
    """One run of a runbook on an incident: asked for, approved or rejected, launched,
    and its outcome as the tool reported it."""

    __tablename__ = "runbook_runs"
    __table_args__ = (Index("ix_runbook_runs_runbook_created", "runbook_slug", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    runbook_slug: Mapped[str] = mapped_column(String(80))
    incident_key: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(20))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(320))
    decided_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    execution: Mapped[str | None] = mapped_column(String(100), nullable=True)
    tool_status: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

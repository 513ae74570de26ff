from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Connection(Base):
    """How one platform reaches its Jira or its Confluence. The secrets (API token, webhook
    secret) are kept apart from the settings so no read, audit entry or page shows them."""

    __tablename__ = "outbound_connections"
    __table_args__ = (UniqueConstraint("platform_slug", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_slug: Mapped[str] = mapped_column(String(80))
    system: Mapped[str] = mapped_column(String(20))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    secrets: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return f"{self.platform_slug}/{self.system}"


class Link(Base):
    """A record's counterpart in Jira or Confluence: queued, made, or refused (and why)."""

    __tablename__ = "outbound_links"
    __table_args__ = (UniqueConstraint("subject_type", "subject_key", "system"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_key: Mapped[str] = mapped_column(String(40))
    system: Mapped[str] = mapped_column(String(20))
    platform_slug: Mapped[str] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20))
    remote_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # the Jira issue's key (PAY-12) or the Confluence page's title
    remote_key: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    remote_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remote_status: Mapped[str | None] = mapped_column(String(80), nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

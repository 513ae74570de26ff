from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class StatusSubscriber(Base):
    """Someone who asked for a platform's incident news by email: pending until they follow
    the signed link in the confirmation mail, and mailed only after."""

    __tablename__ = "status_subscribers"
    __table_args__ = (UniqueConstraint("platform_slug", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

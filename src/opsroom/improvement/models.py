"""The settings of problem management, reviews and action items: one row, absent while the
shipped defaults apply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra.db import Base, UTCDateTime


class ProblemSettingsRecord(Base):
    __tablename__ = "problem_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

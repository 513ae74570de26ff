from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class ActionItem(Base):
    __tablename__ = "action_items"
    __table_args__ = (
        CheckConstraint("priority BETWEEN 1 AND 5", name="priority_range"),
        Index("ix_action_items_squad_status", "owner_squad", "status"),
        Index("ix_action_items_source", "source_type", "source_key"),
        Index("ix_action_items_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20))
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    owner_squad: Mapped[str] = mapped_column(String(80))
    owner: Mapped[str] = mapped_column(String(320), default="")
    priority: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    source_type: Mapped[str] = mapped_column(String(20))
    source_key: Mapped[str] = mapped_column(String(80), default="")
    problem_number: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    systemic: Mapped[bool] = mapped_column(Boolean, default=False)
    independent_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    wont_do_reason: Mapped[str] = mapped_column(Text, default="")
    wont_do_accepted_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return f"ACT-{self.number}"

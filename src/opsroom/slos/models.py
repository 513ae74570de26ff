from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Slo(Base):
    """A service level objective on one service or one journey."""

    __tablename__ = "slos"
    __table_args__ = (
        CheckConstraint("objective > 0 AND objective < 100", name="objective_range"),
        CheckConstraint(
            "(service_slug IS NULL) <> (journey_slug IS NULL)", name="one_service_or_journey"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    # What an applied OpenSLO document named it (`metadata.name`); exported as `slo-N`
    # when it was not set from one.
    openslo_name: Mapped[str | None] = mapped_column(String(63), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    service_slug: Mapped[str | None] = mapped_column(String(80), index=True, nullable=True)
    journey_slug: Mapped[str | None] = mapped_column(String(80), index=True, nullable=True)
    objective: Mapped[float] = mapped_column(Float)  # percent of good time, e.g. 99.9
    window: Mapped[str] = mapped_column("budget_window", String(10))
    sli_kind: Mapped[str] = mapped_column(String(20))
    # Where a ratio or threshold SLI's events come from: Prometheus or counts pushed to us.
    sli_source: Mapped[str] = mapped_column(String(20))
    # A threshold SLI: events faster than this many seconds are good.
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Incidents of this priority or more urgent count as customer impact.
    worst_priority: Mapped[int] = mapped_column(Integer, default=2)
    # A ratio SLI: the Prometheus it is read from and its good and total event counters.
    prometheus_url: Mapped[str] = mapped_column(String(500), default="")
    good_query: Mapped[str] = mapped_column(Text, default="")
    total_query: Mapped[str] = mapped_column(Text, default="")
    # A threshold SLI from Prometheus: the latency histogram (`name{matchers}`).
    histogram: Mapped[str] = mapped_column(Text, default="")
    # How opsroom proves itself to that Prometheus: none, a bearer token or basic auth. The
    # secret (token or password) is written, never read back out.
    prometheus_auth: Mapped[str] = mapped_column(String(10), default="none")
    prometheus_username: Mapped[str] = mapped_column(String(200), default="")
    prometheus_secret: Mapped[str] = mapped_column(String(500), default="")
    owner_squad: Mapped[str] = mapped_column(String(80), index=True)
    owner: Mapped[str] = mapped_column(String(320), default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return f"SLO-{self.number}"


class SloCount(Base):
    """Pushed SLI counts: the good and all events of one SLO in one minute."""

    __tablename__ = "slo_counts"
    __table_args__ = (
        UniqueConstraint("slo_id", "minute"),
        CheckConstraint("good >= 0 AND good <= total", name="good_within_total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slo_id: Mapped[int] = mapped_column(ForeignKey("slos.id", ondelete="CASCADE"))
    minute: Mapped[datetime] = mapped_column(UTCDateTime)
    good: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class WatchedSeries(Base):
    """A metric series of a service, scored point by point by its detector, whose state is
    kept here between points (and restarts)."""

    __tablename__ = "watched_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    detector: Mapped[str] = mapped_column(String(20))
    sensitivity: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    step_seconds: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    points: Mapped[int] = mapped_column(Integer, default=0)
    skipped_not_finite: Mapped[int] = mapped_column(Integer, default=0)
    skipped_out_of_order: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    anomalous_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A series polled from Prometheus: its server, PromQL query, how often, and the last error.
    prometheus_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    query: Mapped[str | None] = mapped_column(Text, nullable=True)
    poll_seconds: Mapped[int] = mapped_column(Integer, default=0)
    source_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    source_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)


class SeriesPoint(Base):
    """A point as it was scored, for the series' chart."""

    __tablename__ = "series_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("watched_series.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    expected_low: Mapped[float] = mapped_column(Float)
    expected_high: Mapped[float] = mapped_column(Float)


class Anomaly(Base):
    """A point that scored at or over its series' threshold, and the alert it raised."""

    __tablename__ = "anomalies"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    series_id: Mapped[int] = mapped_column(
        ForeignKey("watched_series.id", ondelete="CASCADE"), index=True
    )
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    detector: Mapped[str] = mapped_column(String(20), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    expected_low: Mapped[float] = mapped_column(Float)
    expected_high: Mapped[float] = mapped_column(Float)
    alert_fingerprint: Mapped[str] = mapped_column(String(255))
    judgement: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    judged_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    series: Mapped[WatchedSeries] = relationship(lazy="joined")

    @property
    def key(self) -> str:
        return f"ANM-{self.number}"

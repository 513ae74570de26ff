from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Risk(Base):
    __tablename__ = "risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    causes: Mapped[str] = mapped_column(Text, default="")
    consequences: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(320), default="")
    owner_squad: Mapped[str] = mapped_column(String(80), index=True)
    inherent_likelihood: Mapped[int] = mapped_column(Integer)
    inherent_impact: Mapped[int] = mapped_column(Integer)
    current_likelihood: Mapped[int] = mapped_column(Integer)
    current_impact: Mapped[int] = mapped_column(Integer)
    target_likelihood: Mapped[int] = mapped_column(Integer)
    target_impact: Mapped[int] = mapped_column(Integer)
    treatment: Mapped[str] = mapped_column(String(20))
    treatment_plan: Mapped[str] = mapped_column(Text, default="")
    review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    accepted_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    accepted_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    acceptance_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    affected: Mapped[list[RiskAffected]] = relationship(
        cascade="all, delete-orphan", order_by="(RiskAffected.kind, RiskAffected.slug)"
    )
    links: Mapped[list[RiskLink]] = relationship(
        cascade="all, delete-orphan", order_by="(RiskLink.kind, RiskLink.number)"
    )
    scores: Mapped[list[RiskScore]] = relationship(
        cascade="all, delete-orphan", order_by="RiskScore.id"
    )

    @property
    def key(self) -> str:
        return f"RSK-{self.number}"


class RiskAffected(Base):
    """A service, journey or vendor the risk would hit."""

    __tablename__ = "risk_affected"
    __table_args__ = (UniqueConstraint("risk_id", "kind", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    slug: Mapped[str] = mapped_column(String(80), index=True)


class RiskLink(Base):
    """An incident, problem or failed change that shows the risk materialised; `proposed`
    until someone confirms a link opsroom suggested."""

    __tablename__ = "risk_links"
    __table_args__ = (UniqueConstraint("risk_id", "kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    proposed: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    downtime_hours: Mapped[float] = mapped_column(default=0.0)
    linked_by: Mapped[str] = mapped_column(String(320))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class RiskScore(Base):
    """One assessment as it was set: the history of a risk's scores."""

    __tablename__ = "risk_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    assessment: Mapped[str] = mapped_column(String(20))
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    set_by: Mapped[str] = mapped_column(String(320))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Issue(Base):
    """A known present problem that is not an incident: an expiring certificate, a vendor
    out of support."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    platform_slug: Mapped[str] = mapped_column(String(80), index=True)
    owner: Mapped[str] = mapped_column(String(320), default="")
    owner_squad: Mapped[str] = mapped_column(String(80), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    escalated_to: Mapped[str] = mapped_column(String(320), default="")
    escalation_reason: Mapped[str] = mapped_column(Text, default="")
    risk_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # what raised it on its own, e.g. "vendor-support:payflow:payflow sdk 2.x"
    source: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def key(self) -> str:
        return f"ISS-{self.number}"

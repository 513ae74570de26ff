from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsroom.infra import clock
from opsroom.infra.db import Base, UTCDateTime


class Versioned:
    """Records people edit: a version for optimistic concurrency and edit times."""

    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, onupdate=clock.now)


class Platform(Versioned, Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    operations_manager_name: Mapped[str] = mapped_column(String(200), default="")
    operations_manager_email: Mapped[str] = mapped_column(String(320), default="")


class Squad(Versioned, Base):
    __tablename__ = "squads"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    chat_channel: Mapped[str] = mapped_column(String(200), default="")

    platform: Mapped[Platform] = relationship(lazy="joined")
    members: Mapped[list[SquadMember]] = relationship(
        back_populates="squad", cascade="all, delete-orphan", order_by="SquadMember.name"
    )


class SquadMember(Base):
    __tablename__ = "squad_members"
    __table_args__ = (UniqueConstraint("squad_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squads.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    phone: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(100), default="engineer")

    squad: Mapped[Squad] = relationship(back_populates="members")


class Service(Versioned, Base):
    __tablename__ = "services"
    __table_args__ = (CheckConstraint("tier BETWEEN 1 AND 4", name="tier_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    owner_squad_id: Mapped[int] = mapped_column(ForeignKey("squads.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    tier: Mapped[int] = mapped_column(Integer, index=True)
    run_by: Mapped[str] = mapped_column(String(20))
    lifecycle: Mapped[str] = mapped_column(String(20), index=True)
    runbook_url: Mapped[str] = mapped_column(String(500), default="")
    data_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    hosting_regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    platform: Mapped[Platform] = relationship(lazy="joined")
    owner: Mapped[Squad] = relationship(lazy="joined")


class ServiceDependency(Base):
    """service depends on depends_on."""

    __tablename__ = "service_dependencies"
    __table_args__ = (
        UniqueConstraint("service_id", "depends_on_id"),
        CheckConstraint("service_id <> depends_on_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )


class Journey(Versioned, Base):
    __tablename__ = "journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    owner_squad_id: Mapped[int] = mapped_column(ForeignKey("squads.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    criticality: Mapped[str] = mapped_column(String(20))

    platform: Mapped[Platform] = relationship(lazy="joined")
    owner: Mapped[Squad] = relationship(lazy="joined")
    steps: Mapped[list[JourneyStep]] = relationship(
        cascade="all, delete-orphan", order_by="JourneyStep.position", lazy="selectin"
    )

    @property
    def services(self) -> list[str]:
        return [step.service.slug for step in self.steps]


class JourneyStep(Base):
    __tablename__ = "journey_steps"
    __table_args__ = (UniqueConstraint("journey_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    journey_id: Mapped[int] = mapped_column(
        ForeignKey("journeys.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)

    service: Mapped[Service] = relationship(lazy="joined")


class Vendor(Versioned, Base):
    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    support_contacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    contract_reference: Mapped[str] = mapped_column(String(200), default="")
    sla_terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    escalation: Mapped[list[VendorEscalationLevel]] = relationship(
        cascade="all, delete-orphan", order_by="VendorEscalationLevel.level", lazy="selectin"
    )
    services: Mapped[list[VendorService]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="VendorService.id"
    )


class VendorEscalationLevel(Base):
    __tablename__ = "vendor_escalation_levels"
    __table_args__ = (UniqueConstraint("vendor_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    contact: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    response_minutes: Mapped[int] = mapped_column(Integer)


class VendorService(Base):
    """A vendor runs or supports a service."""

    __tablename__ = "vendor_services"
    __table_args__ = (UniqueConstraint("vendor_id", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20), default="supports")

    service: Mapped[Service] = relationship(lazy="joined")


class RaciAssignment(Base):
    """For one service and activity, a squad or a named role holds R, A, S, C or I."""

    __tablename__ = "raci_assignments"
    __table_args__ = (
        UniqueConstraint("service_id", "activity", "party", "letter"),
        CheckConstraint("(squad_id IS NULL) <> (role IS NULL)", name="squad_or_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(
        ForeignKey("services.id", ondelete="CASCADE"), index=True
    )
    activity: Mapped[str] = mapped_column(String(40))
    letter: Mapped[str] = mapped_column(String(1))
    squad_id: Mapped[int | None] = mapped_column(
        ForeignKey("squads.id", ondelete="CASCADE"), nullable=True
    )
    role: Mapped[str | None] = mapped_column(String(100), nullable=True)
    party: Mapped[str] = mapped_column(
        String(120)
    )  # "squad:<slug>" or "role:<name>", for uniqueness

    squad: Mapped[Squad | None] = relationship(lazy="joined")

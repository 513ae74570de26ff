"""Availability targets as a settings document: by service tier, and for the services and
journeys given their own, in percent. A document rather than columns on services and
journeys: the targets are what operations managers govern, so they are inherited from the
installation, overridden per platform, versioned and audited like the other rules."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.audit.schemas import Stamp
from opsroom.catalog import service as catalog
from opsroom.infra.errors import ValidationFailed
from opsroom.kpis.domain import DEFAULT_TARGETS, AvailabilityTargets

Percent = Annotated[float, Field(gt=0, le=100)]
TIERS = ["1", "2", "3", "4"]


class TargetsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by_tier: dict[str, Percent] = Field(description="the target of each service tier 1-4, %")
    services: dict[str, Percent] = Field(default={}, description="services' own targets, %")
    journeys: dict[str, Percent] = Field(
        default={},
        description="journeys' own targets, % (else the tier of their most critical service)",
    )

    @field_validator("by_tier")
    @classmethod
    def _every_tier(cls, by_tier: dict[str, float]) -> dict[str, float]:
        if sorted(by_tier) != TIERS:
            raise ValueError("give a target for each service tier 1-4, and no other")
        return by_tier


class TargetsRead(TargetsDoc, Stamp):
    """The targets as read, with their stamp."""


def _fraction(percent: float) -> float:
    return round(percent / 100, 8)


def _percent(fraction: float) -> float:
    return round(fraction * 100, 6)


def to_rules(doc: TargetsDoc) -> AvailabilityTargets:
    return AvailabilityTargets(
        by_tier={int(tier): _fraction(p) for tier, p in doc.by_tier.items()},
        services={slug: _fraction(p) for slug, p in doc.services.items()},
        journeys={slug: _fraction(p) for slug, p in doc.journeys.items()},
    )


def to_doc(targets: AvailabilityTargets) -> TargetsDoc:
    return TargetsDoc(
        by_tier={str(tier): _percent(f) for tier, f in sorted(targets.by_tier.items())},
        services={slug: _percent(f) for slug, f in sorted(targets.services.items())},
        journeys={slug: _percent(f) for slug, f in sorted(targets.journeys.items())},
    )


AVAILABILITY_TARGETS = Document(
    key="availability_targets",
    title="the availability targets",
    subject_type="availability_targets",
    subject_key="installation",
    written=TargetsDoc,
    stamped=TargetsRead,
    defaults=DEFAULT_TARGETS,
    to_rules=to_rules,
    to_written=to_doc,
)


def targets(session: Session, platform: str = EVERYWHERE) -> AvailabilityTargets:
    """The targets in force on `platform`."""
    return AVAILABILITY_TARGETS.rules(session, platform)


def check_own(
    session: Session, platform: str, before: AvailabilityTargets, after: AvailabilityTargets
) -> None:
    """A platform sets targets for its own services and journeys only: those it changes must
    be its own, named in the refusal otherwise."""
    own = {
        "services": {s.slug for s in catalog.all_services(session, platform=platform)},
        "journeys": {j.slug for j in catalog.list_journeys(session, platform=platform)},
    }
    refused: dict[str, str] = {}
    for kind, mine in own.items():
        was, now = getattr(before, kind), getattr(after, kind)
        foreign = sorted(slug for slug in now if now[slug] != was.get(slug) and slug not in mine)
        if foreign:
            refused[kind] = f"not {kind} of {platform}: {', '.join(foreign)}"
    if refused:
        raise ValidationFailed(f"{platform} sets targets for its own only", fields=refused)

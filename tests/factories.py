"""Small, valid catalog records for tests; each test states only what it cares about."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import schemas
from opsroom.catalog import service as catalog

ACTOR = Principal(name="tester", role=Role.ADMIN, via="cli")


def platform(session: Session, slug: str = "procurement", **extra: Any) -> Any:
    data = schemas.PlatformCreate(slug=slug, name=extra.pop("name", slug.title()), **extra)
    return catalog.create_platform(session, actor=ACTOR, data=data)


def squad(
    session: Session, slug: str = "identity", platform: str = "procurement", **extra: Any
) -> Any:
    data = schemas.SquadCreate(
        slug=slug, name=extra.pop("name", slug.title()), platform=platform, **extra
    )
    return catalog.create_squad(session, actor=ACTOR, data=data)


def service(
    session: Session,
    slug: str,
    *,
    owner: str = "identity",
    platform: str = "procurement",
    tier: int = 2,
    **extra: Any,
) -> Any:
    data = schemas.ServiceCreate(
        slug=slug,
        name=extra.pop("name", slug.replace("-", " ").title()),
        platform=platform,
        owner=owner,
        tier=tier,
        **extra,
    )
    return catalog.create_service(session, actor=ACTOR, data=data)


def journey(session: Session, slug: str, services: list[str], **extra: Any) -> Any:
    data = schemas.JourneyCreate(
        slug=slug,
        name=extra.pop("name", slug.title()),
        platform=extra.pop("platform", "procurement"),
        owner=extra.pop("owner", "identity"),
        services=services,
        **extra,
    )
    return catalog.create_journey(session, actor=ACTOR, data=data)


def small_platform(session: Session) -> None:
    """gateway -> auth -> db, search -> db; journey 'login' = gateway, auth."""
    platform(session)
    squad(session)
    service(session, "db", tier=2)
    service(session, "auth", tier=1, depends_on=["db"])
    service(session, "gateway", tier=1, depends_on=["auth"])
    service(session, "search", tier=3, depends_on=["db"])
    journey(session, "login", ["gateway", "auth"], criticality="critical")

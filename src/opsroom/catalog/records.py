"""What every catalog record shares: finding by slug, uniqueness, and a `Record` per kind
(optimistic versions, audited changes with the record as read before and after)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.catalog import schemas
from opsroom.catalog.models import (
    Journey,
    Platform,
    Service,
    Squad,
    Vendor,
)
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed

Named = TypeVar("Named", Platform, Squad, Service, Journey, Vendor)


def by_slug(session: Session, model: type[Named], slug: str, *, field: str | None = None) -> Named:
    found = session.scalar(select(model).where(model.slug == slug))
    if found is None:
        noun = model.__tablename__.rstrip("s")
        message = f"no {noun} '{slug}'"
        if field:
            raise ValidationFailed(message, fields={field: f"unknown {noun} '{slug}'"})
        raise NotFound(message)
    return found


def platforms_of(
    session: Session, *, services: Sequence[str] = (), journeys: Sequence[str] = ()
) -> list[str]:
    """The platforms these services and journeys belong to: whose operations manager governs
    what touches them."""
    of_services = select(Platform.slug).join(Service).where(Service.slug.in_(services))
    of_journeys = select(Platform.slug).join(Journey).where(Journey.slug.in_(journeys))
    return sorted(set(session.scalars(of_services)) | set(session.scalars(of_journeys)))


def ensure_unique(
    session: Session,
    model: type[Named],
    *,
    slug: str | None,
    name: str | None,
    exclude: int | None = None,
) -> None:
    noun = model.__tablename__.rstrip("s")
    for field, value in (("slug", slug), ("name", name)):
        if value is None:
            continue
        query = select(model.id).where(func.lower(getattr(model, field)) == value.lower())
        if exclude is not None:
            query = query.where(model.id != exclude)
        if session.scalar(query) is not None:
            raise Conflict(
                f"a {noun} with {field} '{value}' already exists", fields={field: "already taken"}
            )


def apply_fields(record: Any, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(record, field, value)


def changed_fields(update: BaseModel, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = {"version", *exclude}
    return {k: v for k, v in update.model_dump(exclude_unset=True).items() if k not in skip}


def _record(model: type[Named], read: type[BaseModel]) -> Record[Any]:
    """Audited under its kind and slug, with the record as `read` shows it as its snapshot.
    (Record[Any]: mypy cannot check a model's mapped `version` against a type argument.)"""

    def snapshot(record: Named) -> dict[str, Any]:
        return read.model_validate(record).model_dump(mode="json")

    return Record(
        model.__tablename__.rstrip("s"), snapshot, key=attrgetter("slug"), named="'{key}'"
    )


PLATFORM = _record(Platform, schemas.PlatformRead)
SQUAD = _record(Squad, schemas.SquadRead)
SERVICE = _record(Service, schemas.ServiceRead)
JOURNEY = _record(Journey, schemas.JourneyRead)
VENDOR = _record(Vendor, schemas.VendorRead)

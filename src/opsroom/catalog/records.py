"""What every catalog record shares: finding by slug, uniqueness, optimistic versions
and audited changes with before/after snapshots."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Principal
from opsroom.catalog.models import (
    Journey,
    Platform,
    Service,
    Squad,
    Vendor,
)
from opsroom.infra.errors import Conflict, NotFound, StaleVersion, ValidationFailed

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


def check_version(record: Named, version: int) -> None:
    if record.version != version:
        raise StaleVersion(
            f"'{record.slug}' was changed by someone else (you edited version {version}, "
            f"it is now version {record.version}); reload and try again",
            fields={"version": f"current version is {record.version}"},
        )


def apply_fields(record: Any, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(record, field, value)


def changed_fields(update: BaseModel, *, exclude: Iterable[str] = ()) -> dict[str, Any]:
    skip = {"version", *exclude}
    return {k: v for k, v in update.model_dump(exclude_unset=True).items() if k not in skip}


def bump(record: Named) -> None:
    record.version += 1


def audited(
    session: Session,
    actor: Principal,
    action: str,
    record: Named,
    before: BaseModel | None,
    read: type[BaseModel],
) -> None:
    """Record the change with before and after snapshots, taken once the row is flushed."""
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type=record.__tablename__.rstrip("s"),
        subject_key=record.slug,
        before=before.model_dump(mode="json") if before else None,
        after=read.model_validate(record).model_dump(mode="json"),
    )

"""Keyset (cursor) pagination over one unique, ordered column."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from opsroom.infra.errors import ValidationFailed

T = TypeVar("T")
MAX_LIMIT = 500
MAX_KEY = 2**31 - 1  # keys are SQL INTEGERs


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def _forged() -> ValidationFailed:
    return ValidationFailed("cursor is not one this server gave out", fields={"cursor": "invalid"})


def decode_cursor(cursor: str) -> Any:
    try:
        return orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise _forged() from exc


def _position(cursor: str, key: InstrumentedAttribute[Any]) -> Any:
    """Where a cursor points: a value of the key's own type, as this server gives out."""
    value = decode_cursor(cursor)
    kind = key.type.python_type
    if type(value) is not kind or (kind is int and not 0 <= value <= MAX_KEY):
        raise _forged()
    return value


def paginate(
    session: Session,
    query: Select[T],
    key: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = False,
) -> Page[T]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be between 1 and {MAX_LIMIT}", fields={"limit": "out of range"}
        )
    if cursor is not None:
        after = _position(cursor, key)
        query = query.where(key < after if descending else key > after)
    query = query.order_by(key.desc() if descending else key).limit(limit + 1)
    rows = list(session.scalars(query).all())
    more = len(rows) > limit
    items = rows[:limit]
    next_cursor = encode_cursor(getattr(items[-1], key.key)) if more else None
    return Page(items, next_cursor)

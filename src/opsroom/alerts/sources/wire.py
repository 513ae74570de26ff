"""What every inbound parser shares: JSON decoding, field problems in plain words, UTC."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from opsroom.alerts.domain import MalformedPayload, ParseError

T = TypeVar("T")
# Alertmanager's Go zero time: what endsAt holds while an alert fires.
ZERO_TIME_YEAR = 1


def load_json(body: bytes) -> Any:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedPayload(f"the body is not valid JSON: {exc}") from None
    # Valid JSON, but PostgreSQL cannot keep it in a text column. JSON can only spell NUL
    # as an escape, so a body without one needs no walk through its values.
    if b"\\u0000" in body and _has_nul(data):
        raise ParseError("strings must not contain the NUL character (\\u0000)")
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def validated(validate: Callable[[Any], T], data: Any, what: str) -> T:
    """`validate(data)` (a model's model_validate, an adapter's validate_python), its
    problems in plain words as a ParseError."""
    try:
        return validate(data)
    except ValidationError as exc:
        raise ParseError(f"{what} does not have the expected shape", problems(exc)) from None


def problems(exc: ValidationError) -> list[str]:
    found = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err["loc"]) or "body"
        found.append(f"{where}: {err['msg']}")
    return found


def utc(value: datetime | None) -> datetime | None:
    """Naive times are taken as UTC; Go's zero time means 'not set'."""
    if value is None or value.year == ZERO_TIME_YEAR:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

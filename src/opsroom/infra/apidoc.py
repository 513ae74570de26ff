"""Shared pieces of the REST API's contract: what every input accepts, the error shape,
record ids and cursor pages."""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from opsroom.infra.pagination import MAX_KEY

T = TypeVar("T")


def _holds_nul(value: Any) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    return False


class Input(BaseModel):
    """What every request body (and catalog file entry) is built on: unknown fields are
    refused, text is trimmed, and text never holds a NUL character, which no database
    stores as text (PostgreSQL refuses it outright)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _holds_nul(value):
            raise ValueError("must not contain NUL (\\x00) characters")
        return value


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    fields: dict[str, str] | None = Field(
        default=None, description="field name -> what is wrong with it"
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


# A larger number names no record, and the database would refuse it.
RecordId = Annotated[int, Path(ge=1, le=MAX_KEY)]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="pass as ?cursor= to get the next page; null on the last"
    )


_MEANING = {
    400: "Malformed request",
    401: "Not signed in, or the token is unknown, expired or revoked",
    403: "Signed in, but this role or token scope may not do this",
    404: "No such record",
    409: "Conflicts with the current state (stale version, duplicate, cycle, invalid transition)",
    413: "Request body too large",
    422: "Invalid fields; see error.fields",
    429: "Too many attempts; see Retry-After",
    502: "A server the answer needs (a Prometheus an SLI is read from) did not answer",
}


# Any route may be sent a body it cannot parse (400), by a caller it does not know (401) or
# lets do less (403), with fields that fail validation (422).
ALWAYS = (400, 401, 403, 422)


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can answer."""
    return {
        code: {"model": ErrorResponse, "description": _MEANING[code]}
        for code in sorted({*codes, *ALWAYS})
    }

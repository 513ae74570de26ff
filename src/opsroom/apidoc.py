"""Shared pieces of the REST API's contract: the error shape and cursor pages."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    fields: dict[str, str] | None = Field(
        default=None, description="field name -> what is wrong with it"
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


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
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error statuses a route can answer."""
    return {
        code: {"model": ErrorResponse, "description": _MEANING[code]}
        for code in (*codes, 401, 403, 422)
    }

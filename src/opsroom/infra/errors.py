"""Domain errors, mapped once to HTTP statuses and CLI exit codes."""

from __future__ import annotations

from typing import Any, ClassVar


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The one shape every failure is told in: {"error": {"code", "message", "fields"}}."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


class OpsroomError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.fields)


class BadRequest(OpsroomError):
    """A body that cannot be read at all: not JSON, or not the shape its sender promises."""

    code = "bad_request"
    status = 400
    exit_code = 2


class PayloadTooLarge(OpsroomError):
    code = "payload_too_large"
    status = 413
    exit_code = 2


class NotFound(OpsroomError):
    code = "not_found"
    status = 404
    exit_code = 4


class Conflict(OpsroomError):
    code = "conflict"
    status = 409
    exit_code = 5


class StaleVersion(Conflict):
    code = "stale_version"


def require_version(subject: str, current: int, held: int | None) -> None:
    """Refuse a change made from a stale copy: `held` is the version the caller loaded
    (None: the caller does not guard against concurrent edits)."""
    if held is not None and held != current:
        raise StaleVersion(
            f"{subject} changed since you loaded it: it was changed by someone else (you had "
            f"version {held}, it is at {current}); reload and retry",
            fields={"version": f"current version is {current}"},
        )


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ValidationFailed(OpsroomError):
    code = "validation_failed"
    status = 422
    exit_code = 2


class Unauthenticated(OpsroomError):
    code = "unauthenticated"
    status = 401
    exit_code = 6


class Forbidden(OpsroomError):
    code = "forbidden"
    status = 403
    exit_code = 7


class RateLimited(OpsroomError):
    code = "rate_limited"
    status = 429
    exit_code = 8

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

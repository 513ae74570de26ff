"""One error shape for every HTTP failure; no stack trace reaches a user."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from opsroom.infra.errors import (
    Conflict,
    OpsroomError,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
    error_body,
)

log = logging.getLogger("opsroom")

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def is_htmx(request: Request) -> bool:
    return "hx-request" in request.headers


def wants_html(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/v2/")):
        return False
    return is_htmx(request) or "text/html" in request.headers.get("accept", "")


def _page_shown(request: Request) -> str | None:
    """The page the person was on, to come back to once signed in (none for a form post)."""
    if is_htmx(request):
        url = urlsplit(request.headers.get("hx-current-url", ""))
    elif request.method in ("GET", "HEAD"):
        url = urlsplit(str(request.url))
    else:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def _sign_in_first(request: Request) -> Response:
    back = _page_shown(request)
    login = f"/login?{urlencode({'next': back})}" if back and back != "/" else "/login"
    if is_htmx(request):
        # htmx would swap a followed redirect into part of the page; this loads it whole.
        return Response(status_code=401, headers={"HX-Redirect": login})
    return RedirectResponse(login, status_code=303)


def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
    if wants_html(request):
        templates: Jinja2Templates = request.app.state.templates
        return templates.TemplateResponse(
            request, "error.html", {"status": status, "error": body["error"]}, status_code=status
        )
    return JSONResponse(body, status_code=status)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


async def _opsroom_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OpsroomError)
    if isinstance(exc, Unauthenticated) and wants_html(request):
        return _sign_in_first(request)
    response = render_error(request, exc.status, exc.as_dict())
    if isinstance(exc, Unauthenticated):
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    fields: dict[str, str] = {}
    for err in exc.errors():
        fields.setdefault(_field_name(tuple(err["loc"])), err["msg"])
    failed = ValidationFailed(
        "the request has invalid fields: " + ", ".join(sorted(fields)), fields=fields
    )
    return render_error(request, failed.status, failed.as_dict())


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    response = render_error(request, exc.status_code, error_body(code, message))
    response.headers.update(exc.headers or {})
    return response


async def _integrity_error(request: Request, exc: Exception) -> Response:
    # A race lost against a unique constraint: the same answer the service gives when it sees it first.
    log.info("integrity error: %s", exc)
    return render_error(
        request,
        409,
        Conflict("that conflicts with a record saved a moment ago; reload and retry").as_dict(),
    )


async def _unstorable_value(request: Request, exc: Exception) -> Response:
    # The database refused a value the validation let through (a NUL in a path or query
    # parameter, a number beyond its column): the caller's data, so a 422, not a 500.
    log.warning("data error: %s", exc)
    failed = ValidationFailed("a value in the request cannot be stored or searched for")
    return render_error(request, failed.status, failed.as_dict())


async def _busy_error(request: Request, exc: Exception) -> Response:
    log.warning("database busy: %s", exc)
    return render_error(
        request, 503, error_body("unavailable", "the database is busy; retry shortly")
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    response = render_error(
        request,
        500,
        error_body("internal_error", "something went wrong on our side; it has been logged"),
    )
    # Starlette raises the error again once this is sent, and the server then closes the
    # connection: saying so keeps the client from sending its next request down it.
    response.headers["Connection"] = "close"
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(OpsroomError, _opsroom_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(OperationalError, _busy_error)
    app.add_exception_handler(Exception, _unexpected)

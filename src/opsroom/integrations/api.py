"""The ingest endpoints. Each authenticates with an integration key only, reads at most
512 KB, answers errors in its sender's own style, and answers 2xx only once the alerts are
committed. The PagerDuty-compatible ones live at PagerDuty's paths (/v2/...), so a
PagerDuty client pointed at opsroom's base URL works unchanged."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from opsroom.alerts import schemas
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import IncomingAlert, ParseError
from opsroom.apidoc import errors
from opsroom.config import Settings
from opsroom.db import session_scope
from opsroom.deps import AppSettings
from opsroom.errors import (
    BadRequest,
    OpsroomError,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
)
from opsroom.integrations import alertmanager, events, pagerduty

MAX_INGEST_BYTES = 512 * 1024
router = APIRouter(tags=["ingest"])
integration_key = HTTPBearer(
    auto_error=False,
    scheme_name="IntegrationKey",
    description="An integration key, sent as 'Authorization: Bearer <key>'",
)


@dataclass(frozen=True)
class Received:
    body: bytes | None  # None: larger than MAX_INGEST_BYTES


async def received(request: Request) -> Received:
    """The request body, read no further than the ingest limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_INGEST_BYTES:
        return Received(None)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_INGEST_BYTES:
            return Received(None)
        chunks.append(chunk)
    return Received(b"".join(chunks))


Body = Annotated[Received, Depends(received)]
Key = Annotated[HTTPAuthorizationCredentials | None, Depends(integration_key)]


def _within_limit(received: Received) -> bytes:
    if received.body is None:
        raise PayloadTooLarge(f"ingest bodies are limited to {MAX_INGEST_BYTES} bytes")
    return received.body


def _bad_request(exc: ParseError) -> BadRequest:
    fields = dict(problem.split(": ", 1) for problem in exc.problems if ": " in problem)
    return BadRequest(f"{exc.message}: {'; '.join(exc.problems)}", fields=fields)


def _ingest(
    settings: Settings,
    received: Received,
    key: HTTPAuthorizationCredentials | None,
    parse: Callable[[bytes], Sequence[IncomingAlert]],
    source: str,
) -> schemas.IngestResult:
    body = _within_limit(received)
    if key is None:
        raise Unauthenticated("send the integration key as 'Authorization: Bearer <key>'")
    with session_scope(settings) as session:
        integration = alerts.integration_for_key(session, key.credentials)
        try:
            parsed = parse(body)
        except ParseError as exc:
            raise _bad_request(exc) from None
        return alerts.ingest(
            session, integration=integration, alerts=parsed, source=source, body=body
        )


@router.post("/api/v1/ingest/alertmanager", responses=errors(400, 413, 429))
def alertmanager_webhook(received: Body, key: Key, settings: AppSettings) -> schemas.IngestResult:
    """Prometheus Alertmanager's webhook (version 4). Point a `webhook_configs` receiver here
    with `http_config.authorization.credentials` set to the integration key."""
    return _ingest(settings, received, key, alertmanager.parse, alertmanager.SOURCE)


@router.post("/api/v1/ingest/events", responses=errors(400, 413, 429))
def opsroom_events(received: Body, key: Key, settings: AppSettings) -> schemas.IngestResult:
    """opsroom's own format: one event as a JSON object, or a batch as a JSON array."""
    return _ingest(settings, received, key, events.parse, events.SOURCE)


# --- PagerDuty Events API v2 --------------------------------------------------------------


class PagerDutyAccepted(BaseModel):
    status: str = Field(examples=["success"])
    message: str = Field(examples=["Event processed"])
    dedup_key: str | None = Field(default=None, description="absent for change events")


class PagerDutyError(BaseModel):
    status: str = Field(examples=["invalid event"])
    message: str = Field(examples=["Event object is invalid"])
    errors: list[str]


PD_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": PagerDutyError, "description": "Invalid event, or unknown routing key"},
    413: {"model": PagerDutyError, "description": "Event larger than 512 KB"},
    429: {"model": PagerDutyError, "description": "Too many events; see Retry-After"},
}


def _pagerduty_error(exc: OpsroomError | ParseError) -> JSONResponse:
    """Errors as PagerDuty's Events API words them, so its clients report them unchanged."""
    if isinstance(exc, ParseError):
        return _pd(400, "invalid event", "Event object is invalid", exc.problems)
    if isinstance(exc, Unauthenticated):  # PagerDuty answers an unknown key with 400
        return _pd(400, "invalid event", "Event object is invalid", ["Invalid routing key"])
    if isinstance(exc, RateLimited):
        response = _pd(429, "throttled", "Too many events; retry later", [exc.message])
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, PayloadTooLarge):
        return _pd(413, "invalid event", "Event object is too large", [exc.message])
    return _pd(exc.status, "invalid event", "Event object is invalid", [exc.message])


def _pd(status: int, short: str, message: str, problems: Sequence[str]) -> JSONResponse:
    return JSONResponse(
        {"status": short, "message": message, "errors": list(problems)}, status_code=status
    )


@router.post(
    "/v2/enqueue", status_code=202, response_model=PagerDutyAccepted, responses=PD_RESPONSES
)
def enqueue(received: Body, settings: AppSettings) -> JSONResponse:
    """PagerDuty Events API v2: trigger, acknowledge or resolve; routing_key is the
    integration key. A trigger without a dedup_key gets one, returned in the response."""
    try:
        body = _within_limit(received)
        event = pagerduty.parse_event(body)
        with session_scope(settings) as session:
            integration = alerts.integration_for_key(session, event.routing_key)
            alerts.ingest(
                session, integration=integration, alerts=[event.alert],
                source=pagerduty.SOURCE, body=body,
            )  # fmt: skip
    except (OpsroomError, ParseError) as exc:
        return _pagerduty_error(exc)
    content = {
        "status": "success",
        "message": "Event processed",
        "dedup_key": event.alert.fingerprint,
    }
    return JSONResponse(content, status_code=202)


@router.post(
    "/v2/change/enqueue",
    status_code=202,
    response_model=PagerDutyAccepted,
    responses=PD_RESPONSES,
)
def change_enqueue(received: Body, settings: AppSettings) -> JSONResponse:
    """PagerDuty change events: deploys and config changes, onto the service's change timeline."""
    try:
        body = _within_limit(received)
        event = pagerduty.parse_change(body)
        with session_scope(settings) as session:
            integration = alerts.integration_for_key(session, event.routing_key)
            alerts.record_change(
                session, integration=integration, change=event.change,
                source=pagerduty.CHANGE_SOURCE, body=body,
            )  # fmt: skip
    except (OpsroomError, ParseError) as exc:
        return _pagerduty_error(exc)
    return JSONResponse({"status": "success", "message": "Change event processed"}, status_code=202)

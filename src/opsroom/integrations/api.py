"""The ingest endpoints. Each authenticates with an integration key only, reads at most
512 KB, answers errors in its sender's own style, and answers 2xx only once the alerts are
committed to the intake (the worker turns them into alerts and incidents just after).
The PagerDuty-compatible ones live at PagerDuty's paths (/v2/...), so a
PagerDuty client pointed at opsroom's base URL works unchanged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from opsroom.alerts import service as alerts_service
from opsroom.alerts.domain import ParseError
from opsroom.apidoc import errors
from opsroom.config import Settings
from opsroom.db import session_scope
from opsroom.deps import AppSettings, settings_of
from opsroom.errors import (
    BadRequest,
    OpsroomError,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
)
from opsroom.integrations import alertmanager, events, pagerduty
from opsroom.integrations.group_commit import KnownKey, keys, writer

MAX_INGEST_BYTES = 512 * 1024
router = APIRouter(tags=["ingest"])
integration_key = HTTPBearer(
    auto_error=False,
    scheme_name="IntegrationKey",
    description="An integration key, sent as 'Authorization: Bearer <key>'",
)


@dataclass(frozen=True)
class Received:
    settings: Settings
    body: bytes | None  # None: larger than MAX_INGEST_BYTES


async def received(request: Request) -> Received:
    """The request body, read no further than the ingest limit, and the app's settings
    (read here, in the event loop: a plain dependency would cost a thread hop)."""
    settings = settings_of(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_INGEST_BYTES:
        return Received(settings, None)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_INGEST_BYTES:
            return Received(settings, None)
        chunks.append(chunk)
    return Received(settings, b"".join(chunks))


Body = Annotated[Received, Depends(received)]
Key = Annotated[HTTPAuthorizationCredentials | None, Depends(integration_key)]


def _within_limit(received: Received) -> bytes:
    if received.body is None:
        raise PayloadTooLarge(f"ingest bodies are limited to {MAX_INGEST_BYTES} bytes")
    return received.body


def _bad_request(exc: ParseError) -> BadRequest:
    fields = dict(problem.split(": ", 1) for problem in exc.problems if ": " in problem)
    return BadRequest(f"{exc.message}: {'; '.join(exc.problems)}", fields=fields)


class IngestAccepted(BaseModel):
    received: int = Field(description="alerts in the request, now committed to the intake")
    fingerprints: list[str] = Field(description="each alert's fingerprint, in request order")


async def _integration(settings: Settings, key: str) -> KnownKey:
    """The integration of `key`: remembered by this process, else looked up (401)."""
    known = keys.known(key)
    return known if known is not None else await run_in_threadpool(keys.look_up, settings, key)


async def _keep(
    settings: Settings, integration: KnownKey, source: str, alerts: bytes | None, body: bytes
) -> None:
    """Return once the request is committed to the intake; raise 401 or 429 otherwise.
    `alerts`: the normalised alerts (`alerts_service.encode`), or None to parse the body
    when the intake is drained."""
    pending = alerts_service.Pending(
        integration.integration_id, integration.key_hash, source, alerts, body
    )
    await writer(settings).keep(pending)


async def _ingest(
    received: Received,
    key: HTTPAuthorizationCredentials | None,
    check: Callable[[bytes], list[str]],
    source: str,
) -> Response:
    """Check the body (`check` returns its alerts' fingerprints) and keep it as received."""
    body, settings = _within_limit(received), received.settings
    if key is None:
        raise Unauthenticated("send the integration key as 'Authorization: Bearer <key>'")
    integration = await _integration(settings, key.credentials)
    try:
        fingerprints = check(body)
    except ParseError as exc:
        raise _bad_request(exc) from None
    await _keep(settings, integration, source, None, body)
    return _json({"received": len(fingerprints), "fingerprints": fingerprints}, 202)


def _json(content: dict[str, Any], status: int) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


ACCEPTED: dict[str, Any] = {
    "status_code": 202, "response_model": IngestAccepted, "responses": errors(400, 413, 429),
}  # fmt: skip


@router.post("/api/v1/ingest/alertmanager", **ACCEPTED)
async def alertmanager_webhook(received: Body, key: Key) -> Response:
    """Prometheus Alertmanager's webhook (version 4). Point a `webhook_configs` receiver here
    with `http_config.authorization.credentials` set to the integration key. A 202 means the
    alerts are committed; the worker turns them into alerts and incidents moments later."""
    return await _ingest(received, key, alertmanager.fingerprints, alertmanager.SOURCE)


@router.post("/api/v1/ingest/events", **ACCEPTED)
async def opsroom_events(received: Body, key: Key) -> Response:
    """opsroom's own format: one event as a JSON object, or a batch as a JSON array. A 202
    means the events are committed; the worker processes them moments later."""
    return await _ingest(received, key, events.fingerprints, events.SOURCE)


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
async def enqueue(received: Body) -> Response:
    """PagerDuty Events API v2: trigger, acknowledge or resolve; routing_key is the
    integration key. A trigger without a dedup_key gets one, returned in the response."""
    try:
        body = _within_limit(received)
        event = pagerduty.parse_event(body)
        integration = await _integration(received.settings, event.routing_key)
        alerts = alerts_service.encode([event.alert])
        await _keep(received.settings, integration, pagerduty.SOURCE, alerts, body)
    except (OpsroomError, ParseError) as exc:
        return _pagerduty_error(exc)
    content = {
        "status": "success",
        "message": "Event processed",
        "dedup_key": event.alert.fingerprint,
    }
    return _json(content, 202)


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
            integration = alerts_service.integration_for_key(session, event.routing_key)
            alerts_service.record_change(
                session, integration=integration, change=event.change,
                source=pagerduty.CHANGE_SOURCE, body=body,
            )  # fmt: skip
    except (OpsroomError, ParseError) as exc:
        return _pagerduty_error(exc)
    return JSONResponse({"status": "success", "message": "Change event processed"}, status_code=202)


class AcceptedUnlogged(logging.Filter):
    """Leaves the ingest requests that were accepted out of uvicorn's access log, which at a
    storm's rate would be a line for each of thousands of alerts a second (the alerts page
    counts them); refused ones stay in it, for whoever sets up a sender. Reads uvicorn's
    access record: (client, method, path, HTTP version, status)."""

    paths = frozenset(route.path for route in router.routes if isinstance(route, APIRoute))

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        path, status = args[2], args[4]
        return not (path in self.paths and isinstance(status, int) and status < 400)


def lane_routes() -> list[APIRoute]:
    """The routes the ingest lane answers (integrations/lane.py): all but change events,
    which are few and written at once."""
    return [r for r in router.routes if isinstance(r, APIRoute) and r.endpoint in _LANE]


_LANE = (alertmanager_webhook, opsroom_events, enqueue)

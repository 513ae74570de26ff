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
from opsroom.alerts.sources import alertmanager, events, pagerduty
from opsroom.auth.deps import AppSettings
from opsroom.infra.apidoc import errors
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import (
    BadRequest,
    OpsroomError,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
)
from opsroom.integrations.group_commit import KnownKey, keys, writer
from opsroom.web.pages import settings_of

MAX_INGEST_BYTES = 512 * 1024
REFUSED_AT_COMMIT = "opsroom.refused_at_commit"  # in the request's ASGI scope
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
    # What the commit answered when the ingest lane took the request there (a refusal, or
    # the database's failure): the request is answered with it, not committed again.
    refused: Exception | None = None


async def received(request: Request) -> Received:
    """The request body, read no further than the ingest limit, and the app's settings
    (read here, in the event loop: a plain dependency would cost a thread hop)."""
    settings, refused = settings_of(request), request.scope.get(REFUSED_AT_COMMIT)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_INGEST_BYTES:
        return Received(settings, None)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_INGEST_BYTES:
            return Received(settings, None)
        chunks.append(chunk)
    return Received(settings, b"".join(chunks), refused)


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


@dataclass(frozen=True)
class Checked:
    """An ingest body that passed its source's checks: what the intake keeps beside it, and
    the content of the 202 that answers it."""

    key: str | None  # the integration key the body names (PagerDuty's routing_key), if any
    alerts: bytes | None  # as `alerts_service.encode` writes them; None: parsed when drained
    answer: dict[str, Any]


def _fingerprinted(fingerprints: list[str]) -> Checked:
    return Checked(None, None, {"received": len(fingerprints), "fingerprints": fingerprints})


def _check_alertmanager(body: bytes) -> Checked:
    return _fingerprinted(alertmanager.fingerprints(body))


def _check_events(body: bytes) -> Checked:
    return _fingerprinted(events.fingerprints(body))


def _check_pagerduty(body: bytes) -> Checked:
    event = pagerduty.parse_event(body)
    answer = {
        "status": "success",
        "message": "Event processed",
        "dedup_key": event.alert.fingerprint,
    }
    return Checked(event.routing_key, alerts_service.encode([event.alert]), answer)


@dataclass(frozen=True)
class Endpoint:
    """An ingest endpoint: its source and its checks, used by its route and by the ingest
    lane (integrations/lane.py)."""

    source: str
    check: Callable[[bytes], Checked]  # raises ParseError

    def pending(
        self, integration: KnownKey, checked: Checked, body: bytes
    ) -> alerts_service.Pending:
        """What the group commit keeps of a checked request to `integration`."""
        return alerts_service.Pending(
            integration.integration_id, integration.key_hash, self.source, checked.alerts, body
        )


ALERTMANAGER_PATH = "/api/v1/ingest/alertmanager"
EVENTS_PATH = "/api/v1/ingest/events"
ENQUEUE_PATH = "/v2/enqueue"
LANE = {
    ALERTMANAGER_PATH: Endpoint(alertmanager.SOURCE, _check_alertmanager),
    EVENTS_PATH: Endpoint(events.SOURCE, _check_events),
    ENQUEUE_PATH: Endpoint(pagerduty.SOURCE, _check_pagerduty),
}


async def _keep(received: Received, pending: alerts_service.Pending) -> None:
    """Return once the request is committed to the intake; raise 401 or 429 otherwise."""
    if received.refused is not None:
        raise received.refused
    await writer(received.settings).keep(pending)


async def _ingest(
    received: Received, key: HTTPAuthorizationCredentials | None, endpoint: Endpoint
) -> Response:
    """Authenticate, check the body and keep it as received."""
    body, settings = _within_limit(received), received.settings
    if key is None:
        raise Unauthenticated("send the integration key as 'Authorization: Bearer <key>'")
    integration = await _integration(settings, key.credentials)
    try:
        checked = endpoint.check(body)
    except ParseError as exc:
        raise _bad_request(exc) from None
    await _keep(received, endpoint.pending(integration, checked, body))
    return _json(checked.answer, 202)


def _json(content: dict[str, Any], status: int) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


ACCEPTED: dict[str, Any] = {
    "status_code": 202,
    "response_model": IngestAccepted,
    "responses": errors(400, 413, 429),
}


@router.post(ALERTMANAGER_PATH, **ACCEPTED)
async def alertmanager_webhook(received: Body, key: Key) -> Response:
    """Prometheus Alertmanager's webhook (version 4). Point a `webhook_configs` receiver here
    with `http_config.authorization.credentials` set to the integration key. A 202 means the
    alerts are committed; the worker turns them into alerts and incidents moments later."""
    return await _ingest(received, key, LANE[ALERTMANAGER_PATH])


@router.post(EVENTS_PATH, **ACCEPTED)
async def opsroom_events(received: Body, key: Key) -> Response:
    """opsroom's own format: one event as a JSON object, or a batch as a JSON array. A 202
    means the events are committed; the worker processes them moments later."""
    return await _ingest(received, key, LANE[EVENTS_PATH])


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
    ENQUEUE_PATH, status_code=202, response_model=PagerDutyAccepted, responses=PD_RESPONSES
)
async def enqueue(received: Body) -> Response:
    """PagerDuty Events API v2: trigger, acknowledge or resolve; routing_key is the
    integration key. A trigger without a dedup_key gets one, returned in the response."""
    try:
        body = _within_limit(received)
        endpoint = LANE[ENQUEUE_PATH]
        checked = endpoint.check(body)
        integration = await _integration(received.settings, checked.key or "")
        await _keep(received, endpoint.pending(integration, checked, body))
    except (OpsroomError, ParseError) as exc:
        return _pagerduty_error(exc)
    return _json(checked.answer, 202)


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
                session,
                integration=integration,
                change=event.change,
                source=pagerduty.CHANGE_SOURCE,
                body=body,
            )
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
        path, status = str(args[2]).split("?", 1)[0], args[4]
        return not (path in self.paths and isinstance(status, int) and status < 400)

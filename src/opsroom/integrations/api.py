"""The ingest endpoints. Each authenticates with an integration key only, reads at most
512 KB, answers errors in its sender's own style, and answers 2xx only once the alerts are
committed to the intake (the worker turns them into alerts and incidents just after).
The PagerDuty-compatible ones live at PagerDuty's paths (/v2/...), so a
PagerDuty client pointed at opsroom's base URL works unchanged.

An alert storm is thousands of small requests a second, so the three endpoints that feed
the intake run leaner than the app's other routes (`IngestRoute`, and `intake`, which the
app serves ahead of FastAPI's per-request layers: `runtime.app.Opsroom`): they are still
ordinary routes of the app, behind its middleware (security headers, the request size
limit, one error shape) and documented in its OpenAPI, served by any ASGI server."""

from __future__ import annotations

import base64
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from pydantic import BaseModel, Field
from starlette.types import Receive, Scope, Send

from opsroom.alerts import service as alerts_service
from opsroom.alerts.domain import ParseError
from opsroom.alerts.sources import alertmanager, events, pagerduty, sns, webhook
from opsroom.alerts.sources.wire import load_json
from opsroom.auth.deps import AppSettings
from opsroom.infra.apidoc import errors
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import (
    BadRequest,
    Forbidden,
    OpsroomError,
    PayloadTooLarge,
    RateLimited,
    Unauthenticated,
)
from opsroom.integrations import sns as sns_subscriptions
from opsroom.integrations.group_commit import KnownKey, keys, writer
from opsroom.web.pages import settings_of

MAX_INGEST_BYTES = 512 * 1024
integration_key = HTTPBearer(
    auto_error=False,
    scheme_name="IntegrationKey",
    description="An integration key, sent as 'Authorization: Bearer <key>'",
)


class IngestRoute(APIRoute):
    """A route documented by FastAPI as any other, served as Starlette serves a plain route:
    its endpoint takes the request and returns the response, and what it raises goes to the
    app's exception handlers. FastAPI's handling around an endpoint (solving dependencies,
    two exit stacks, a second exception wrapper) cost a single-alert request a fifth of its
    CPU; an endpoint on this route reads its key and body itself, and the dependencies the
    route declares are for the documentation."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
        super().__init__(path, endpoint, **options)
        self.app = self._serve  # as the app serves the intake's routes

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        response: Response = await self.endpoint(Request(scope, receive))
        await response(scope, receive, send)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """What FastAPI serves when the route is included through a router."""
        endpoint: Callable[[Request], Coroutine[Any, Any, Response]] = self.endpoint
        return endpoint


# The endpoints feeding the intake, which the app serves on a router of their own (app.py).
intake = APIRouter(tags=["ingest"], route_class=IngestRoute)
router = APIRouter(tags=["ingest"])  # PagerDuty's change events, an ordinary route


async def ingest_body(request: Request) -> bytes | None:
    """The request body, read no further than the ingest limit (None beyond it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_INGEST_BYTES:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_INGEST_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


Body = Annotated[bytes | None, Depends(ingest_body)]


def _within_limit(body: bytes | None) -> bytes:
    if body is None:
        raise PayloadTooLarge(f"ingest bodies are limited to {MAX_INGEST_BYTES} bytes")
    return body


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


async def _key(request: Request) -> str:
    """The integration key: a bearer token, or the password of basic authentication (what
    a sender that only knows https://user:password@host URLs, such as Amazon SNS, sends)."""
    bearer = await integration_key(request)
    if bearer is not None:
        return bearer.credentials
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        with contextlib.suppress(ValueError):
            return base64.b64decode(encoded, validate=True).decode().partition(":")[2]
    raise Unauthenticated("send the integration key as 'Authorization: Bearer <key>'")


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


def _check_webhook(body: bytes) -> Checked:
    """Any JSON: the integration's webhook type reads it when drained, and keeps what it
    cannot read as a raw payload reported on the integration's page."""
    load_json(body)
    return Checked(None, None, {"status": "accepted"})


@dataclass(frozen=True)
class Endpoint:
    """An ingest endpoint feeding the intake: its source and its checks."""

    source: str
    check: Callable[[bytes], Checked]  # raises ParseError

    async def keep(
        self, request: Request, integration: KnownKey, checked: Checked, body: bytes
    ) -> None:
        """Return once the checked request is committed to `integration`'s intake; raise
        its refusal (401, 429) or the database's failure otherwise."""
        pending = alerts_service.Pending(
            integration.integration_id, integration.key_hash, self.source, checked.alerts, body
        )
        await writer(settings_of(request)).keep(pending)


ALERTMANAGER = Endpoint(alertmanager.SOURCE, _check_alertmanager)
EVENTS = Endpoint(events.SOURCE, _check_events)
PAGERDUTY = Endpoint(pagerduty.SOURCE, _check_pagerduty)
WEBHOOK = Endpoint(webhook.SOURCE, _check_webhook)


# What an endpoint checks of a request beyond its body's shape (the sender's signature),
# raising the refusal.
Verify = Callable[[Request, bytes], Awaitable[None]]


async def _ingest(request: Request, endpoint: Endpoint, verify: Verify | None = None) -> Response:
    """Authenticate with the bearer key, check the body and keep it as received."""
    body = _within_limit(await ingest_body(request))
    integration = await _integration(settings_of(request), await _key(request))
    if verify is not None:
        await verify(request, body)
    try:
        checked = endpoint.check(body)
    except ParseError as exc:
        raise _bad_request(exc) from None
    await endpoint.keep(request, integration, checked, body)
    return _json(checked.answer, 202)


def _json(content: dict[str, Any], status: int) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


ACCEPTED: dict[str, Any] = {
    "status_code": 202,
    "response_model": IngestAccepted,
    "responses": errors(400, 413, 429),
    "dependencies": [Security(integration_key)],  # read by _ingest itself
}


@intake.post("/api/v1/ingest/alertmanager", **ACCEPTED)
async def alertmanager_webhook(request: Request) -> Response:
    """Prometheus Alertmanager's webhook (version 4). Point a `webhook_configs` receiver here
    with `http_config.authorization.credentials` set to the integration key. A 202 means the
    alerts are committed; the worker turns them into alerts and incidents moments later."""
    return await _ingest(request, ALERTMANAGER)


@intake.post("/api/v1/ingest/events", **ACCEPTED)
async def opsroom_events(request: Request) -> Response:
    """opsroom's own format: one event as a JSON object, or a batch as a JSON array. A 202
    means the events are committed; the worker processes them moments later."""
    return await _ingest(request, EVENTS)


SNS_MESSAGE_TYPE = "x-amz-sns-message-type"


class WebhookAccepted(BaseModel):
    status: str = Field(examples=["accepted"], description="the payload is committed")


class SubscriptionConfirmed(BaseModel):
    status: str = Field(examples=["confirmed"])
    topic: str = Field(description="the Amazon SNS topic now sending to this integration")


@intake.post(
    "/api/v1/ingest/webhook",
    status_code=202,
    response_model=WebhookAccepted,
    responses={
        **errors(400, 403, 413, 429),
        200: {
            "model": SubscriptionConfirmed,
            "description": "An Amazon SNS subscription confirmation, verified and confirmed",
        },
    },
    dependencies=[Security(integration_key)],  # read by _ingest itself
)
async def generic_webhook(request: Request) -> Response:
    """Any monitoring tool's JSON webhook, read by the integration's webhook type (its
    `settings.webhook_type`: a JMESPath template per field). A 202 means the payload is
    committed; what the template cannot read is kept raw and shown on the integration's
    page."""
    if request.headers.get(SNS_MESSAGE_TYPE) == sns.SUBSCRIPTION_CONFIRMATION:
        return await _confirm_subscription(request)
    return await _ingest(request, WEBHOOK, _verify_sns)


async def _verify_sns(request: Request, body: bytes) -> None:
    """An Amazon SNS notification (so marked by SNS, or naming a signing certificate) is
    refused (403) unless its signature verifies."""
    if request.headers.get(SNS_MESSAGE_TYPE) != sns.NOTIFICATION and not sns.looks_signed(body):
        return
    settings = settings_of(request)
    try:
        await run_in_threadpool(sns_subscriptions.verify_notification, settings, body)
    except ParseError as exc:
        refused = _bad_request(exc)
        raise Forbidden(refused.message, fields=refused.fields) from None


async def _confirm_subscription(request: Request) -> Response:
    """An Amazon SNS topic subscribing the integration: confirmed once its signature
    verifies; nothing is stored."""
    body = _within_limit(await ingest_body(request))
    await _integration(settings_of(request), await _key(request))
    try:
        topic = await run_in_threadpool(sns_subscriptions.confirm, settings_of(request), body)
    except ParseError as exc:
        raise _bad_request(exc) from None
    return _json({"status": "confirmed", "topic": topic}, 200)


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


@intake.post(
    "/v2/enqueue", status_code=202, response_model=PagerDutyAccepted, responses=PD_RESPONSES
)
async def enqueue(request: Request) -> Response:
    """PagerDuty Events API v2: trigger, acknowledge or resolve; routing_key is the
    integration key. A trigger without a dedup_key gets one, returned in the response."""
    try:
        body = _within_limit(await ingest_body(request))
        checked = PAGERDUTY.check(body)
        integration = await _integration(settings_of(request), checked.key or "")
        await PAGERDUTY.keep(request, integration, checked, body)
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


INTAKE_PATHS = frozenset(route.path for route in intake.routes if isinstance(route, APIRoute))


class AcceptedUnlogged(logging.Filter):
    """Leaves the ingest requests that were accepted out of uvicorn's access log, which at a
    storm's rate would be a line for each of thousands of alerts a second (the alerts page
    counts them); refused ones stay in it, for whoever sets up a sender. Reads uvicorn's
    access record: (client, method, path, HTTP version, status)."""

    paths = INTAKE_PATHS | {route.path for route in router.routes if isinstance(route, APIRoute)}

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        path, status = str(args[2]).split("?", 1)[0], args[4]
        return not (path in self.paths and isinstance(status, int) and status < 400)

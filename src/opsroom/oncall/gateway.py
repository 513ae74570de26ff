"""/api/v1/paging/sms: what the SMS gateway (Kannel) calls back with, a person's reply and
a message's delivery report. Only the gateway's own addresses with the shared secret are
heard."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse

from opsroom.auth.deps import AppSettings, DbSession
from opsroom.infra.apidoc import errors
from opsroom.infra.config import Settings
from opsroom.infra.errors import Forbidden
from opsroom.notify import service as notify
from opsroom.oncall import replies

# Kannel's callbacks (its get-url and dlr-url, docs/oncall.md), not an API for
# clients: left out of the OpenAPI document, each refused without the gateway's secret.
router = APIRouter(prefix="/api/v1/paging/sms", tags=["on-call"], include_in_schema=False)
Secret = Annotated[str, Query(max_length=200, description="the shared secret")]


def _from_gateway(request: Request, settings: Settings, secret: str) -> None:
    expected = settings.sms_inbound_secret
    host = request.client.host if request.client else ""
    if (
        expected is None
        or host not in settings.sms_gateway_addresses
        or not hmac.compare_digest(expected.get_secret_value().encode(), secret.encode())
    ):
        raise Forbidden("only the SMS gateway, with the shared secret, may call here")


@router.get("/replies", response_class=PlainTextResponse, responses=errors(403))
def sms_reply(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    secret: Secret,
    sender: Annotated[str, Query(alias="from", max_length=40, description="Kannel's %p")],
    text: Annotated[str, Query(max_length=500, description="Kannel's %a")] = "",
) -> str:
    """A person's reply to an SMS page: the answer is sent back to them by the gateway."""
    _from_gateway(request, settings, secret)
    return replies.answer_sms(session, sender=sender, text=text)


@router.get("/receipts", response_class=PlainTextResponse, responses=errors(403))
def sms_receipt(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    secret: Secret,
    delivery: Annotated[int, Query(ge=1, description="the outbox row the report is for")],
    report: Annotated[int, Query(ge=0, description="Kannel's report type (%d)")],
) -> str:
    _from_gateway(request, settings, secret)
    return (
        "recorded"
        if notify.record_receipt(session, delivery=delivery, report=report)
        else "ignored"
    )

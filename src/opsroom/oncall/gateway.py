"""/api/v1/paging/sms: what the SMS gateway (Kannel) calls back with, a person's reply and
a message's delivery report. Only the gateway's own addresses with the shared secret are
heard."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from opsroom.auth.deps import AppSettings, DbSession
from opsroom.infra.apidoc import errors
from opsroom.infra.config import Settings
from opsroom.infra.errors import Forbidden
from opsroom.notify import service as notify
from opsroom.notify import twiml
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


# Twilio's webhooks (an SMS to the Twilio number, a key pressed in a call, a message's
# status), each refused without a valid X-Twilio-Signature (docs/oncall.md).
twilio_router = APIRouter(prefix="/api/v1/paging/twilio", tags=["on-call"], include_in_schema=False)
Delivery = Annotated[int, Query(ge=1, le=2**31 - 1, description="the outbox row it is about")]


async def _signed_form(request: Request, settings: AppSettings) -> dict[str, str]:
    """The webhook's form fields, if Twilio signed them under the auth token (over the URL
    it was given: the base URL, the path and the query)."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    token = settings.twilio_auth_token
    url = settings.base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += f"?{request.url.query}"
    given = request.headers.get(twiml.SIGNATURE_HEADER, "")
    if token is None or not twiml.signature_valid(token.get_secret_value(), url, form, given):
        raise Forbidden("only Twilio, signing with the auth token, may call here")
    return form


SignedForm = Annotated[dict[str, str], Depends(_signed_form)]
XML = "application/xml"


@twilio_router.post("/sms", responses=errors(403))
def twilio_sms(session: DbSession, form: SignedForm) -> Response:
    """An SMS to the Twilio number: a reply to a page, answered by SMS."""
    answer = replies.answer_sms(session, sender=form.get("From", ""), text=form.get("Body", ""))
    return Response(twiml.reply(answer), media_type=XML)


@twilio_router.post("/keypress", responses=errors(403))
def twilio_keypress(session: DbSession, form: SignedForm, delivery: Delivery) -> Response:
    """A key pressed in a page's call: 1 acknowledges, 2 escalates; the answer is said."""
    said = replies.answer_call(session, delivery=delivery, digits=form.get("Digits", ""))
    return Response(twiml.say(said), media_type=XML)


@twilio_router.post("/status", responses=errors(403))
def twilio_status(session: DbSession, form: SignedForm, delivery: Delivery) -> Response:
    """A message's status (sent, delivered, undelivered, failed), put on the timeline."""
    notify.record_status(session, delivery=delivery, status=form.get("MessageStatus", ""))
    return Response("<Response/>", media_type=XML)

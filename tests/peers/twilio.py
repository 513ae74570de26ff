"""Twilio's REST API as its published contract describes it, on loopback: it records every
request and refuses, in Twilio's error shape, what Twilio would refuse (basic auth as the
account in the path, form encoding, E.164 numbers, a Body for a Message, exactly one of
Url, Twiml or ApplicationSid for a Call, TwiML that parses)."""

from __future__ import annotations

import base64
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.servers import serving

SID = "AC" + "0" * 32
TOKEN = "twilio-auth-token"
FROM = "+15005550006"
E164 = re.compile(r"\+[1-9]\d{6,14}")


@dataclass
class Twilio:
    url: str
    messages: list[dict[str, str]] = field(default_factory=list)
    calls: list[dict[str, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _error(status: int, code: int, message: str) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status)


def _authenticated(request: Request, account: str) -> bool:
    expected = base64.b64encode(f"{account}:{TOKEN}".encode()).decode()
    return account == SID and request.headers.get("authorization") == f"Basic {expected}"


def _problem(resource: str, form: dict[str, str]) -> tuple[int, str] | None:
    """Twilio's error code and message for a form it refuses."""
    if not E164.fullmatch(form.get("To", "")):
        return 21211, f"The 'To' number {form.get('To')} is not a valid phone number."
    if not E164.fullmatch(form.get("From", "")):
        return 21212, f"The 'From' number {form.get('From')} is not a valid phone number."
    if resource == "Messages" and not 0 < len(form.get("Body", "")) <= 1600:
        return 21602, "Message body is required."
    if resource == "Calls":
        return _call_problem(form)
    return None


def _call_problem(form: dict[str, str]) -> tuple[int, str] | None:
    if sum(k in form for k in ("Url", "Twiml", "ApplicationSid")) != 1:
        return 21205, "Either Url, Twiml or ApplicationSid is required."
    try:
        root = ET.fromstring(form.get("Twiml", "<Response/>"))
    except ET.ParseError:
        return 12100, "Document parse failure"
    return None if root.tag == "Response" else (12100, "Document parse failure")


def _app(recorded: Twilio) -> FastAPI:
    app = FastAPI()

    @app.post("/2010-04-01/Accounts/{account}/{resource}.json")
    async def create(request: Request, account: str, resource: str) -> JSONResponse:
        if not _authenticated(request, account):
            recorded.refused.append("authenticate")
            return _error(401, 20003, "Authenticate")
        if request.headers.get("content-type") != "application/x-www-form-urlencoded":
            recorded.refused.append("content-type")
            return _error(400, 20001, "Requests must be form encoded")
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        problem = _problem(resource, form) if resource in ("Messages", "Calls") else (20404, "")
        if problem:
            recorded.refused.append(problem[1])
            return _error(404 if problem[0] == 20404 else 400, *problem)
        kept = recorded.messages if resource == "Messages" else recorded.calls
        kept.append(form)
        prefix = "SM" if resource == "Messages" else "CA"
        sid = prefix + secrets.token_hex(16)
        body = {"sid": sid, "account_sid": SID, "to": form["To"], "status": "queued"}
        return JSONResponse({**body, "from": form["From"]}, status_code=201)

    return app


@contextmanager
def running() -> Iterator[Twilio]:
    recorded = Twilio(url="")
    with serving(_app(recorded)) as url:
        recorded.url = url
        yield recorded

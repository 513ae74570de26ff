"""What every HTTP route needs: a unit of work that commits before the response leaves,
and who is acting (from a bearer token or a browser session, with CSRF checked)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from jinja2 import pass_context
from sqlalchemy.orm import Session

from opsroom.auth import domain as auth_rules
from opsroom.auth import service as auth
from opsroom.auth.domain import Action, Principal
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Forbidden, Unauthenticated
from opsroom.web.pages import CSRF_FIELD, settings_of

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "opsroom_session"
CSRF_HEADER = "x-csrf-token"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _unit_of_work(request: Request) -> Iterator[Session]:
    with session_scope(settings_of(request), write=request.method not in READ_METHODS) as session:
        yield session


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


def _from_token(settings: Settings, bearer: str) -> Principal:
    with session_scope(settings, write=False) as session:
        principal, stale = auth.token_principal(session, bearer)
    if stale:
        with session_scope(settings) as session:
            auth.touch_token(session, bearer)
    return principal


def _from_cookie(settings: Settings, secret: str) -> tuple[Principal, str] | None:
    with session_scope(settings, write=False) as session:
        web_session = auth.session_of(session, secret)
        if web_session is None:
            return None
        return auth.principal_for(session, web_session.user), web_session.csrf_token


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "the form's security token is missing or stale; reload the page and try again"
        )


async def current_principal(request: Request) -> Principal:
    """The caller, or 401. Cached per request, so several dependencies can ask."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    settings = settings_of(request)
    bearer = _bearer(request)
    if bearer is not None:
        principal = await run_in_threadpool(_from_token, settings, bearer)
    else:
        found = await _signed_in(request)
        if found is None:
            raise Unauthenticated(
                "sign in, or send an API token as 'Authorization: Bearer <token>'"
            )
        principal, csrf = found
        if request.method not in READ_METHODS:
            await _check_csrf(request, csrf)
    request.state.principal = principal
    return principal


async def _signed_in(request: Request) -> tuple[Principal, str] | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    found = await run_in_threadpool(_from_cookie, settings_of(request), secret)
    if found is not None:
        request.state.csrf_token = found[1]
    return found


async def optional_principal(request: Request) -> Principal | None:
    """The signed-in person for pages that also show to visitors (the login page)."""
    found = await _signed_in(request)
    return found[0] if found else None


@pass_context
def may(
    context: Any, action: str, squads: Iterable[str] = (), platforms: Iterable[str] = ()
) -> auth_rules.Decision:
    """For a page: may the person signed in `action` (on `squads`' items, on `platforms`)?
    Pages offer only what this allows, or say why not."""
    principal: Principal | None = context.get("principal")
    if principal is None:
        return auth_rules.Decision(False, "sign in first")
    return auth_rules.decide(principal, Action(action), squads=squads, platforms=platforms)


async def reader(request: Request) -> Principal:
    principal = await current_principal(request)
    auth_rules.require(principal, Action.READ)
    return principal


# scope="function": the transaction commits when the route returns, before the response is
# sent, so a 2xx always means the change is durable.
DbSession = Annotated[Session, Depends(_unit_of_work, scope="function")]
Actor = Annotated[Principal, Depends(current_principal)]
Reader = Annotated[Principal, Depends(reader)]
AppSettings = Annotated[Settings, Depends(settings_of)]
can_read = Depends(reader)

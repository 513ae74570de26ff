"""Signing in and out in the browser: a session cookie, CSRF-checked forms, throttled guesses."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.auth import domain
from opsroom.auth import service as auth
from opsroom.auth.deps import (
    SESSION_COOKIE,
    Actor,
    AppSettings,
    DbSession,
    client_address,
    optional_principal,
)
from opsroom.auth.domain import Principal
from opsroom.infra.errors import RateLimited
from opsroom.web.pages import settings_of

router = APIRouter(include_in_schema=False)

# Before there is a session the login form is protected by a double submit: the same random
# value in a cookie only this site can set and in a hidden field only this page carries.
LOGIN_CSRF_COOKIE = "opsroom_login_csrf"
LOGIN_CSRF_SECONDS = 30 * 60
WRONG_CREDENTIALS = "that email and password do not match an account"
FORM_EXPIRED = "this sign-in form has expired; please try again"


class LoginForm(BaseModel):
    email: str = Field(default="", max_length=320)
    password: str = Field(default="", max_length=1024)
    csrf_token: str = ""
    next: str = "/"


def _login_page(
    request: Request, session: Session, form: LoginForm, *, status: int = 200, message: str = ""
) -> Response:
    """The form, with a fresh token; the password is never sent back."""
    token = secrets.token_urlsafe(32)
    templates: Jinja2Templates = request.app.state.templates
    context = {
        "email": form.email,
        "next": auth.return_path(form.next),
        "login_token": token,
        "message": message,
        "demo_accounts": auth.demo_accounts(session),
        "demo_password": domain.DEMO_PASSWORD,
    }
    response = templates.TemplateResponse(request, "auth/login.html", context, status_code=status)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=LOGIN_CSRF_SECONDS,
        path="/login",
        secure=settings_of(request).uses_tls,
        httponly=True,
        samesite="strict",
    )
    return response


def _token_matches(request: Request, sent: str) -> bool:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


@router.get("/login")
def login_page(
    request: Request,
    session: DbSession,
    signed_in: Annotated[Principal | None, Depends(optional_principal)],
    next: str = "/",
) -> Response:
    if signed_in is not None:
        return RedirectResponse(auth.return_path(next), status_code=303)
    return _login_page(request, session, LoginForm(next=next))


@router.post("/login")
def sign_in(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    form: Annotated[LoginForm, Form()],
) -> Response:
    if not _token_matches(request, form.csrf_token):
        return _login_page(request, session, form, status=403, message=FORM_EXPIRED)
    address = client_address(request)
    try:
        user = auth.authenticate(session, email=form.email, password=form.password, address=address)
    except RateLimited as throttled:
        refused = _login_page(request, session, form, status=429, message=throttled.message)
        refused.headers["Retry-After"] = str(throttled.retry_after)
        return refused
    if user is None:
        return _login_page(request, session, form, status=401, message=WRONG_CREDENTIALS)
    secret, _ = auth.start_session(session, user=user, address=address)
    response = RedirectResponse(auth.return_path(form.next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=settings.uses_tls,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def sign_out(request: Request, session: DbSession, settings: AppSettings, _: Actor) -> Response:
    """Anyone signed in may sign out, whatever they may read (so Actor, not a reader)."""
    auth.end_session(session, secret=request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings.uses_tls, httponly=True, samesite="lax"
    )
    return response


class RememberedPlatform(BaseModel):
    platform: str = Field(default="", max_length=80)
    next: str = "/"


@router.post("/me/default-platform")
def remember_platform(
    session: DbSession, actor: Actor, form: Annotated[RememberedPlatform, Form()]
) -> Response:
    """From the platform picker: the platform the person's list pages open on (blank:
    every platform); back to the page they were on."""
    auth.choose_default_platform(session, actor=actor, platform=form.platform or None)
    return RedirectResponse(auth.return_path(form.next), status_code=303)

"""Jira and Confluence in the browser: a platform's connections (its operations manager's
page), and the panel on an action item's, a problem's and a review's page that sends it."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.infra.errors import NotFound
from opsroom.outbound import schemas, service
from opsroom.web.pages import Failure, Posted, RecordForms, parse_form, render, saved_or_again

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def panel(session: Session, actor: Principal, key: str) -> Mapping[str, Any]:
    """The record page's panel: its Jira issue or Confluence page, and the button to send it."""
    return {"outbound": service.offered(session, actor=actor, key=key)}


def _forms(request: Request, key: str) -> RecordForms[Principal]:
    """The record's page, as the application composes them (`app.state.record_pages`)."""
    pages: Mapping[str, RecordForms[Principal]] = request.app.state.record_pages
    forms = pages.get(key.partition("-")[0].upper())
    if forms is None:
        raise NotFound(f"no action item, problem or review {key}")
    return forms


@router.post("/outbound/{key}/jira")
def send_to_jira(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> object:
        return service.request_issue(session, actor=actor, key=key)

    return _forms(request, key).apply(request, session, actor, key, form, "jira", change)


@router.post("/outbound/{key}/confluence")
def send_to_confluence(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> object:
        return service.request_page(session, actor=actor, key=key)

    return _forms(request, key).apply(request, session, actor, key, form, "confluence", change)


# --- a platform's connections -------------------------------------------------------------


def _shown(read: Any, platform: str) -> Any:
    try:
        return read(platform=platform)
    except NotFound:
        return None


def _connections(
    request: Request,
    session: Session,
    actor: Principal,
    platform: str,
    failure: Failure | None = None,
) -> Response:
    context = {
        "platform": platform,
        "jira": _shown(partial(service.read_jira, session, actor=actor), platform),
        "confluence": _shown(partial(service.read_confluence, session, actor=actor), platform),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "outbound/connections.html", context, status=status)


@router.get("/platforms/{platform}/atlassian")
def connections(request: Request, session: DbSession, actor: Actor, platform: str) -> Response:
    service.platform_slug(session, platform)
    return _connections(request, session, actor, platform)


@router.post("/platforms/{platform}/jira")
def save_jira(
    request: Request, session: DbSession, actor: Actor, platform: str, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.JiraConnectionIn, form)
        return service.replace_jira(session, actor=actor, platform=platform, data=data)

    again = partial(_connections, request, session, actor, platform)
    then = f"/platforms/{platform}/atlassian"
    return saved_or_again(session, "jira", form, change, page=again, then=then)


@router.post("/platforms/{platform}/confluence")
def save_confluence(
    request: Request, session: DbSession, actor: Actor, platform: str, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.ConfluenceConnectionIn, form)
        return service.replace_confluence(session, actor=actor, platform=platform, data=data)

    again = partial(_connections, request, session, actor, platform)
    then = f"/platforms/{platform}/atlassian"
    return saved_or_again(session, "confluence", form, change, page=again, then=then)

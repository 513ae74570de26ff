"""/api/v1/status: a platform's status page for embedding, its Atom feed's sibling in JSON,
email subscriptions with double opt-in, and the page's settings. Reading and subscribing
need no sign-in unless the platform restricts its page."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from opsroom.auth.deps import Actor, DbSession, current_principal
from opsroom.infra.apidoc import RecordId, errors
from opsroom.infra.db import session_scope
from opsroom.infra.errors import NotFound, Unauthenticated
from opsroom.statuspage import schemas, subscriptions
from opsroom.statuspage import service as status_pages
from opsroom.statuspage.domain import Visibility
from opsroom.statuspage.published import Build, Published, Shelf
from opsroom.web.pages import settings_of

router = APIRouter(prefix="/api/v1/status", tags=["status page"])

# Browsers and proxies may keep a page this long and then ask again with its validators:
# during an outage, when everyone reloads it, most reloads cost a 304 or nothing at all.
STATUS_MAX_AGE = 15
Render = Callable[[Session, schemas.StatusPage], bytes]


def builder(request: Request, platform: str, render: Render) -> Build:
    def build() -> tuple[bytes, Visibility]:
        with session_scope(settings_of(request), write=False) as session:
            visibility, page = status_pages.visible_page(session, platform=platform)
            return (render(session, page) if page else b""), visibility

    return build


async def _signed_in(request: Request) -> bool:
    try:
        await current_principal(request)
    except Unauthenticated:
        return False
    return True


SignedIn = Annotated[bool, Depends(_signed_in)]


def _unchanged(request: Request, kept: Published) -> bool:
    etags = request.headers.get("if-none-match")
    if etags is not None:
        return kept.etag in etags
    since = request.headers.get("if-modified-since")
    try:
        return since is not None and kept.last_modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


async def published(
    request: Request, platform: str, form: str, render: Render, media_type: str
) -> Response:
    """The platform's page in `form`, from this process's shelf while fresh: 304 when the
    caller holds it already, 404 when switched off, 401 when restricted to the signed-in."""
    shelf: Shelf = request.app.state.status_pages
    kept = shelf.serving(platform, form)
    if kept is None:
        build = builder(request, platform, render)
        kept = await run_in_threadpool(shelf.fetch, platform, form, build)
    if kept.visibility is Visibility.OFF:
        raise NotFound(f"no status page for '{platform}'")
    if kept.visibility is Visibility.SIGNED_IN:
        await current_principal(request)
    audience = "public" if kept.visibility is Visibility.PUBLIC else "private"
    headers = {
        "ETag": kept.etag,
        "Last-Modified": format_datetime(kept.last_modified, usegmt=True),
        "Cache-Control": f"{audience}, max-age={STATUS_MAX_AGE}",
    }
    if _unchanged(request, kept):
        return Response(status_code=304, headers=headers)
    return Response(kept.body, media_type=media_type, headers=headers)


def _json(_session: Session, page: schemas.StatusPage) -> bytes:
    return page.model_dump_json().encode()


@router.get(
    "/{platform}",
    response_model=schemas.StatusPage,
    responses={**errors(401, 404), 304: {"description": "not modified since the ETag sent"}},
)
async def platform_status(request: Request, platform: str) -> Response:
    """The platform's public status for embedding: its services' state from open incidents,
    their customer updates (never internal ones), 90 days of uptime per service and journey,
    scheduled maintenance and the last 90 days' incidents. No sign-in unless the platform
    restricts its page; send If-None-Match (or If-Modified-Since) to be answered 304 when
    nothing changed."""
    return await published(request, platform, "json", _json, "application/json")


@router.post(
    "/{platform}/subscribers", status_code=status.HTTP_202_ACCEPTED, responses=errors(401, 404)
)
def subscribe(
    session: DbSession, signed_in: SignedIn, platform: str, data: schemas.SubscriberIn
) -> schemas.SubscriptionAnswer:
    """Ask for every customer update of the platform's incidents by email: a link to confirm
    is mailed first (double opt-in), and nothing else until it is followed."""
    return subscriptions.subscribe(session, platform=platform, data=data, signed_in=signed_in)


Token = Annotated[str, Query(min_length=1, max_length=100)]


@router.post("/{platform}/subscribers/{subscriber}/confirm", responses=errors(404, 422))
def confirm(
    session: DbSession, platform: str, subscriber: RecordId, token: Token
) -> dict[str, bool]:
    """Confirm by the mailed link's token; `confirmed` is false when the subscription is gone."""
    confirmed = subscriptions.confirm(
        session, platform=platform, subscriber=subscriber, token=token
    )
    return {"confirmed": confirmed}


@router.post("/{platform}/subscribers/{subscriber}/unsubscribe", responses=errors(422))
def unsubscribe(
    session: DbSession, platform: str, subscriber: RecordId, token: Token
) -> dict[str, bool]:
    """End a subscription by the token in any of its mails; `unsubscribed` is false when it
    had ended already (a second time changes nothing)."""
    ended = subscriptions.unsubscribe(
        session, platform=platform, subscriber=subscriber, token=token
    )
    return {"unsubscribed": ended}


@router.get("/{platform}/subscribers", responses=errors(403, 404))
def list_subscribers(
    session: DbSession, actor: Actor, platform: str
) -> list[schemas.SubscriberRead]:
    """The platform's subscribers, confirmed or still waiting (its operations managers)."""
    found = subscriptions.listing(session, actor=actor, platform=platform)
    return [schemas.SubscriberRead.model_validate(s, from_attributes=True) for s in found]


@router.get("/{platform}/settings", responses=errors(404))
def read_settings(
    session: DbSession, actor: Actor, platform: str
) -> schemas.StatusPageSettingsRead:
    return status_pages.read_settings(session, actor=actor, platform=platform)


@router.put("/{platform}/settings", responses=errors(403, 404, 409, 422))
def replace_settings(
    session: DbSession, actor: Actor, platform: str, data: schemas.StatusPageSettingsRead
) -> schemas.StatusPageSettingsRead:
    """Open the page to anyone (`public`), to the signed-in (`signed_in`), or switch it off
    (`off`: 404); send back the `version` read (409 when stale)."""
    doc = schemas.StatusPageSettingsDoc.model_validate(
        data.model_dump(exclude={"version", "updated_by", "updated_at"})
    )
    return status_pages.replace_settings(
        session, actor=actor, platform=platform, doc=doc, version=data.version
    )

"""A platform's status page in the browser and as an Atom feed, the subscription form on it
and the pages its mailed links open; and the page's settings for operations managers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, decide
from opsroom.statuspage import schemas, subscriptions
from opsroom.statuspage import service as status_pages
from opsroom.statuspage.api import SignedIn, published
from opsroom.statuspage.domain import LinkPurpose, Visibility, bar_runs
from opsroom.web.pages import (
    Failure,
    Posted,
    attempt,
    parse_form,
    render,
    saved_or_again,
    settings_of,
)

# Read by anyone the platform lets in, and opened from mailed links without an account.
links = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False, dependencies=[can_read])

HTML = "text/html; charset=utf-8"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _html(request: Request) -> Callable[[Session, schemas.StatusPage], bytes]:
    def rendered(session: Session, page: schemas.StatusPage) -> bytes:
        context = {"page": page, "bar_runs": bar_runs}
        return bytes(render(request, session, "statuspage/status.html", context).body)

    return rendered


def _changed(incident: schemas.PublicIncident) -> datetime:
    """When an incident last changed for its readers: its latest update or resolution."""
    moments = [incident.detected_at, incident.resolved_at, *(u.at for u in incident.updates)]
    return max(m for m in moments if m is not None)


def _atom(request: Request) -> Callable[[Session, schemas.StatusPage], bytes]:
    def rendered(session: Session, page: schemas.StatusPage) -> bytes:
        entries = [(i, _changed(i)) for i in [*page.open_incidents, *page.history]]
        context = {
            "page": page,
            "base": settings_of(request).base_url.rstrip("/"),
            "entries": entries,
            "updated": max((changed for _, changed in entries), default=EPOCH),
        }
        template = request.app.state.templates.get_template("statuspage/feed.xml")
        return str(template.render(context)).encode()

    return rendered


@links.get("/status/{platform}")
async def public_status(request: Request, platform: str) -> Response:
    """The page, cached like its JSON and answered 304 while nothing changed."""
    return await published(request, platform, "html", _html(request), HTML)


@links.get("/status/{platform}/feed.atom")
async def status_feed(request: Request, platform: str) -> Response:
    """The platform's incidents and their customer updates as an Atom feed."""
    return await published(request, platform, "atom", _atom(request), "application/atom+xml")


def _subscribing(
    request: Request, session: Session, platform: str, failure: Failure | None, message: str
) -> Response:
    context = {"platform": platform, "failure": failure, "message": message}
    status = failure.status if failure else 200
    return render(request, session, "statuspage/subscribe.html", context, status=status)


@links.post("/status/{platform}/subscribe")
def subscribe(
    request: Request, session: DbSession, signed_in: SignedIn, platform: str, form: Posted
) -> Response:
    outcome = attempt(
        session,
        "subscribe",
        form,
        lambda: subscriptions.subscribe(
            session,
            platform=platform,
            data=parse_form(schemas.SubscriberIn, form),
            signed_in=signed_in,
        ),
    )
    if isinstance(outcome, Failure):
        return _subscribing(request, session, platform, outcome, "")
    return _subscribing(request, session, platform, None, outcome.message)


def _link_page(
    request: Request,
    session: Session,
    link: tuple[str, LinkPurpose, int, str],
    outcome: object = None,
) -> Response:
    platform, purpose, subscriber, token = link
    failure = outcome if isinstance(outcome, Failure) else None
    context = {
        "platform": platform,
        "purpose": purpose,
        "subscriber": subscriber,
        "token": token,
        "done": outcome is not None and failure is None,
        "gone": outcome is False,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "statuspage/link.html", context, status=status)


def _follow(
    session: Session, link: tuple[str, LinkPurpose, int, str], act: Callable[..., object]
) -> object:
    platform, purpose, subscriber, token = link
    return attempt(
        session,
        str(purpose),
        {},
        lambda: act(session, platform=platform, subscriber=subscriber, token=token),
    )


# What a mailed link asks is shown first; doing it takes a click, so mail scanners that open
# links change nothing.


@links.get("/status/{platform}/confirm")
def confirm_page(
    request: Request, session: DbSession, platform: str, subscriber: int, token: str
) -> Response:
    return _link_page(request, session, (platform, LinkPurpose.CONFIRM, subscriber, token))


@links.post("/status/{platform}/confirm")
def confirm(
    request: Request, session: DbSession, platform: str, subscriber: int, token: str
) -> Response:
    link = (platform, LinkPurpose.CONFIRM, subscriber, token)
    return _link_page(request, session, link, _follow(session, link, subscriptions.confirm))


@links.get("/status/{platform}/unsubscribe")
def unsubscribe_page(
    request: Request, session: DbSession, platform: str, subscriber: int, token: str
) -> Response:
    return _link_page(request, session, (platform, LinkPurpose.UNSUBSCRIBE, subscriber, token))


@links.post("/status/{platform}/unsubscribe")
def unsubscribe(
    request: Request, session: DbSession, platform: str, subscriber: int, token: str
) -> Response:
    link = (platform, LinkPurpose.UNSUBSCRIBE, subscriber, token)
    return _link_page(request, session, link, _follow(session, link, subscriptions.unsubscribe))


# --- settings -----------------------------------------------------------------------------


def _settings_page(
    request: Request, session: Session, actor: Actor, platform: str, failure: Failure | None
) -> Response:
    settings = status_pages.read_settings(session, actor=actor, platform=platform)
    governs = decide(actor, Action.GOVERN, platforms=[platform]).allowed
    context = {
        "settings": settings,
        "governs": governs,
        "subscribers": (
            subscriptions.listing(session, actor=actor, platform=platform) if governs else []
        ),
        "platform": platform,
        "visibilities": list(Visibility),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "statuspage/settings.html", context, status=status)


@router.get("/status/{platform}/settings")
def settings_page(request: Request, session: DbSession, actor: Actor, platform: str) -> Response:
    return _settings_page(request, session, actor, platform, None)


@router.post("/status/{platform}/settings")
def save_settings(
    request: Request, session: DbSession, actor: Actor, platform: str, form: Posted
) -> Response:
    def change() -> object:
        doc = parse_form(schemas.StatusPageSettingsRead, form)
        written = schemas.StatusPageSettingsDoc.model_validate(
            doc.model_dump(exclude={"version", "updated_by", "updated_at"})
        )
        return status_pages.replace_settings(
            session, actor=actor, platform=platform, doc=written, version=doc.version
        )

    return saved_or_again(
        session,
        "settings",
        form,
        change,
        page=lambda failure: _settings_page(request, session, actor, platform, failure),
        then=f"/status/{platform}/settings",
    )

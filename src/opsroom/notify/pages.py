"""Notifications in the browser: the Subscribers section of a service or journey page, my
subscriptions, the one-click unsubscribe link from a status update email, and my contact
methods and notification rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, AppSettings, DbSession, can_read
from opsroom.auth.domain import Action, decide
from opsroom.infra.apidoc import RecordId
from opsroom.infra.errors import NotFound, RateLimited, ValidationFailed
from opsroom.infra.errors_http import is_htmx
from opsroom.notify import schemas, subscriptions, verification
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel, Urgency, settings_editable_by
from opsroom.web.pages import (
    ANY_REFUSAL,
    Failure,
    Filter,
    Posted,
    attempt,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# Reached from an email by someone who may have no account: the signed token is the key.
links = APIRouter(include_in_schema=False)

SECTION = "notify/_subscribers.html"


def _section(
    request: Request,
    session: DbSession,
    actor: Actor,
    target: tuple[str, str],
    failure: Failure | None = None,
) -> Response:
    kind, slug = target
    found = subscriptions.listing(session, actor=actor, **{kind: slug})
    context = {
        "kind": kind,
        "slug": slug,
        "subscriptions": found,
        "failure": failure,
        "me": actor.name,
        "subscribed": any(s.subscriber.lower() == actor.name.lower() for s in found),
        "may_manage": decide(actor, Action.GOVERN).allowed,
    }
    response = render(
        request,
        session,
        "notify/subscribers.html",
        context,
        partial=SECTION,
        status=failure.status if failure else 200,
    )
    if is_htmx(request):  # a section of the page it sits in: the address stays that page's
        response.headers["HX-Push-Url"] = "false"
    return response


def _target(service: str | None, journey: str | None) -> tuple[str, str]:
    if service:
        return "service", service
    if journey:
        return "journey", journey
    raise ValidationFailed("name a service or a journey", fields={"service": "required"})


def _back(
    request: Request,
    session: DbSession,
    actor: Actor,
    target: tuple[str, str],
    failure: Failure | None = None,
) -> Response:
    if is_htmx(request) or failure:
        return _section(request, session, actor, target, failure)
    kind, slug = target
    return see_other(f"/{kind}s/{slug}#subscribers")


@router.get("/subscriptions/section")
def subscribers_section(
    request: Request,
    session: DbSession,
    actor: Actor,
    service: Filter = None,
    journey: Filter = None,
) -> Response:
    """Who subscribed to a service or journey, with the forms to subscribe and unsubscribe."""
    return _section(request, session, actor, _target(service, journey))


@router.post("/subscriptions")
def subscribe(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    target = _target(values.get("service"), values.get("journey"))
    done = attempt(
        session,
        "subscribe",
        values,
        lambda: subscriptions.subscribe(
            session, actor=actor, data=parse_form(schemas.SubscriptionIn, form)
        ),
        answered=ANY_REFUSAL,
    )
    return _back(request, session, actor, target, done if isinstance(done, Failure) else None)


@router.post("/subscriptions/{subscription_id}/audience")
def change_audience(
    request: Request, session: DbSession, actor: Actor, subscription_id: RecordId, form: Posted
) -> Response:
    found = subscriptions.get(session, subscription_id)
    target = (found.target_kind, found.target)
    done = attempt(
        session,
        f"audience-{subscription_id}",
        {k: v for k, v in form.items() if isinstance(v, str)},
        lambda: subscriptions.change_audience(
            session,
            actor=actor,
            subscription_id=subscription_id,
            audience=parse_form(schemas.SubscriptionUpdate, form).audience,
        ),
        answered=ANY_REFUSAL,
    )
    return _back(request, session, actor, target, done if isinstance(done, Failure) else None)


@router.post("/subscriptions/{subscription_id}/remove")
def unsubscribe(
    request: Request, session: DbSession, actor: Actor, subscription_id: RecordId
) -> Response:
    removed = subscriptions.unsubscribe(session, actor=actor, subscription_id=subscription_id)
    if request.query_params.get("from") == "mine":
        return see_other("/subscriptions/mine")
    return _back(request, session, actor, (removed.target_kind, removed.target))


@router.get("/subscriptions/mine")
def my_subscriptions(request: Request, session: DbSession, actor: Actor) -> Response:
    found = subscriptions.listing(session, actor=actor, subscriber=actor.name)
    return render(request, session, "notify/mine.html", {"subscriptions": found})


# --- unsubscribing from an email -------------------------------------------------------------


LinkId = Annotated[int, Query(alias="id", ge=1, le=2**31 - 1)]
Token = Annotated[str, Query(max_length=64)]


@links.get("/subscriptions/unsubscribe")
def unsubscribe_link(
    request: Request, session: DbSession, settings: AppSettings, subscription: LinkId, token: Token
) -> Response:
    """A confirmation button, so that mail scanners following links unsubscribe nobody."""
    found = subscriptions.by_link(
        session,
        secret=settings.signing_secret.get_secret_value(),
        subscription_id=subscription,
        token=token,
    )
    context = {"subscription": found, "id": subscription, "token": token, "done": False}
    return render(request, session, "notify/unsubscribe.html", context)


@links.post("/subscriptions/unsubscribe")
def unsubscribe_from_link(
    request: Request, session: DbSession, settings: AppSettings, subscription: LinkId, token: Token
) -> Response:
    """One click in the email (or the mail client's own unsubscribe, RFC 8058): no sign-in."""
    removed = subscriptions.unsubscribe_by_link(
        session,
        secret=settings.signing_secret.get_secret_value(),
        subscription_id=subscription,
        token=token,
    )
    context = {"subscription": removed, "id": subscription, "token": token, "done": True}
    return render(request, session, "notify/unsubscribe.html", context)


# --- my contact methods and notification rules -------------------------------------------------

NOTIFICATION_SETTINGS = "/me/notifications"


def _settings_page(
    request: Request, session: DbSession, actor: Actor, person: str, failure: Failure | None = None
) -> Response:
    methods = [
        schemas.ContactMethodRead.model_validate(m).seen_by(actor)
        for m in notify.contact_methods(session, actor=actor, person=person)
    ]
    shown = {m.id: m for m in methods}
    rules = notify.rules(session, actor=actor, person=person)
    try:
        quiet = notify.quiet_hours(session, actor=actor, person=person)
    except NotFound:
        quiet = None
    context = {
        "quiet": quiet,
        "person": person,
        "methods": methods,
        "rules": [(r, shown[r.contact_method_id]) for r in rules],
        "editable": settings_editable_by(actor, person),
        "kinds": list(Channel),
        "urgencies": list(Urgency),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "notify/settings.html", context, status=status)


def _saved(
    request: Request, session: DbSession, actor: Actor, person: str, done: object
) -> Response:
    if isinstance(done, Failure):
        return _settings_page(request, session, actor, person, done)
    return see_other(f"{NOTIFICATION_SETTINGS}?person={quote(person)}")


def _fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def _submitted(
    request: Request,
    session: DbSession,
    actor: Actor,
    person: str | None,
    *,
    name: str,
    form: FormData,
    change: Callable[[str], object],
) -> Response:
    """Run a settings form's change for `person` (the caller by default): back to the
    settings, or the settings again with the refusal next to the form `name`."""
    whom = person or actor.name
    return _saved(
        request,
        session,
        actor,
        whom,
        attempt(session, name, _fields(form), lambda: change(whom), answered=ANY_REFUSAL),
    )


@router.get(NOTIFICATION_SETTINGS)
def notification_settings(
    request: Request, session: DbSession, actor: Actor, person: Filter = None
) -> Response:
    """How pages and notices reach a person: contact methods and notification rules."""
    return _settings_page(request, session, actor, person or actor.name)


@router.post(f"{NOTIFICATION_SETTINGS}/contact-methods/{{record}}/verification")
def send_verification_code(
    request: Request, session: DbSession, actor: Actor, record: RecordId, person: Filter = None
) -> Response:
    """Send a code to the contact method; refused next to its form when sent moments ago."""
    whom = person or actor.name
    try:
        verification.send_code(session, actor=actor, person=whom, method_id=record)
    except RateLimited as throttled:
        refused = Failure(f"verify-{record}", 429, throttled.message, {}, {})
        return _settings_page(request, session, actor, whom, refused)
    return _saved(request, session, actor, whom, None)


@router.post(f"{NOTIFICATION_SETTINGS}/contact-methods/{{record}}/verification/confirm")
def confirm_contact_method(
    request: Request,
    session: DbSession,
    actor: Actor,
    form: Posted,
    record: RecordId,
    person: Filter = None,
) -> Response:
    """Name back the code: verified, or the refusal next to the form (the try still counts)."""
    whom = person or actor.name
    code = str(form.get("code", ""))[:20]
    confirmed = verification.confirm(session, actor=actor, person=whom, method_id=record, code=code)
    refused = confirmed.refusal
    if refused is None:
        return _saved(request, session, actor, whom, None)
    failure = Failure(f"verify-{record}", refused.status, refused.message, refused.fields, {})
    return _settings_page(request, session, actor, whom, failure)


@router.post(f"{NOTIFICATION_SETTINGS}/quiet-hours")
def set_quiet_hours(
    request: Request, session: DbSession, actor: Actor, form: Posted, person: Filter = None
) -> Response:
    return _submitted(
        request,
        session,
        actor,
        person,
        name="quiet-hours",
        form=form,
        change=lambda whom: notify.set_quiet_hours(
            session, actor=actor, person=whom, data=parse_form(schemas.QuietHoursIn, form)
        ),
    )


@router.post(f"{NOTIFICATION_SETTINGS}/quiet-hours/clear")
def clear_quiet_hours(
    request: Request, session: DbSession, actor: Actor, person: Filter = None
) -> Response:
    whom = person or actor.name
    notify.clear_quiet_hours(session, actor=actor, person=whom)
    return _saved(request, session, actor, whom, None)


@dataclass(frozen=True)
class _Setting:
    """One kind of a person's notification settings, added, changed and removed by form on
    the settings page; `form` names its forms there (add-<form>, <form>-<id>)."""

    path: str
    form: str
    new: type[BaseModel]
    changed: type[BaseModel]
    add: Callable[..., object]  # (session, actor=, person=, data=)
    update: Callable[..., object]  # (session, actor=, person=, record=, data=)
    remove: Callable[..., object]  # (session, actor=, person=, record=)


def _adding(setting: _Setting) -> Callable[..., Response]:
    def add(
        request: Request, session: DbSession, actor: Actor, form: Posted, person: Filter = None
    ) -> Response:
        return _submitted(
            request,
            session,
            actor,
            person,
            name=f"add-{setting.form}",
            form=form,
            change=lambda whom: setting.add(
                session, actor=actor, person=whom, data=parse_form(setting.new, form)
            ),
        )

    return add


def _updating(setting: _Setting) -> Callable[..., Response]:
    def update(
        request: Request,
        session: DbSession,
        actor: Actor,
        form: Posted,
        record: RecordId,
        person: Filter = None,
    ) -> Response:
        return _submitted(
            request,
            session,
            actor,
            person,
            name=f"{setting.form}-{record}",
            form=form,
            change=lambda whom: setting.update(
                session,
                actor=actor,
                person=whom,
                record=record,
                data=parse_form(setting.changed, form),
            ),
        )

    return update


def _removing(setting: _Setting) -> Callable[..., Response]:
    def remove(
        request: Request, session: DbSession, actor: Actor, record: RecordId, person: Filter = None
    ) -> Response:
        whom = person or actor.name
        setting.remove(session, actor=actor, person=whom, record=record)
        return _saved(request, session, actor, whom, None)

    return remove


def _setting_routes(setting: _Setting) -> None:
    base = f"{NOTIFICATION_SETTINGS}/{setting.path}"
    router.add_api_route(base, _adding(setting), methods=["POST"], name=f"add_{setting.form}")
    router.add_api_route(
        f"{base}/{{record}}", _updating(setting), methods=["POST"], name=f"update_{setting.form}"
    )
    router.add_api_route(
        f"{base}/{{record}}/remove",
        _removing(setting),
        methods=["POST"],
        name=f"remove_{setting.form}",
    )


_setting_routes(
    _Setting(
        "contact-methods",
        "method",
        schemas.ContactMethodIn,
        schemas.ContactMethodUpdate,
        add=notify.add_contact_method,
        update=lambda session, *, record, **given: notify.update_contact_method(
            session, method_id=record, **given
        ),
        remove=lambda session, *, record, **given: notify.remove_contact_method(
            session, method_id=record, **given
        ),
    )
)
_setting_routes(
    _Setting(
        "rules",
        "rule",
        schemas.RuleIn,
        schemas.RuleUpdate,
        add=notify.add_rule,
        update=lambda session, *, record, **given: notify.update_rule(
            session, rule_id=record, **given
        ),
        remove=lambda session, *, record, **given: notify.remove_rule(
            session, rule_id=record, **given
        ),
    )
)

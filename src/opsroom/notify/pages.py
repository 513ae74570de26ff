"""Notifications in the browser: the Subscribers section of a service or journey page, my
subscriptions, the one-click unsubscribe link from a status update email, and my contact
methods and notification rules."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.apidoc import RecordId
from opsroom.auth.domain import Action, decide
from opsroom.deps import Actor, AppSettings, DbSession, can_read
from opsroom.errors import ValidationFailed
from opsroom.errors_http import is_htmx
from opsroom.notify import schemas, subscriptions
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel
from opsroom.web.pages import Failure, Filter, Posted, attempt, parse_form, render, see_other

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# Reached from an email by someone who may have no account: the signed token is the key.
links = APIRouter(include_in_schema=False)

SECTION = "notify/_subscribers.html"


def _section(
    request: Request, session: DbSession, actor: Actor, target: tuple[str, str],
    failure: Failure | None = None,
) -> Response:  # fmt: skip
    kind, slug = target
    found = subscriptions.listing(session, actor=actor, **{kind: slug})
    context = {
        "kind": kind, "slug": slug, "subscriptions": found, "failure": failure,
        "me": actor.name, "subscribed": any(s.subscriber.lower() == actor.name.lower() for s in found),
        "may_manage": decide(actor, Action.GOVERN).allowed,
    }  # fmt: skip
    response = render(request, session, "notify/subscribers.html", context, partial=SECTION,
                      status=failure.status if failure else 200)  # fmt: skip
    if is_htmx(request):  # a section of the page it sits in: the address stays that page's
        response.headers["HX-Push-Url"] = "false"
    return response


def _target(service: str | None, journey: str | None) -> tuple[str, str]:
    if service:
        return "service", service
    if journey:
        return "journey", journey
    raise ValidationFailed("name a service or a journey", fields={"service": "required"})


def _back(request: Request, session: DbSession, actor: Actor, target: tuple[str, str],
          failure: Failure | None = None) -> Response:  # fmt: skip
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
        session, "subscribe", values,
        lambda: subscriptions.subscribe(session, actor=actor, data=parse_form(schemas.SubscriptionIn, form)),
    )  # fmt: skip
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
        session, secret=settings.signing_secret.get_secret_value(), subscription_id=subscription, token=token
    )  # fmt: skip
    context = {"subscription": found, "id": subscription, "token": token, "done": False}
    return render(request, session, "notify/unsubscribe.html", context)


@links.post("/subscriptions/unsubscribe")
def unsubscribe_from_link(
    request: Request, session: DbSession, settings: AppSettings, subscription: LinkId, token: Token
) -> Response:
    """One click in the email (or the mail client's own unsubscribe, RFC 8058): no sign-in."""
    removed = subscriptions.unsubscribe_by_link(
        session, secret=settings.signing_secret.get_secret_value(), subscription_id=subscription, token=token
    )  # fmt: skip
    context = {"subscription": removed, "id": subscription, "token": token, "done": True}
    return render(request, session, "notify/unsubscribe.html", context)


# --- my contact methods and notification rules -------------------------------------------------

NOTIFICATION_SETTINGS = "/me/notifications"


def _settings_page(
    request: Request, session: DbSession, actor: Actor, person: str, failure: Failure | None = None
) -> Response:
    context = {
        "person": person,
        "methods": notify.contact_methods(session, actor=actor, person=person),
        "rules": notify.rules(session, actor=actor, person=person),
        "kinds": list(Channel),
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


@router.get(NOTIFICATION_SETTINGS)
def notification_settings(
    request: Request, session: DbSession, actor: Actor, person: Filter = None
) -> Response:
    """How pages and notices reach a person: contact methods and notification rules."""
    return _settings_page(request, session, actor, person or actor.name)


@router.post(f"{NOTIFICATION_SETTINGS}/contact-methods")
def add_contact_method(
    request: Request, session: DbSession, actor: Actor, form: Posted, person: Filter = None
) -> Response:
    whom = person or actor.name
    done = attempt(session, "add-method", _fields(form), lambda: notify.add_contact_method(
        session, actor=actor, person=whom, data=parse_form(schemas.ContactMethodIn, form)
    ))  # fmt: skip
    return _saved(request, session, actor, whom, done)


@router.post(f"{NOTIFICATION_SETTINGS}/contact-methods/{{method_id}}")
def update_contact_method(
    request: Request, session: DbSession, actor: Actor, form: Posted, method_id: RecordId,
    person: Filter = None,
) -> Response:  # fmt: skip
    whom = person or actor.name
    done = attempt(session, f"method-{method_id}", _fields(form), lambda: notify.update_contact_method(
        session, actor=actor, person=whom, method_id=method_id,
        data=parse_form(schemas.ContactMethodUpdate, form),
    ))  # fmt: skip
    return _saved(request, session, actor, whom, done)


@router.post(f"{NOTIFICATION_SETTINGS}/contact-methods/{{method_id}}/remove")
def remove_contact_method(
    request: Request, session: DbSession, actor: Actor, method_id: RecordId, person: Filter = None
) -> Response:
    whom = person or actor.name
    notify.remove_contact_method(session, actor=actor, person=whom, method_id=method_id)
    return _saved(request, session, actor, whom, None)


@router.post(f"{NOTIFICATION_SETTINGS}/rules")
def add_rule(
    request: Request, session: DbSession, actor: Actor, form: Posted, person: Filter = None
) -> Response:
    whom = person or actor.name
    done = attempt(session, "add-rule", _fields(form), lambda: notify.add_rule(
        session, actor=actor, person=whom, data=parse_form(schemas.RuleIn, form)
    ))  # fmt: skip
    return _saved(request, session, actor, whom, done)


@router.post(f"{NOTIFICATION_SETTINGS}/rules/{{rule_id}}")
def update_rule(
    request: Request, session: DbSession, actor: Actor, form: Posted, rule_id: RecordId,
    person: Filter = None,
) -> Response:  # fmt: skip
    whom = person or actor.name
    done = attempt(session, f"rule-{rule_id}", _fields(form), lambda: notify.update_rule(
        session, actor=actor, person=whom, rule_id=rule_id, data=parse_form(schemas.RuleUpdate, form)
    ))  # fmt: skip
    return _saved(request, session, actor, whom, done)


@router.post(f"{NOTIFICATION_SETTINGS}/rules/{{rule_id}}/remove")
def remove_rule(
    request: Request, session: DbSession, actor: Actor, rule_id: RecordId, person: Filter = None
) -> Response:
    whom = person or actor.name
    notify.remove_rule(session, actor=actor, person=whom, rule_id=rule_id)
    return _saved(request, session, actor, whom, None)

"""Stakeholder subscriptions: who wants the status updates of incidents touching a service
or a business journey, and which of them (internal or customer updates). Anyone signed in
subscribes themselves; operations managers manage other people's subscriptions and bare
email addresses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth import service as accounts
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.incidents.domain import Audience
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.notify import domain
from opsroom.notify.models import Subscription
from opsroom.notify.schemas import SubscriptionIn, Target


def _may_manage(
    session: Session, actor: Principal, subscriber: str, kind: Target, target: str
) -> None:
    """Anyone manages their own subscriptions; someone else's, who governs the platform of
    the service or journey subscribed to."""
    if subscriber.lower() == actor.name.lower():
        require(actor, Action.SELF_SERVICE)
        return
    services, journeys = ([target], []) if kind is Target.SERVICE else ([], [target])
    platforms = catalog.platforms_of(session, services=services, journeys=journeys)
    require(actor, Action.GOVERN, platforms=platforms)


def _subject(subscription: Subscription) -> tuple[Target, str]:
    return Target(subscription.target_kind), subscription.target


def _checked_target(session: Session, kind: Target, slug: str) -> str:
    try:
        if kind is Target.SERVICE:
            return catalog.get_service(session, slug).slug
        return catalog.get_journey(session, slug).slug
    except NotFound:
        raise ValidationFailed(
            f"no {kind.value} '{slug}'", fields={kind.value: f"unknown {kind.value} '{slug}'"}
        ) from None


def _account(session: Session, email: str) -> tuple[str, Role] | None:
    """The account's email and role, None for a bare address."""
    try:
        user = accounts.get_user(session, email)
    except NotFound:
        return None
    return user.email, Role(user.role)


def subscribe(session: Session, *, actor: Principal, data: SubscriptionIn) -> Subscription:
    wanted = str(data.subscriber) if data.subscriber else actor.name
    if "@" not in wanted:
        raise ValidationFailed(
            f"{wanted} has no email address: name the subscriber",
            fields={"subscriber": "required"},
        )
    kind, slug = data.target
    target = _checked_target(session, kind, slug)
    _may_manage(session, actor, wanted, kind, target)
    account = _account(session, wanted)
    subscriber = account[0] if account else wanted.lower()
    if _find(session, subscriber, kind, target) is not None:
        raise Conflict(
            f"{subscriber} is already subscribed to {kind.value} {target}",
            fields={kind.value: "already subscribed"},
        )
    audience = data.audience or domain.default_audience(account[1] if account else None)
    subscription = Subscription(
        subscriber=subscriber,
        person=account is not None,
        target_kind=kind,
        target=target,
        audience=audience,
        created_by=str(actor),
    )
    session.add(subscription)
    session.flush()
    _audit(session, str(actor), "subscription.added", subscription)
    return subscription


def _find(session: Session, subscriber: str, kind: Target, target: str) -> Subscription | None:
    return session.scalar(
        select(Subscription).where(
            Subscription.subscriber == subscriber,
            Subscription.target_kind == kind,
            Subscription.target == target,
        )
    )


def listing(
    session: Session,
    *,
    actor: Principal,
    subscriber: str | None = None,
    service: str | None = None,
    journey: str | None = None,
) -> list[Subscription]:
    require(actor, Action.READ)
    query = select(Subscription)
    if subscriber:
        query = query.where(Subscription.subscriber == subscriber)
    if service:
        query = query.where(
            Subscription.target_kind == Target.SERVICE, Subscription.target == service
        )
    if journey:
        query = query.where(
            Subscription.target_kind == Target.JOURNEY, Subscription.target == journey
        )
    return list(session.scalars(query.order_by(Subscription.subscriber, Subscription.id)))


def get(session: Session, subscription_id: int) -> Subscription:
    found = session.get(Subscription, subscription_id)
    if found is None:
        raise NotFound(f"no subscription {subscription_id}")
    return found


def unsubscribe(session: Session, *, actor: Principal, subscription_id: int) -> Subscription:
    subscription = get(session, subscription_id)
    _may_manage(session, actor, subscription.subscriber, *_subject(subscription))
    return _removed(session, str(actor), subscription)


def change_audience(
    session: Session, *, actor: Principal, subscription_id: int, audience: Audience
) -> Subscription:
    """Which status updates a subscription receives from now on; the same audience again
    changes nothing."""
    subscription = get(session, subscription_id)
    _may_manage(session, actor, subscription.subscriber, *_subject(subscription))
    if subscription.audience != audience:
        subscription.audience = audience
        session.flush()
        _audit(session, str(actor), "subscription.changed", subscription)
    return subscription


def by_link(
    session: Session, *, secret: str, subscription_id: int, token: str
) -> Subscription | None:
    """The subscription an unsubscribe link names (None once it is gone); a link not signed
    by this opsroom is refused."""
    if not domain.unsubscribe_token_valid(secret, subscription=subscription_id, token=token):
        raise ValidationFailed("this unsubscribe link is not valid", fields={"token": "invalid"})
    return session.get(Subscription, subscription_id)


def unsubscribe_by_link(
    session: Session, *, secret: str, subscription_id: int, token: str
) -> Subscription | None:
    """The one-click link in a status update: no sign-in, the signed token is the proof.
    None when it was removed already (a second click changes nothing)."""
    subscription = by_link(session, secret=secret, subscription_id=subscription_id, token=token)
    if subscription is None:
        return None
    return _removed(session, subscription.subscriber, subscription)


def _removed(session: Session, actor: str, subscription: Subscription) -> Subscription:
    session.delete(subscription)
    session.flush()
    _audit(session, actor, "subscription.removed", subscription)
    return subscription


def _audit(session: Session, actor: str, action: str, subscription: Subscription) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="person",
        subject_key=subscription.subscriber,
        after={
            "id": subscription.id,
            str(subscription.target_kind): subscription.target,
            "audience": subscription.audience,
        },
    )


def concerned(
    session: Session, services: Sequence[str], audience: Audience = Audience.CUSTOMER
) -> list[Subscription]:
    """One subscription per subscriber to any of these services or the journeys through them
    that hears news for `audience` (internal news: internal subscriptions only)."""
    journeys = catalog.journeys_through(session, services)
    hearing = [a for a in Audience if domain.hears(a, audience)]
    query = select(Subscription).where(
        or_(
            (Subscription.target_kind == Target.SERVICE) & Subscription.target.in_(services),
            (Subscription.target_kind == Target.JOURNEY) & Subscription.target.in_(journeys),
        ),
        Subscription.audience.in_(hearing),
    )
    first: dict[str, Subscription] = {}
    for subscription in session.scalars(query.order_by(Subscription.id)):
        first.setdefault(subscription.subscriber, subscription)
    return list(first.values())

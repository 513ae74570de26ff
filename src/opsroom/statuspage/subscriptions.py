"""Email subscriptions to a platform's status page, with double opt-in: asking sends a
signed confirmation link, and only a confirmed address hears the platform's incident news,
each mail with a signed link to unsubscribe."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, StatusUpdatePosted
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import ValidationFailed
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.statuspage import schemas
from opsroom.statuspage.domain import LinkPurpose, link_token, link_valid
from opsroom.statuspage.models import StatusSubscriber
from opsroom.statuspage.service import opened

ASKED = "Check your inbox: follow the link we sent to confirm your subscription."


def _secret(session: Session) -> str:
    return settings_of(session).signing_secret.get_secret_value()


def _link(session: Session, purpose: LinkPurpose, subscriber: StatusSubscriber) -> str:
    token = link_token(_secret(session), purpose, subscriber=subscriber.id, email=subscriber.email)
    return f"/status/{subscriber.platform_slug}/{purpose}?subscriber={subscriber.id}&token={token}"


def subscribe(
    session: Session, *, platform: str, data: schemas.SubscriberIn, signed_in: bool
) -> schemas.SubscriptionAnswer:
    """Ask for a platform's news: a confirmation link is mailed (at most once an hour per
    address, so the form cannot be used to flood someone's inbox). The answer is the same
    whether the address is new, waiting or confirmed already."""
    slug = opened(session, platform=platform, signed_in=signed_in)
    email = str(data.email).lower()
    found = session.scalar(
        select(StatusSubscriber).where(
            StatusSubscriber.platform_slug == slug, StatusSubscriber.email == email
        )
    )
    if found is None:
        found = StatusSubscriber(platform_slug=slug, email=email)
        session.add(found)
        session.flush()
    if found.confirmed_at is None:
        notify.notify_person(
            session,
            person=email,
            kind=NoticeKind.STATUS_CONFIRM,
            subject=slug,
            title=f"Confirm your subscription to the {slug} status page",
            body="Follow the link to receive an email on every update of an incident.",
            path=_link(session, LinkPurpose.CONFIRM, found),
            dedup=f"status:{found.id}:confirm:{clock.now():%Y%m%d%H}",
        )
    return schemas.SubscriptionAnswer(platform=slug, message=ASKED)


def _by_link(
    session: Session, purpose: LinkPurpose, platform: str, subscriber: int, token: str
) -> StatusSubscriber | None:
    """The subscriber a signed link names, None once they are gone; a link this opsroom did
    not sign, or signed for another purpose, is refused."""
    found = session.get(StatusSubscriber, subscriber)
    if found is None:
        return None
    signed = link_valid(
        _secret(session), purpose, subscriber=subscriber, email=found.email, token=token
    )
    if not signed or found.platform_slug != platform:
        raise ValidationFailed("this link is not valid", fields={"token": "invalid"})
    return found


def confirm(session: Session, *, platform: str, subscriber: int, token: str) -> bool:
    """Confirm by the mailed link (again changes nothing); False when the subscription is
    gone (unsubscribed since)."""
    found = _by_link(session, LinkPurpose.CONFIRM, platform, subscriber, token)
    if found is None:
        return False
    found.confirmed_at = found.confirmed_at or clock.now()
    return True


def unsubscribe(session: Session, *, platform: str, subscriber: int, token: str) -> bool:
    """End the subscription by the link in any of its mails; False when it had ended already
    (a second click changes nothing)."""
    found = _by_link(session, LinkPurpose.UNSUBSCRIBE, platform, subscriber, token)
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def listing(session: Session, *, actor: Principal, platform: str) -> list[StatusSubscriber]:
    """The platform's subscribers, confirmed or waiting (its operations managers)."""
    require(actor, Action.GOVERN, platforms=[platform])
    query = select(StatusSubscriber).where(StatusSubscriber.platform_slug == platform)
    return list(session.scalars(query.order_by(StatusSubscriber.id)))


def tell_subscribers(session: Session, event: StatusUpdatePosted) -> None:
    """Mail a customer update to the confirmed subscribers of the incident's platform, once
    per subscriber and update; internal updates never leave."""
    if event.audience is not Audience.CUSTOMER:
        return
    incident = incidents.find(session, event.key)
    confirmed = select(StatusSubscriber).where(
        StatusSubscriber.platform_slug == incident.platform_slug,
        StatusSubscriber.confirmed_at.is_not(None),
    )
    for subscriber in session.scalars(confirmed):
        notify.notify_person(
            session,
            person=subscriber.email,
            kind=NoticeKind.STATUS_NEWS,
            subject=incident.key,
            title=f"[{incident.platform_slug} status] {incident.title}",
            body=event.body,
            path=f"/status/{incident.platform_slug}",
            dedup=f"status:{event.key}:{event.update_id}",
            incident=incident.key,
            unsubscribe_path=_link(session, LinkPurpose.UNSUBSCRIBE, subscriber),
        )

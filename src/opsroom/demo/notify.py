"""Demo stakeholders: business people subscribed to the key journeys, and the status updates
they received for the recent major incidents (recorded as sent; nothing leaves the demo)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, declaration_body
from opsroom.infra.errors import Conflict
from opsroom.notify import schemas, subscriptions
from opsroom.notify import service as notify
from opsroom.notify.domain import Channel, Notice, NoticeKind

STAKEHOLDERS = (
    ("finance.director@example.com", "invoice-to-payment"),
    ("procurement.board@example.com", "requisition-to-po"),
    ("ecommerce.manager@example.com", "browse-and-checkout"),
    ("om@example.com", "browse-and-checkout"),
    ("viewer@example.com", "catalog-search-and-buy"),
)
RECENT = 60


def load(session: Session, *, actor: Principal) -> int:
    """Subscribe the demo stakeholders and record their update history; returns how many
    subscriptions were new."""
    added = 0
    for subscriber, journey in STAKEHOLDERS:
        data = schemas.SubscriptionIn(subscriber=subscriber, journey=journey)
        try:
            subscriptions.subscribe(session, actor=actor, data=data)
            added += 1
        except Conflict:
            continue
    _history(session, actor)
    return added


def _history(session: Session, actor: Principal) -> None:
    recent = incidents.search(session, actor=actor, major=True, limit=RECENT).items
    for incident in reversed(recent):  # oldest first: the log shows the newest on top
        news = [("declared", incident.description, incident.detected_at, Audience.CUSTOMER)]
        news += [
            ("update", u.body, u.at, Audience(u.audience))
            for u in reversed(incidents.status_updates(session, actor=actor, key=incident.key))
        ]
        if incident.resolved_at:
            news.append(
                ("resolved", "The incident is resolved.", incident.resolved_at, Audience.CUSTOMER)
            )
        hearing = {a: subscriptions.concerned(session, incident.service_slugs, a) for a in Audience}
        for n, (headline, body, at, audience) in enumerate(news):
            for subscription in hearing[audience]:
                if headline == "declared":
                    body = declaration_body(incident.description, Audience(subscription.audience))
                notice = Notice(
                    kind=NoticeKind.STATUS_UPDATE,
                    subject=incident.key,
                    body=body,
                    title=f"[P{incident.priority}] {incident.key} {headline}: {incident.title}",
                    link=notify.link_to(session, f"/incidents/{incident.key}"),
                )
                notify.record_past(
                    session,
                    dedup=f"demo:{incident.key}:{n}:{subscription.subscriber}",
                    person=subscription.subscriber,
                    channel=Channel.EMAIL,
                    address=subscription.subscriber,
                    message=notice,
                    incident=incident.key,
                    at=at,
                )

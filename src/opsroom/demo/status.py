"""The demo status page's subscribers: customers of the platform hit by the open major
incident who confirmed by the link mailed to them, and one who has not yet."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.incidents import service as incidents
from opsroom.notify import service as notify
from opsroom.statuspage import schemas, subscriptions

CONFIRMED = ("it-desk@acme.example", "ops@globex.example")
WAITING = "status@initech.example"


def _confirm(session: Session, actor: Principal, platform: str, email: str) -> None:
    """The subscriber follows the confirmation link in the email they were sent."""
    sent = notify.log(session, actor=actor, person=email, limit=50).items
    (link,) = {m.message["link"] for m in sent if "/confirm?" in m.message["link"]}
    query = parse_qs(urlsplit(link).query)
    subscriptions.confirm(
        session, platform=platform, subscriber=int(query["subscriber"][0]), token=query["token"][0]
    )


def load(session: Session, *, actor: Principal) -> int:
    """Subscribe the demo's customers to the open major incident's platform; how many
    subscribed (none without an open major incident, or when they are there already)."""
    open_major = incidents.open_major(session, actor=actor)
    if not open_major:
        return 0
    platform = open_major[0].platform_slug
    if subscriptions.listing(session, actor=actor, platform=platform):
        return 0
    for email in (*CONFIRMED, WAITING):
        data = schemas.SubscriberIn(email=email)
        subscriptions.subscribe(session, platform=platform, data=data, signed_in=True)
    for email in CONFIRMED:
        _confirm(session, actor, platform, email)
    return len(CONFIRMED) + 1

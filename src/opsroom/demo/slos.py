"""The demo platform's SLOs, their budgets spent by the incident history: pricing's is
gone, search's nearly, the others have room; the cart's, counted from the requests it
pushes each minute, spent part of its budget in a bad spell this morning; and a normal
change to pricing that the spent budget holds for the operations manager's approval."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.demo.changes import IMPLEMENTER, MANAGER, peak
from opsroom.slos import schemas
from opsroom.slos import service as slos
from opsroom.slos.domain import Count, SliKind, SliSource

# (name, service or None, journey or None, objective, what it promises)
SLOS = (
    ("Prices are quoted", "pricing-service", None, 99.5, "Buyers see a price for every item."),
    ("Checkout completes", "checkout-service", None, 99.5, "A basket becomes an order."),
    ("Search answers", "search-api", None, 99.9, "Catalog search returns results."),
    ("Invoices get paid", None, "invoice-to-payment", 99.5, "Matched invoices are paid on time."),
    ("Tax is calculated", "tax-engine", None, 99.95, "Every invoice line gets its tax."),
)
PUSHED_SERVICE = "cart-service"
REQUESTS_A_MINUTE = 1000
# A day of the cart's requests, a minute at a time: 20 minutes of it 3 % failed.
PUSHED_MINUTES = 24 * 60
BAD_SPELL = range(600, 620)
HELD = "Upgrade the pricing rules engine"
HELD_SERVICE = "pricing-service"


def _owner(session: Session, service: str | None, journey: str | None) -> str:
    if service is not None:
        return str(catalog.get_service(session, service).owner.slug)
    assert journey is not None
    return str(catalog.get_journey(session, journey).owner.slug)


def _held_change(session: Session, now: datetime) -> None:
    """A normal change to pricing, planned outside the year-end freeze, submitted."""
    start = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    frozen_from, frozen_until = peak(now.date())
    if frozen_from <= start.date() <= frozen_until:
        start += frozen_until - start.date() + timedelta(days=1)
    data = change_schemas.ChangeCreate(
        title=HELD,
        services=[HELD_SERVICE],
        squad=_owner(session, HELD_SERVICE, None),
        implementer=IMPLEMENTER,
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        rollback_plan="Redeploy the previous rules engine image.",
    )
    key = changes.create(session, actor=MANAGER, data=data).key
    engineer = Principal(name=IMPLEMENTER, role=Role.RESPONDER)
    changes.submit(session, actor=engineer, key=key, data=change_schemas.TransitionIn())


def _pushed_slo(session: Session, actor: Principal, now: datetime) -> None:
    data = schemas.SloCreate(
        name="Baskets are saved",
        service=PUSHED_SERVICE,
        objective=99.9,
        description="A buyer's basket is there when they come back.",
        sli=SliKind.RATIO,
        source=SliSource.PUSHED,
        owner_squad=_owner(session, PUSHED_SERVICE, None),
    )
    key = slos.create(session, actor=actor, data=data).key
    last = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    counts = [
        Count(
            last - timedelta(minutes=PUSHED_MINUTES - n),
            REQUESTS_A_MINUTE * (97 if n in BAD_SPELL else 100) // 100,
            REQUESTS_A_MINUTE,
        )
        for n in range(PUSHED_MINUTES)
    ]
    slos.push_counts(session, actor=actor, key=key, counts=counts)


def load(session: Session, *, actor: Principal, now: datetime) -> dict[str, int]:
    """The SLOs and the held change, unless there is an SLO already; how many were made."""
    if slos.search(session, actor=actor):
        return {}
    for name, service, journey, objective, description in SLOS:
        data = schemas.SloCreate(
            name=name,
            service=service,
            journey=journey,
            objective=objective,
            description=description,
            owner_squad=_owner(session, service, journey),
        )
        slos.create(session, actor=actor, data=data)
    _pushed_slo(session, actor, now)
    _held_change(session, now)
    return {"slos": len(SLOS) + 1, "changes held by a spent budget": 1}

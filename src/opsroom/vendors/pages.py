"""Vendors on an incident's page: engaging one (a form for who may work the incident) and
acknowledging an engagement (the vendor contact, from their own view of the incident); a
vendor's scorecard for a period, with its contract and the forms to dispute a credit and to
settle the dispute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.infra import clock
from opsroom.vendors import contracts, reports, schemas, service
from opsroom.vendors.domain import CreditStatus, SupportLevel, review_period
from opsroom.web.pages import (
    ANY_REFUSAL,
    Failure,
    Posted,
    attempt,
    parse_form,
    render,
    saved_or_again,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# Vendor contacts acknowledge from their view; the use case lets in only the vendor's own.
engaged = APIRouter(include_in_schema=False)


def _answer(request: Request, session: DbSession, key: str, outcome: object) -> Response:
    """On to the incident's vendors once saved; refused, the refusal beside the form again."""
    if isinstance(outcome, Failure):
        context = {"incident_key": key, "failure": outcome}
        return render(request, session, "vendors/refused.html", context, status=outcome.status)
    return see_other(f"/incidents/{key}#vendors")


@router.post("/incidents/{key}/vendor-engagements")
def engage(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        data = parse_form(schemas.EngagementIn, form)
        return service.engage(session, actor=actor, key=key, data=data)

    return _answer(request, session, key, attempt(session, "engage", form, change))


@engaged.post("/vendor-engagements/{engagement_id}/acknowledge")
def acknowledge(
    request: Request, session: DbSession, actor: Actor, engagement_id: int, form: Posted
) -> Response:
    key = service.get(session, actor=actor, engagement_id=engagement_id).incident_key

    def change() -> object:
        return service.acknowledge(session, actor=actor, engagement_id=engagement_id)

    outcome = attempt(session, "acknowledge", form, change, answered=ANY_REFUSAL)
    return _answer(request, session, key, outcome)


# What the scorecard page shows unless asked for another period: the last quarter of a year.
DEFAULT_PERIOD = timedelta(days=91)


@engaged.get("/vendors/{slug}/scorecard")
def scorecard(
    request: Request,
    session: DbSession,
    actor: Actor,
    slug: str,
    quarter: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    if quarter is not None:
        since, until = review_period(quarter, since, until)
    return _scorecard_page(request, session, actor, slug, since, until)


def _scorecard_page(
    request: Request,
    session: DbSession,
    actor: Principal,
    slug: str,
    since: date | None = None,
    until: date | None = None,
    failure: Failure | None = None,
) -> Response:
    last = until or clock.now().date()
    first = since or last - DEFAULT_PERIOD
    card = reports.scorecard(session, actor=actor, slug=slug, since=first, until=last)
    found = contracts.find(session, card.vendor)
    context = {
        "card": card,
        "formats": list(reports.Format),
        "contract": contracts.read(found) if found else None,
        "support_levels": list(SupportLevel),
        "settlements": [CreditStatus.UPHELD, CreditStatus.WAIVED],
        "govern": decide(actor, Action.GOVERN).allowed,
        "may_dispute": decide(actor, Action.POST_UPDATES, vendor=card.vendor).allowed,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "vendors/scorecard.html", context, status=status)


@router.post("/vendors/{slug}/contract")
def set_contract(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.ContractIn, form)
        return contracts.set_contract(session, actor=actor, slug=slug, data=data)

    outcome = attempt(session, "contract", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _scorecard_page(request, session, actor, slug, failure=outcome)
    return see_other(f"/vendors/{slug}/scorecard#contract")


def _credit_form(
    request: Request,
    session: DbSession,
    actor: Principal,
    engagement_id: int,
    form: Posted,
    period: tuple[date | None, date | None],
    change: Callable[[], object],
) -> Response:
    """A dispute or settlement sent from the scorecard's engagements: on to the engagement's
    row once saved; refused, the scorecard again with the refusal beside that row's form."""
    vendor = service.get(session, actor=actor, engagement_id=engagement_id).vendor
    since, until = period
    query = urlencode({k: v for k, v in (("since", since), ("until", until)) if v})
    return saved_or_again(
        session,
        f"credit-{engagement_id}",
        form,
        change,
        page=lambda failure: _scorecard_page(
            request, session, actor, vendor, since, until, failure
        ),
        then=f"/vendors/{vendor}/scorecard?{query}#engagement-{engagement_id}",
    )


@engaged.post("/vendor-engagements/{engagement_id}/dispute")
def dispute(
    request: Request,
    session: DbSession,
    actor: Actor,
    engagement_id: int,
    form: Posted,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    def change() -> object:
        data = parse_form(schemas.DisputeIn, form)
        return service.dispute(session, actor=actor, engagement_id=engagement_id, data=data)

    period = (since, until)
    return _credit_form(request, session, actor, engagement_id, form, period, change)


@router.post("/vendor-engagements/{engagement_id}/settle")
def settle(
    request: Request,
    session: DbSession,
    actor: Actor,
    engagement_id: int,
    form: Posted,
    since: date | None = None,
    until: date | None = None,
) -> Response:
    def change() -> object:
        data = parse_form(schemas.SettlementIn, form)
        return service.settle(session, actor=actor, engagement_id=engagement_id, data=data)

    period = (since, until)
    return _credit_form(request, session, actor, engagement_id, form, period, change)

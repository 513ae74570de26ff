"""Vendors on an incident's page: engaging one (a form for who may work the incident) and
acknowledging an engagement (the vendor contact, from their own view of the incident); a
vendor's scorecard for a period."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.infra import clock
from opsroom.vendors import contracts, reports, schemas, service
from opsroom.vendors.domain import SupportLevel
from opsroom.web.pages import ANY_REFUSAL, Failure, Posted, attempt, parse_form, render, see_other

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
    since: date | None = None,
    until: date | None = None,
) -> Response:
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
        "govern": decide(actor, Action.GOVERN).allowed,
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

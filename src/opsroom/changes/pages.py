"""Changes in the browser: the list, raising one with its risk shown live, the change page
(risk explained, approvals, collisions) and the calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth import service as accounts
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatforms
from opsroom.changes import calendar_view, governance, reports, schemas
from opsroom.changes import service as changes
from opsroom.changes.assessment import preview
from opsroom.changes.domain import ChangeType, Status, Transition
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.web.pages import (
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    RecordForms,
    attempt,
    in_zone,
    parse_form,
    render,
    see_other,
    zone_of,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

CHANGES_PER_PAGE = 50
LISTS = frozenset({"services"})
TIMES = ("planned_start", "planned_end")
# The moves a change page offers as buttons, in the order they happen.
MOVES = (
    Transition.SCHEDULE,
    Transition.START,
    Transition.COMPLETE,
    Transition.FAIL,
    Transition.ROLL_BACK,
    Transition.CLOSE,
)

Schema = TypeVar("Schema", bound=BaseModel)


class ChangeFilters(BaseModel):
    status: Annotated[Status | None, BlankIsNone] = None
    type: Annotated[ChangeType | None, BlankIsNone] = None
    service: Filter = None
    squad: Filter = None
    platform: list[str] = []
    cursor: Filter = None

    def criteria(self) -> dict[str, Any]:
        return {
            "status": [self.status] if self.status else [],
            "type_": [self.type] if self.type else [],
            "service": self.service,
            "squad": self.squad,
            "platforms": self.platform,
        }

    @property
    def active(self) -> bool:
        return any(self.model_dump(exclude={"cursor"}).values())


# --- reading forms ------------------------------------------------------------------------


def _parse(request: Request, model: type[Schema], form: FormData) -> Schema:
    """A schema from a posted form; times typed without a zone are in the zone the pages show."""
    zone = zone_of(request)
    fields = [
        (name, in_zone(value, zone) if name in TIMES and isinstance(value, str) else value)
        for name, value in form.multi_items()
        if name in model.model_fields
    ]
    return parse_form(model, FormData(fields), lists=LISTS)


# --- the list -----------------------------------------------------------------------------


@router.get("/changes")
def change_list(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatforms,
    filters: Annotated[ChangeFilters, Query()],
) -> Response:
    filters = filters.model_copy(update={"platform": platform})
    page = changes.search(
        session, actor=actor, limit=CHANGES_PER_PAGE, cursor=filters.cursor, **filters.criteria()
    )
    context = {
        "page": page,
        "summaries": [changes.summary(c) for c in page.items],
        "filters": filters,
        "statuses": list(Status),
        "types": list(ChangeType),
        # The choices are a platform's when the list shows one, else every platform's.
        "services": catalog_service.all_services(session, platform=request.state.platform),
        "squads": catalog_service.list_squads(session, platform=request.state.platform),
    }
    return render(request, session, "changes/list.html", context, partial="changes/_table.html")


# --- raising a change ---------------------------------------------------------------------


def _new_page(
    request: Request, session: Session, values: FormData, failure: Failure | None = None
) -> Response:
    context = {
        "services": catalog_service.all_services(session),
        "squads": catalog_service.list_squads(session),
        "vendors": catalog_service.list_vendors(session),
        "types": list(ChangeType),
        "templates": governance.list_templates(session, actor=request.state.principal),
        "people": accounts.directory(session, actor=request.state.principal),
        "values": values,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "changes/new.html", context, status=status)


@router.get("/changes/new")
def new_form(request: Request, session: DbSession, service: Filter = None) -> Response:
    return _new_page(request, session, FormData([("services", service)] if service else []))


@router.post("/changes/assess")
def assess(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    """The risk, collisions and freezes of the change being written, for the live panel."""
    context: dict[str, Any] = {"assessment": None, "problem": None}
    try:
        fields = _parse(request, schemas.ChangeFields, form)
        context["assessment"] = preview(session, actor=actor, fields=fields)
    except ValidationError:
        context["problem"] = "Choose the services, squad and planned window to see the risk."
    except (ValidationFailed, Conflict, NotFound) as exc:
        context["problem"] = exc.message[:1].upper() + exc.message[1:] + "."
    template = "changes/_assessment.html"
    return render(request, session, template, context, partial=template)


@router.post("/changes")
def create(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        created = changes.create(
            session, actor=actor, data=_parse(request, schemas.ChangeCreate, form)
        )
        if form.get("then") == "submit":
            changes.submit(session, actor=actor, key=created.key, data=schemas.TransitionIn())
        return created.key

    outcome = attempt(session, "create", form, change)
    if isinstance(outcome, Failure):
        return _new_page(request, session, form, outcome)
    return see_other(f"/changes/{outcome}")


# --- the calendar -------------------------------------------------------------------------


@router.get("/changes/calendar")
def calendar(
    request: Request,
    session: DbSession,
    actor: Actor,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    week: Annotated[date | None, Query(description="any day of the week to show")] = None,
    service: Filter = None,
    squad: Filter = None,
    journey: Filter = None,
) -> Response:
    zone = zone_of(request)
    today = datetime.now(zone).date()
    period = calendar_view.week(week) if week else calendar_view.month(month, today)
    start, end = period.bounds(zone)
    seen = reports.calendar(
        session, actor=actor, start=start, end=end, service=service, squad=squad, journey=journey
    )
    context = {
        "grid": calendar_view.grid(period, seen, zone),
        "filters": {"service": service, "squad": squad, "journey": journey},
        "view": "week" if week else "month",
        "services": catalog_service.all_services(session),
        "squads": catalog_service.list_squads(session),
        "journeys": catalog_service.list_journeys(session),
    }
    return render(request, session, "changes/calendar.html", context)


# --- one change ---------------------------------------------------------------------------


def _detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    change = changes.get(session, actor=actor, key=key)
    context = {
        "change": changes.read(change),
        "collisions": changes.collisions_of(session, change),
        "timeline": changes.timeline(session, actor=actor, key=key),
        "moves": [m for m in MOVES if changes.can_move(change, m)],
        # Submitting, moving and approving need a responder; an exception, governance.
        "work": decide(actor, Action.WORK_INCIDENTS),
        "govern": decide(actor, Action.GOVERN, platforms=changes.platforms_of(session, change)),
        "waiting": {
            w.requirement.ref: w for w in changes.waiting_approvals(session, actor=actor, key=key)
        },
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "changes/detail.html", context, status=status)


@router.get("/changes/{key}")
def change_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _detail(request, session, actor, key)


_apply = RecordForms(_detail, lambda key, name: f"/changes/{key}").apply


@router.post("/changes/{key}/approve")
def approve(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        data = _parse(request, schemas.DecisionIn, form)
        return changes.approve(session, actor=actor, key=key, data=data)

    return _apply(request, session, actor, key, form, "decide", change)


@router.post("/changes/{key}/reject")
def reject(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        data = _parse(request, schemas.RejectionIn, form)
        return changes.reject(session, actor=actor, key=key, data=data)

    return _apply(request, session, actor, key, form, "decide", change)


@router.post("/changes/{key}/exception")
def exception(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> object:
        data = _parse(request, schemas.ExceptionIn, form)
        return changes.grant_exception(session, actor=actor, key=key, data=data)

    return _apply(request, session, actor, key, form, "exception", change)


@router.post("/changes/{key}/submit")
def submit(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        data = _parse(request, schemas.TransitionIn, form)
        return changes.submit(session, actor=actor, key=key, data=data)

    return _apply(request, session, actor, key, form, "move", change)


@router.post("/changes/{key}/move/{move}")
def move(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    def change() -> object:
        data = _parse(request, schemas.TransitionIn, form)
        return changes.transition(session, actor=actor, key=key, move=move, data=data)

    return _apply(request, session, actor, key, form, "move", change)


@router.post("/changes/{key}/cause")
def mark_cause(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    """From an incident page's suspects: mark this change as the cause, back to the incident."""

    def change() -> str:
        data = _parse(request, schemas.CauseIn, form)
        changes.mark_cause(session, actor=actor, key=key, data=data)
        return data.incident.upper()

    outcome = attempt(session, "cause", form, change)
    if isinstance(outcome, Failure):
        return _detail(request, session, actor, key, outcome)
    return see_other(f"/incidents/{outcome}#suspects")

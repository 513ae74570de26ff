"""The action-item tracker in the browser: every squad's items, filters and aging, raising
an item, and one item edited and worked through its lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.actions import domain, schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Kind, Source, Status, Transition
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.improvement import service as settings
from opsroom.incidents.domain import Priority
from opsroom.web.pages import (
    ANY_REFUSAL,
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    attempt,
    elsewhere,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

ITEMS_PER_PAGE = 50
SQUAD_SECTION_SIZE = 20
LABELS = {
    Transition.START: "Start",
    Transition.COMPLETE: "Mark done",
    Transition.VERIFY: "Verify",
    Transition.REOPEN: "Reopen",
    Transition.REQUEST_WONT_DO: "Won't do…",
    Transition.ACCEPT_WONT_DO: "Accept won't do",
    Transition.REJECT_WONT_DO: "Refuse won't do",
}


class TrackerFilters(BaseModel):
    squad: Filter = None
    platform: Filter = None
    source_type: Annotated[Source | None, BlankIsNone] = None
    priority: Annotated[Priority | None, BlankIsNone] = None
    status: Annotated[Status | None, BlankIsNone] = None
    outstanding: Annotated[bool | None, BlankIsNone] = None
    overdue: Annotated[bool | None, BlankIsNone] = None
    age: Filter = None
    cursor: Filter = None

    def criteria(self) -> dict[str, Any]:
        return {
            "squad": self.squad,
            "platform": self.platform,
            "source_type": self.source_type,
            "priority": self.priority,
            "status": [self.status] if self.status else [],
            "outstanding": bool(self.outstanding),
            "overdue": bool(self.overdue),
            "age": self.age,
        }

    @property
    def active(self) -> bool:
        return any(self.model_dump(exclude={"cursor"}).values())


def _tracker(
    request: Request,
    session: Session,
    actor: Principal,
    filters: TrackerFilters,
    failure: Failure | None = None,
) -> Response:
    page = actions.search(
        session, actor=actor, limit=ITEMS_PER_PAGE, cursor=filters.cursor, **filters.criteria()
    )
    context = {
        "page": page,
        "items": [actions.read(i) for i in page.items],
        "filters": filters,
        "figures": actions.figures(
            session, actor=actor, squad=filters.squad, platform=filters.platform
        ),
        "squads": catalog_service.list_squads(session, platform=filters.platform),
        "sources": list(Source),
        "priorities": list(Priority),
        "statuses": list(Status),
        "kinds": list(Kind),
        "buckets": domain.bucket_labels(),
        "due_days": {
            p.label: d.days
            for p, d in settings.current(session, filters.platform).actions.due_in.items()
        },
        "failure": failure,
        "values": failure.values if failure else {},
    }
    return render(
        request,
        session,
        "actions/tracker.html",
        context,
        partial="actions/_results.html",
        status=failure.status if failure else 200,
    )


@router.get("/actions")
def tracker(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatform,
    filters: Annotated[TrackerFilters, Query()],
) -> Response:
    return _tracker(request, session, actor, filters.model_copy(update={"platform": platform}))


@router.post("/actions")
def raise_action(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    """Raise an item from the tracker; a blank due date takes the default for its priority."""

    def change() -> str:
        return actions.create(session, actor=actor, data=parse_form(schemas.ActionCreate, form)).key

    outcome = attempt(session, "raise", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _tracker(request, session, actor, TrackerFilters(), outcome)
    return see_other(f"/actions/{outcome}")


@router.get("/squads/{slug}/actions")
def squad_actions(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    """The squad page's section: its outstanding items, overdue first, and its figures."""
    catalog_service.get_squad(session, slug)
    page = actions.search(
        session, actor=actor, squad=slug, outstanding=True, limit=SQUAD_SECTION_SIZE
    )
    items = sorted((actions.read(i) for i in page.items), key=lambda i: (not i.overdue, i.due_on))
    context = {
        "squad": slug,
        "items": items,
        "more": page.next_cursor is not None,
        "figures": actions.figures(session, actor=actor, squad=slug),
    }
    return render(request, session, "actions/_squad.html", context)


def detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    item = actions.read(actions.get(session, actor=actor, key=key))
    context = {
        **elsewhere(request, session, actor, key),
        "item": item,
        "timeline": actions.timeline(session, actor=actor, key=key),
        "labels": LABELS,
        "squads": catalog_service.list_squads(session),
        "priorities": list(Priority),
        "failure": failure,
    }
    return render(
        request, session, "actions/detail.html", context, status=failure.status if failure else 200
    )


@router.get("/actions/{key}")
def action_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return detail(request, session, actor, key)


@router.post("/actions/{key}/move/{move}")
def move_action(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.ActionMove, form)
        return actions.transition(session, actor=actor, key=key, move=move, data=data)

    outcome = attempt(session, "move", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return detail(request, session, actor, key, outcome)
    return see_other(f"/actions/{key}")


@router.post("/actions/{key}/edit")
def edit_action(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    """Change an item's owner, due date or priority; the due date given is kept as is."""

    def change() -> object:
        data = parse_form(schemas.ActionUpdate, form)
        return actions.update(session, actor=actor, key=key, data=data)

    outcome = attempt(session, "edit", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return detail(request, session, actor, key, outcome)
    return see_other(f"/actions/{key}")

"""The action-item tracker in the browser: every squad's items, filters and aging, and one
item worked through its lifecycle."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.actions import domain, schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source, Status, Transition
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog_service
from opsroom.deps import Actor, DbSession, can_read
from opsroom.incidents.domain import Priority
from opsroom.web.pages import (
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    attempt,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

ITEMS_PER_PAGE = 50
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
            "squad": self.squad, "platform": self.platform, "source_type": self.source_type,
            "priority": self.priority, "status": [self.status] if self.status else [],
            "outstanding": bool(self.outstanding), "overdue": bool(self.overdue), "age": self.age,
        }  # fmt: skip

    @property
    def active(self) -> bool:
        return any(self.model_dump(exclude={"cursor"}).values())


@router.get("/actions")
def tracker(
    request: Request, session: DbSession, actor: Actor, filters: Annotated[TrackerFilters, Query()]
) -> Response:
    page = actions.search(
        session, actor=actor, limit=ITEMS_PER_PAGE, cursor=filters.cursor, **filters.criteria()
    )
    context = {
        "page": page,
        "items": [actions.read(i) for i in page.items],
        "filters": filters,
        "figures": actions.figures(session, actor=actor, squad=filters.squad, platform=filters.platform),
        "squads": catalog_service.list_squads(session, platform=filters.platform),
        "sources": list(Source), "priorities": list(Priority), "statuses": list(Status),
        "buckets": domain.bucket_labels(),
    }  # fmt: skip
    return render(
        request, session, "actions/tracker.html", context, partial="actions/_results.html"
    )


def _detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    item = actions.read(actions.get(session, actor=actor, key=key))
    context = {
        "item": item,
        "timeline": actions.timeline(session, actor=actor, key=key),
        "labels": LABELS,
        "failure": failure,
    }
    return render(
        request, session, "actions/detail.html", context, status=failure.status if failure else 200
    )


@router.get("/actions/{key}")
def action_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _detail(request, session, actor, key)


@router.post("/actions/{key}/move/{move}")
def move_action(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.ActionMove, form)
        return actions.transition(session, actor=actor, key=key, move=move, data=data)

    outcome = attempt(session, "move", form, change)
    if isinstance(outcome, Failure):
        return _detail(request, session, actor, key, outcome)
    return see_other(f"/actions/{key}")

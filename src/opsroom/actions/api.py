"""/api/v1/actions: one tracker of action items for the whole platform."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from opsroom.actions import schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source, Status, Transition
from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.incidents.domain import Priority
from opsroom.infra.apidoc import PageOut, errors

router = APIRouter(prefix="/api/v1", tags=["actions"])


@router.get("/actions", responses=errors())
def list_actions(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    squad: Annotated[str | None, Query(description="owner squad")] = None,
    source_type: Source | None = None,
    source_key: Annotated[str | None, Query(max_length=80)] = None,
    priority: Annotated[Priority | None, Query(description="1-5")] = None,
    status_: Annotated[list[Status], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    outstanding: Annotated[
        bool, Query(description="open, in progress or won't do requested")
    ] = False,
    overdue: bool = False,
    age: Annotated[str | None, Query(description="an aging bucket, e.g. '8-30 days'")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.ActionRead]:
    page = actions.search(
        session,
        actor=actor,
        squad=squad,
        platform=platform,
        source_type=source_type,
        source_key=source_key,
        priority=priority,
        status=status_,
        outstanding=outstanding,
        overdue=overdue,
        age=age,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[actions.read(i) for i in page.items], next_cursor=page.next_cursor)


@router.get("/actions/figures", responses=errors())
def action_figures(
    session: DbSession, actor: Actor, platform: PlatformFilter, squad: str | None = None
) -> schemas.ActionFigures:
    """Outstanding and overdue items, closure rate, median age and aging buckets."""
    return actions.figures(session, actor=actor, squad=squad, platform=platform)


@router.post("/actions", status_code=status.HTTP_201_CREATED, responses=errors())
def raise_action(
    session: DbSession, actor: Actor, data: schemas.ActionCreate
) -> schemas.ActionRead:
    return actions.read(actions.create(session, actor=actor, data=data))


@router.get("/actions/{key}", responses=errors(404))
def get_action(session: DbSession, actor: Actor, key: str) -> schemas.ActionRead:
    return actions.read(actions.get(session, actor=actor, key=key))


@router.patch("/actions/{key}", responses=errors(404, 409))
def update_action(
    session: DbSession, actor: Actor, key: str, data: schemas.ActionUpdate
) -> schemas.ActionRead:
    return actions.read(actions.update(session, actor=actor, key=key, data=data))


@router.post("/actions/{key}/{move}", responses=errors(404, 409))
def move_action(
    session: DbSession,
    actor: Actor,
    key: str,
    move: Transition,
    data: schemas.ActionMove | None = None,
) -> schemas.ActionRead:
    """start, complete, verify, reopen, request_wont_do (with a reason), accept_wont_do
    (operations managers) or reject_wont_do."""
    moved = actions.transition(
        session, actor=actor, key=key, move=move, data=data or schemas.ActionMove()
    )
    return actions.read(moved)

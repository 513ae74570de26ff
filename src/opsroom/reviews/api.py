"""/api/v1/reviews: post-incident reviews, keyed by their incident (INC-42)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from fastapi.responses import Response

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.incidents import schemas as incident_schemas
from opsroom.infra.apidoc import PageOut, errors
from opsroom.reviews import schemas
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Status, Transition

router = APIRouter(prefix="/api/v1", tags=["reviews"])


@router.get("/reviews", responses=errors())
def list_reviews(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    squad: str | None = None,
    overdue: bool = False,
    required: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.ReviewSummary]:
    page = reviews.search(
        session,
        actor=actor,
        status=status_,
        squad=squad,
        platform=platform,
        overdue=overdue,
        required=required,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[reviews.summary(r) for r in page.items], next_cursor=page.next_cursor)


@router.get("/reviews/figures", responses=errors())
def review_figures(
    session: DbSession, actor: Actor, platform: PlatformFilter, squad: str | None = None
) -> schemas.ReviewFigures:
    """Required reviews published on time, median days to publish, overdue reviews."""
    return reviews.figures(session, actor=actor, squad=squad, platform=platform)


@router.post("/reviews", status_code=status.HTTP_201_CREATED, responses=errors(409))
def start_review(session: DbSession, actor: Actor, data: schemas.ReviewStart) -> schemas.ReviewRead:
    """Start the review of a resolved incident (those whose priority needs one start themselves)."""
    return reviews.read(session, reviews.start(session, actor=actor, data=data))


@router.get("/reviews/{key}", responses=errors(404))
def get_review(session: DbSession, actor: Actor, key: str) -> schemas.ReviewRead:
    return reviews.read(session, reviews.get(session, actor=actor, key=key))


@router.patch("/reviews/{key}", responses=errors(404, 409))
def update_review(
    session: DbSession, actor: Actor, key: str, data: schemas.ReviewUpdate
) -> schemas.ReviewRead:
    """Write the sections; a published review no longer changes (409)."""
    return reviews.read(session, reviews.update(session, actor=actor, key=key, data=data))


@router.get(
    "/reviews/{key}/markdown",
    response_class=Response,
    responses={
        200: {
            "content": {"text/markdown": {"schema": {"type": "string"}}},
            "description": "The review as Markdown",
        },
        **errors(404),
    },
)
def export_markdown(session: DbSession, actor: Actor, key: str) -> Response:
    text = reviews.markdown(session, actor=actor, key=key)
    return Response(text, media_type="text/markdown; charset=utf-8")


@router.get("/reviews/{key}/timeline", responses=errors(404))
def review_timeline(
    session: DbSession, actor: Actor, key: str
) -> list[incident_schemas.TimelineEntry]:
    return [
        incident_schemas.TimelineEntry.model_validate(e)
        for e in reviews.timeline(session, actor=actor, key=key)
    ]


@router.post(
    "/reviews/{key}/actions", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_action(
    session: DbSession, actor: Actor, key: str, data: schemas.ReviewAction
) -> action_schemas.ActionRead:
    """An action item agreed in the review; from a P1 review it needs independent verification."""
    return actions.read(reviews.add_action(session, actor=actor, key=key, data=data))


@router.post("/reviews/{key}/{move}", responses=errors(404, 409))
def move_review(
    session: DbSession,
    actor: Actor,
    key: str,
    move: Transition,
    data: schemas.ReviewMove | None = None,
) -> schemas.ReviewRead:
    """submit, return (to draft) or publish (squad leads of the owning squad and up)."""
    moved = reviews.transition(
        session, actor=actor, key=key, move=move, data=data or schemas.ReviewMove()
    )
    return reviews.read(session, moved)

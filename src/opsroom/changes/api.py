"""/api/v1/changes, /api/v1/freezes and /api/v1/change-templates: raise, assess, approve
and run changes; freezes; the calendar, its iCal feed and the figures."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import AwareDatetime

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter, PlatformsFilter
from opsroom.changes import governance, reports, schemas
from opsroom.changes import service as changes
from opsroom.changes.assessment import preview
from opsroom.changes.domain import ChangeType, Status, Transition
from opsroom.infra.apidoc import PageOut, errors

router = APIRouter(prefix="/api/v1", tags=["changes"])

Run = Literal["schedule", "start", "complete", "fail", "roll_back", "close"]


@router.get("/changes", responses=errors(404))
def list_changes(
    session: DbSession,
    actor: Actor,
    platform: PlatformsFilter,
    status_: Annotated[list[Status], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    type_: Annotated[list[ChangeType], Query(alias="type")] = [],  # noqa: B006
    service: str | None = None,
    squad: Annotated[str | None, Query(description="the implementer squad")] = None,
    journey: str | None = None,
    starts_from: AwareDatetime | None = None,
    starts_to: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.ChangeSummary]:
    page = changes.search(
        session,
        actor=actor,
        status=status_,
        type_=type_,
        service=service,
        squad=squad,
        journey=journey,
        platforms=platform,
        starts_from=starts_from,
        starts_to=starts_to,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[changes.summary(c) for c in page.items], next_cursor=page.next_cursor)


@router.post("/changes", status_code=status.HTTP_201_CREATED, responses=errors())
def create_change(
    session: DbSession, actor: Actor, data: schemas.ChangeCreate
) -> schemas.ChangeRead:
    """Draft a change; its risk is assessed at once and again on submission."""
    return changes.read(changes.create(session, actor=actor, data=data))


@router.post("/changes/assess", responses=errors())
def assess_change(
    session: DbSession, actor: Actor, data: schemas.ChangeFields
) -> schemas.AssessmentRead:
    """The risk, collisions, freezes and approvals a change would have; nothing is saved."""
    return preview(session, actor=actor, fields=data)


@router.post("/changes/events", status_code=status.HTTP_201_CREATED, responses=errors(409))
def record_deployment(
    session: DbSession, actor: Actor, data: schemas.PipelineEvent
) -> schemas.ChangeRead:
    """A deployment reported by a CI/CD pipeline, recorded as a change against the service."""
    return changes.read(changes.record_deployment(session, actor=actor, data=data))


@router.get("/changes/calendar", responses=errors(404))
def change_calendar(
    session: DbSession,
    actor: Actor,
    start: AwareDatetime,
    end: AwareDatetime,
    service: str | None = None,
    squad: str | None = None,
    journey: str | None = None,
) -> schemas.CalendarRead:
    """Changes, freezes and collisions over [start, end) (at most 62 days)."""
    return reports.calendar(
        session, actor=actor, start=start, end=end, service=service, squad=squad, journey=journey
    )


@router.get(
    "/changes/calendar.ics",
    responses={**errors(), 200: {"content": {"text/calendar": {}}, "description": "iCalendar"}},
    response_class=Response,
)
def change_feed(request: Request, session: DbSession, actor: Actor) -> Response:
    """Approved changes and freezes as an iCal feed."""
    body = reports.ical(session, actor=actor, base_url=str(request.base_url))
    return Response(body, media_type="text/calendar; charset=utf-8")


@router.get("/changes/figures", responses=errors())
def change_figures(
    session: DbSession,
    actor: Actor,
    since: AwareDatetime,
    until: AwareDatetime,
    by: reports.GroupBy = "month",
) -> list[schemas.FiguresRead]:
    """Volume, success rate, change failure rate, emergency share and changes during freezes."""
    return reports.figures(session, actor=actor, since=since, until=until, by=by)


@router.get("/changes/{key}", responses=errors(404))
def get_change(session: DbSession, actor: Actor, key: str) -> schemas.ChangeRead:
    return changes.read(changes.get(session, actor=actor, key=key))


@router.patch("/changes/{key}", responses=errors(404, 409))
def update_change(
    session: DbSession, actor: Actor, key: str, data: schemas.ChangeUpdate
) -> schemas.ChangeRead:
    """Edit a draft."""
    return changes.read(changes.update(session, actor=actor, key=key, data=data))


@router.post("/changes/{key}/submit", responses=errors(404, 409))
def submit_change(
    session: DbSession, actor: Actor, key: str, data: schemas.TransitionIn
) -> schemas.ChangeRead:
    """Submit for approval; refused inside a freeze unless an emergency or excepted."""
    return changes.read(changes.submit(session, actor=actor, key=key, data=data))


@router.post("/changes/{key}/approve", responses=errors(404, 409))
def approve_change(
    session: DbSession, actor: Actor, key: str, data: schemas.DecisionIn
) -> schemas.ChangeRead:
    return changes.read(changes.approve(session, actor=actor, key=key, data=data))


@router.post("/changes/{key}/reject", responses=errors(404, 409))
def reject_change(
    session: DbSession, actor: Actor, key: str, data: schemas.RejectionIn
) -> schemas.ChangeRead:
    return changes.read(changes.reject(session, actor=actor, key=key, data=data))


@router.post("/changes/{key}/exception", responses=errors(404, 409))
def grant_freeze_exception(
    session: DbSession, actor: Actor, key: str, data: schemas.ExceptionIn
) -> schemas.ChangeRead:
    """Let a change run inside a freeze (operations manager); the reason is recorded."""
    return changes.read(changes.grant_exception(session, actor=actor, key=key, data=data))


@router.post("/changes/{key}/cause", responses=errors(404, 409))
def mark_cause(
    session: DbSession, actor: Actor, key: str, data: schemas.CauseIn
) -> schemas.ChangeRead:
    """Mark the change as an incident's cause: the change fails and both are linked."""
    return changes.read(changes.mark_cause(session, actor=actor, key=key, data=data))


@router.post("/changes/{key}/{move}", responses=errors(404, 409))
def run_change(
    session: DbSession, actor: Actor, key: str, move: Run, data: schemas.TransitionIn
) -> schemas.ChangeRead:
    """Schedule, start, complete, fail, roll back or close a change."""
    moved = changes.transition(session, actor=actor, key=key, move=Transition(move), data=data)
    return changes.read(moved)


@router.get("/incidents/{key}/suspect-changes", responses=errors(404))
def suspect_changes(session: DbSession, actor: Actor, key: str) -> list[schemas.SuspectRead]:
    """Changes in the 24 h before the incident's impact, most suspicious first."""
    return changes.suspects(session, actor=actor, incident_key=key)


@router.get("/freezes", responses=errors(404))
def list_freezes(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
) -> list[schemas.FreezeRead]:
    found = governance.list_freezes(session, actor=actor, platform=platform)
    return [governance.read_freeze(session, f) for f in found]


@router.post("/freezes", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_freeze(
    session: DbSession, actor: Actor, data: schemas.FreezeCreate
) -> schemas.FreezeRead:
    """A freeze window over the platforms, services and journeys it names, or over everything
    (administrators)."""
    return governance.read_freeze(
        session, governance.create_freeze(session, actor=actor, data=data)
    )


@router.get("/freezes/{slug}", responses=errors(404))
def get_freeze(session: DbSession, actor: Actor, slug: str) -> schemas.FreezeRead:
    return governance.read_freeze(session, governance.get_freeze(session, actor=actor, slug=slug))


@router.post("/freezes/{slug}/end", responses=errors(404, 409))
def end_freeze(session: DbSession, actor: Actor, slug: str) -> schemas.FreezeRead:
    """End a running freeze today, in its time zone (409 if it has not begun or is over)."""
    return governance.read_freeze(session, governance.end_freeze(session, actor=actor, slug=slug))


@router.delete("/freezes/{slug}", responses=errors(404))
def delete_freeze(session: DbSession, actor: Actor, slug: str) -> schemas.FreezeRead:
    """Remove a freeze window; answers what it was."""
    gone = governance.read_freeze(session, governance.get_freeze(session, actor=actor, slug=slug))
    governance.delete_freeze(session, actor=actor, slug=slug)
    return gone


@router.get("/change-templates", responses=errors())
def list_templates(session: DbSession, actor: Actor) -> list[schemas.TemplateRead]:
    return [governance.read_template(t) for t in governance.list_templates(session, actor=actor)]


@router.post("/change-templates", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_template(
    session: DbSession, actor: Actor, data: schemas.TemplateCreate
) -> schemas.TemplateRead:
    """A standard change template: pre-approved within its services and duration."""
    return governance.read_template(governance.create_template(session, actor=actor, data=data))

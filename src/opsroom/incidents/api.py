"""/api/v1/incidents: declare, list, work and close incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformsFilter
from opsroom.incidents import policy, schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority, Status, Transition
from opsroom.infra.apidoc import PageOut, RecordId, errors

router = APIRouter(prefix="/api/v1", tags=["incidents"])


@router.get("/incidents", responses=errors(400, 404))
def list_incidents(
    session: DbSession,
    actor: Actor,
    platform: PlatformsFilter,
    status_: Annotated[list[Status], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    priority: Annotated[list[Priority], Query(description="1-5")] = [],  # noqa: B006
    service: str | None = None,
    squad: Annotated[str | None, Query(description="owner squad of an affected service")] = None,
    journey: str | None = None,
    major: bool | None = None,
    open: Annotated[bool, Query(description="only triggered, acknowledged or mitigated")] = False,
    detected_from: AwareDatetime | None = None,
    detected_to: AwareDatetime | None = None,
    q: Annotated[str | None, Query(description="text in title or description")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.IncidentSummary]:
    page = incidents.search(
        session,
        actor=actor,
        status=status_,
        priority=priority,
        service=service,
        squad=squad,
        journey=journey,
        platforms=platform,
        major=major,
        open_only=open,
        detected_from=detected_from,
        detected_to=detected_to,
        text=q,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[incidents.summary(i) for i in page.items], next_cursor=page.next_cursor)


@router.post("/incidents", status_code=status.HTTP_201_CREATED, responses=errors(409))
def declare(session: DbSession, actor: Actor, data: schemas.IncidentCreate) -> schemas.IncidentRead:
    return incidents.read(session, incidents.declare(session, actor=actor, data=data))


@router.get("/incidents/{key}", responses=errors(404))
def get_incident(session: DbSession, actor: Actor, key: str) -> schemas.IncidentRead:
    return incidents.read(session, incidents.get(session, actor=actor, key=key))


@router.patch("/incidents/{key}", responses=errors(404, 409))
def update_incident(
    session: DbSession, actor: Actor, key: str, data: schemas.IncidentUpdate
) -> schemas.IncidentRead:
    return incidents.read(session, incidents.update(session, actor=actor, key=key, data=data))


@router.post("/incidents/{key}/priority", responses=errors(404, 409))
def override_priority(
    session: DbSession, actor: Actor, key: str, data: schemas.PriorityOverride
) -> schemas.IncidentRead:
    """Set the priority by hand, overriding the matrix; the reason is audited."""
    return incidents.read(
        session, incidents.override_priority(session, actor=actor, key=key, data=data)
    )


@router.post("/incidents/{key}/timestamps", responses=errors(404, 409))
def correct_timestamps(
    session: DbSession, actor: Actor, key: str, data: schemas.TimestampCorrection
) -> schemas.IncidentRead:
    """Correct KPI timestamps; they must stay in order, and the correction is audited."""
    return incidents.read(
        session, incidents.correct_timestamps(session, actor=actor, key=key, data=data)
    )


@router.get("/incidents/{key}/timeline", responses=errors(404))
def timeline(session: DbSession, actor: Actor, key: str) -> list[schemas.TimelineEntry]:
    return [
        schemas.TimelineEntry.model_validate(e)
        for e in incidents.timeline(session, actor=actor, key=key)
    ]


@router.post("/incidents/{key}/notes", status_code=status.HTTP_201_CREATED, responses=errors(404))
def add_note(
    session: DbSession, actor: Actor, key: str, data: schemas.NoteIn
) -> list[schemas.TimelineEntry]:
    incidents.add_note(session, actor=actor, key=key, text=data.text)
    return timeline(session, actor, key)


@router.get("/incidents/{key}/updates", responses=errors(404))
def list_status_updates(
    session: DbSession, actor: Actor, key: str
) -> list[schemas.StatusUpdateRead]:
    return [
        schemas.StatusUpdateRead.model_validate(u)
        for u in incidents.status_updates(session, actor=actor, key=key)
    ]


@router.post("/incidents/{key}/updates", status_code=status.HTTP_201_CREATED, responses=errors(404))
def post_status_update(
    session: DbSession, actor: Actor, key: str, data: schemas.StatusUpdateIn
) -> schemas.StatusUpdateRead:
    return schemas.StatusUpdateRead.model_validate(
        incidents.post_status_update(session, actor=actor, key=key, data=data)
    )


@router.put("/incidents/{key}/roles", responses=errors(404))
def assign_role(
    session: DbSession, actor: Actor, key: str, data: schemas.RoleIn
) -> schemas.IncidentRead:
    return incidents.read(session, incidents.assign_role(session, actor=actor, key=key, data=data))


@router.post(
    "/incidents/{key}/participants", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_participant(
    session: DbSession, actor: Actor, key: str, data: schemas.ParticipantIn
) -> schemas.IncidentRead:
    return incidents.read(
        session, incidents.add_participant(session, actor=actor, key=key, data=data)
    )


@router.get("/incidents/{key}/links", responses=errors(404))
def list_links(session: DbSession, actor: Actor, key: str) -> list[schemas.LinkRead]:
    return incidents.links(session, actor=actor, key=key)


@router.post(
    "/incidents/{key}/links", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_link(
    session: DbSession, actor: Actor, key: str, data: schemas.LinkIn
) -> list[schemas.LinkRead]:
    """Link to another incident; `duplicate_of` merges this one into the other."""
    incidents.link(session, actor=actor, key=key, data=data)
    return incidents.links(session, actor=actor, key=key)


@router.get("/incidents/{key}/tasks", responses=errors(404))
def list_tasks(session: DbSession, actor: Actor, key: str) -> list[schemas.TaskRead]:
    return [
        schemas.TaskRead.model_validate(t) for t in incidents.tasks(session, actor=actor, key=key)
    ]


@router.post("/incidents/{key}/tasks", status_code=status.HTTP_201_CREATED, responses=errors(404))
def add_task(session: DbSession, actor: Actor, key: str, data: schemas.TaskIn) -> schemas.TaskRead:
    return schemas.TaskRead.model_validate(
        incidents.add_task(session, actor=actor, key=key, data=data)
    )


@router.patch("/incidents/{key}/tasks/{task_id}", responses=errors(404))
def set_task_done(
    session: DbSession, actor: Actor, key: str, task_id: RecordId, data: schemas.TaskDone
) -> schemas.TaskRead:
    return schemas.TaskRead.model_validate(
        incidents.set_task_done(session, actor=actor, key=key, task_id=task_id, done=data.done)
    )


@router.get("/policies/incident", responses=errors())
def get_policy(session: DbSession, actor: Actor) -> policy.IncidentPolicy:
    """Priority matrix, major priorities, SLA targets and update cadence in force."""
    return policy.read(session)


@router.put("/policies/incident", responses=errors(409))
def replace_policy(
    session: DbSession, actor: Actor, data: policy.IncidentPolicy
) -> policy.IncidentPolicy:
    """Replace the policy (operations managers); send back the version you read. What GET
    returns can be sent back as it is."""
    return policy.replace(session, actor=actor, doc=data, version=data.version)


# Last, so that /notes, /updates, /links ... are matched before this catch-all.
@router.post("/incidents/{key}/{move}", responses=errors(404, 409))
def transition(
    session: DbSession,
    actor: Actor,
    key: str,
    move: Transition,
    data: schemas.TransitionIn | None = None,
) -> schemas.IncidentRead:
    """acknowledge, mitigate, resolve, close, reopen or cancel; 409 names the allowed moves."""
    changed = incidents.transition(
        session, actor=actor, key=key, move=move, data=data or schemas.TransitionIn()
    )
    return incidents.read(session, changed)

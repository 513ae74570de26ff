"""/api/v1/problems and /api/v1/known-errors: problems, their root cause, known errors,
and the recurring incidents opsroom proposes as problems."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.improvement import schemas as settings_schemas
from opsroom.improvement import service as settings
from opsroom.incidents import schemas as incident_schemas
from opsroom.infra.apidoc import PageOut, RecordId, errors
from opsroom.problems import recurrence, schemas
from opsroom.problems import service as problems
from opsroom.problems.domain import Status, Transition

router = APIRouter(prefix="/api/v1", tags=["problems"])


@router.get("/problems", responses=errors())
def list_problems(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    status_: Annotated[list[Status], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    squad: str | None = None,
    service: str | None = None,
    known_error: bool | None = None,
    open: Annotated[bool, Query(description="not resolved or closed")] = False,
    q: Annotated[str | None, Query(description="text in title, statement or symptom")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.ProblemSummary]:
    page = problems.search(
        session,
        actor=actor,
        status=status_,
        squad=squad,
        service=service,
        platform=platform,
        known_error=known_error,
        open_only=open,
        text=q,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[problems.summary(p) for p in page.items], next_cursor=page.next_cursor)


@router.get("/problems/categories", responses=errors())
def categories(session: DbSession, actor: Actor) -> list[str]:
    """The categories a contributing factor can have (see /problems/settings)."""
    return list(problems.categories(session))


@router.get("/problems/settings", responses=errors())
def get_settings(session: DbSession, actor: Actor) -> settings_schemas.ProblemSettings:
    """Which reviews are required and when due, the factor categories, what counts as
    recurring, action-item due days and when overdue items escalate."""
    return settings.read(session, actor=actor)


@router.put("/problems/settings", responses=errors(403, 409))
def replace_settings(
    session: DbSession, actor: Actor, data: settings_schemas.ProblemSettings
) -> settings_schemas.ProblemSettings:
    """Replace the settings (operations managers); send back the version you read. A
    category that contributing factors still use cannot be removed (409). New items follow
    the new settings; due dates already set do not move."""
    return settings.replace(session, actor=actor, doc=data, version=data.version)


@router.get("/problems/figures", responses=errors())
def problem_figures(
    session: DbSession, actor: Actor, platform: PlatformFilter, squad: str | None = None
) -> schemas.ProblemFigures:
    """Open problems by age and known errors among them."""
    return problems.figures(session, actor=actor, squad=squad, platform=platform)


@router.get("/problems/proposals", responses=errors())
def list_proposals(
    session: DbSession,
    actor: Actor,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(proposed|accepted|dismissed)$")
    ] = "proposed",
) -> list[schemas.ProposalRead]:
    return [
        recurrence.read_proposal(p)
        for p in recurrence.proposals(session, actor=actor, status=status_)
    ]


@router.post("/problems/proposals/detect", responses=errors())
def detect(session: DbSession, actor: Actor) -> list[schemas.ProposalRead]:
    """Look for recurring incidents across all services now; returns the new proposals."""
    return [recurrence.read_proposal(p) for p in recurrence.detect_recurring(session, actor=actor)]


@router.post(
    "/problems/proposals/{proposal_id}/accept",
    status_code=status.HTTP_201_CREATED,
    responses=errors(404, 409),
)
def accept_proposal(session: DbSession, actor: Actor, proposal_id: RecordId) -> schemas.ProblemRead:
    """Open the proposed problem with its incidents linked."""
    problem = recurrence.accept_proposal(session, actor=actor, proposal_id=proposal_id)
    return problems.read(session, problem)


@router.post("/problems/proposals/{proposal_id}/dismiss", responses=errors(404, 409))
def dismiss_proposal(
    session: DbSession, actor: Actor, proposal_id: RecordId
) -> schemas.ProposalRead:
    """Dismiss it; the same incidents are not proposed again."""
    return recurrence.read_proposal(
        recurrence.dismiss_proposal(session, actor=actor, proposal_id=proposal_id)
    )


@router.post("/problems", status_code=status.HTTP_201_CREATED, responses=errors())
def create_problem(
    session: DbSession, actor: Actor, data: schemas.ProblemCreate
) -> schemas.ProblemRead:
    return problems.read(session, problems.create(session, actor=actor, data=data))


@router.get("/problems/{key}", responses=errors(404))
def get_problem(session: DbSession, actor: Actor, key: str) -> schemas.ProblemRead:
    return problems.read(session, problems.get(session, actor=actor, key=key))


@router.patch("/problems/{key}", responses=errors(404, 409))
def update_problem(
    session: DbSession, actor: Actor, key: str, data: schemas.ProblemUpdate
) -> schemas.ProblemRead:
    return problems.read(session, problems.update(session, actor=actor, key=key, data=data))


@router.put("/problems/{key}/rca", responses=errors(404, 409))
def record_rca(
    session: DbSession, actor: Actor, key: str, data: schemas.RcaIn
) -> schemas.ProblemRead:
    """Five whys, root cause and contributing factors (replacing what was there)."""
    return problems.read(session, problems.record_rca(session, actor=actor, key=key, data=data))


@router.put("/problems/{key}/known-error", responses=errors(404, 409))
def record_known_error(
    session: DbSession, actor: Actor, key: str, data: schemas.KnownErrorIn
) -> schemas.ProblemRead:
    """Symptom, workaround and the rules that recognise it on a new incident."""
    changed = problems.record_known_error(session, actor=actor, key=key, data=data)
    return problems.read(session, changed)


@router.post(
    "/problems/{key}/incidents", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def link_incident(
    session: DbSession, actor: Actor, key: str, data: schemas.LinkIncidentIn
) -> schemas.ProblemRead:
    changed = problems.link_incident(session, actor=actor, key=key, incident=data.incident)
    return problems.read(session, changed)


@router.get("/problems/{key}/timeline", responses=errors(404))
def problem_timeline(
    session: DbSession, actor: Actor, key: str
) -> list[incident_schemas.TimelineEntry]:
    return [
        incident_schemas.TimelineEntry.model_validate(e)
        for e in problems.timeline(session, actor=actor, key=key)
    ]


@router.post("/problems/{key}/{move}", responses=errors(404, 409))
def move_problem(
    session: DbSession,
    actor: Actor,
    key: str,
    move: Transition,
    data: schemas.ProblemMove | None = None,
) -> schemas.ProblemRead:
    """investigate, identify_root_cause, mark_known_error, start_fix, resolve, close or reopen;
    closing waits for the problem's systemic fixes (409)."""
    moved = problems.transition(
        session, actor=actor, key=key, move=move, data=data or schemas.ProblemMove()
    )
    return problems.read(session, moved)


@router.get("/known-errors", responses=errors())
def known_errors(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    q: Annotated[str | None, Query(description="text in title, statement or symptom")] = None,
    service: str | None = None,
) -> list[schemas.KnownErrorRead]:
    """The known-error database."""
    return problems.known_errors(session, actor=actor, text=q, service=service, platform=platform)


@router.get("/incidents/{key}/known-errors", responses=errors(404))
def incident_known_errors(
    session: DbSession, actor: Actor, key: str
) -> list[schemas.KnownErrorRead]:
    """Known errors this incident matches, with their workarounds."""
    return problems.matching_known_errors(session, actor=actor, incident=key)

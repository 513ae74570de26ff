"""/api/v1/runbooks (jobs offered on a platform's incidents), /api/v1/runbook-runs (running
one on an incident with its context) and /api/v1/runbook-runs/{id}/approve|reject."""

from __future__ import annotations

from fastapi import APIRouter, status

from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import RecordId, errors
from opsroom.runbooks import schemas, service

router = APIRouter(prefix="/api/v1", tags=["runbooks"])


@router.post("/runbooks", status_code=status.HTTP_201_CREATED, responses=errors(403, 404, 409))
def create(session: DbSession, actor: Actor, data: schemas.RunbookIn) -> schemas.RunbookRead:
    """Offer a Rundeck job, an AWX job template or a StackStorm action on the platform's
    incidents (its operations manager). The token is never shown back."""
    return service.read_runbook(service.create(session, actor=actor, data=data))


@router.get("/runbooks")
def offered(
    session: DbSession, actor: Actor, platform: str | None = None
) -> list[schemas.RunbookRead]:
    return [
        service.read_runbook(r) for r in service.offered(session, actor=actor, platform=platform)
    ]


@router.post(
    "/runbook-runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(403, 404, 422, 429),
)
def run(session: DbSession, actor: Actor, data: schemas.RunIn) -> schemas.RunRead:
    """Run a runbook with the incident's context: queued for the worker, or awaiting an
    operations manager's approval if it is risky; 429 past its runs per hour."""
    return service.read(service.run(session, actor=actor, key=data.incident, data=data))


@router.get("/runbook-runs", responses=errors(404))
def runs(session: DbSession, actor: Actor, incident: str) -> list[schemas.RunRead]:
    """The runbooks run on the incident and how each went."""
    return [service.read(r) for r in service.runs(session, actor=actor, key=incident)]


@router.post("/runbook-runs/{run_id}/approve", responses=errors(403, 404, 409))
def approve(
    session: DbSession, actor: Actor, run_id: RecordId, data: schemas.DecisionIn
) -> schemas.RunRead:
    """Let a risky run go ahead (the platform's operations manager); 409 unless it waits."""
    found = service.decide(session, actor=actor, run_id=run_id, approve=True, data=data)
    return service.read(found)


@router.post("/runbook-runs/{run_id}/reject", responses=errors(403, 404, 409))
def reject(
    session: DbSession, actor: Actor, run_id: RecordId, data: schemas.DecisionIn
) -> schemas.RunRead:
    """Refuse a risky run, with a note for the timeline."""
    found = service.decide(session, actor=actor, run_id=run_id, approve=False, data=data)
    return service.read(found)

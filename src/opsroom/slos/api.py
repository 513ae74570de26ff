"""/api/v1/slos: service level objectives and their error budgets."""

from __future__ import annotations

from fastapi import APIRouter, status

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.api import PlatformFilter
from opsroom.infra.apidoc import errors
from opsroom.slos import schemas
from opsroom.slos import service as slos

router = APIRouter(prefix="/api/v1", tags=["slos"])


@router.get("/slos", responses=errors(502))
def list_slos(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    service: str | None = None,
    squad: str | None = None,
) -> list[schemas.SloSummary]:
    """SLOs by key with the budget each has left; `service` also finds its journeys' SLOs."""
    found = slos.search(session, actor=actor, platform=platform, service=service, squad=squad)
    return slos.summaries(session, found)


@router.post("/slos", status_code=status.HTTP_201_CREATED, responses=errors(502))
def set_slo(session: DbSession, actor: Actor, data: schemas.SloCreate) -> schemas.SloRead:
    return slos.read(session, slos.create(session, actor=actor, data=data))


@router.get("/slos/{key}", responses=errors(404, 502))
def get_slo(session: DbSession, actor: Actor, key: str) -> schemas.SloRead:
    """The SLO with its budget, burn rates against each alert condition and the incidents
    that spent it."""
    return slos.read(session, slos.get(session, actor=actor, key=key))


@router.patch("/slos/{key}", responses=errors(404, 409, 502))
def update_slo(
    session: DbSession, actor: Actor, key: str, data: schemas.SloUpdate
) -> schemas.SloRead:
    return slos.read(session, slos.update(session, actor=actor, key=key, data=data))

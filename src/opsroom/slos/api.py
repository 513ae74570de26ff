"""/api/v1/slos: service level objectives and their error budgets."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status
from fastapi.concurrency import run_in_threadpool

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import errors
from opsroom.infra.errors import ValidationFailed
from opsroom.slos import domain, openslo, schemas
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


OPENSLO_FILE = {"content": {"application/yaml": {"schema": {"type": "string"}}}}
# An export is a YAML stream: one document per SLO, SLI, alert policy and condition.
OPENSLO_STREAM = {
    "content": {
        "application/yaml": {
            "schema": {
                "type": "array",
                "items": {"type": "object"},
                "description": "the stream's documents",
            }
        }
    }
}


@router.post(
    "/slos/openslo",
    responses=errors(403, 422, 502),
    openapi_extra={"requestBody": {"required": True, **OPENSLO_FILE}},
)
async def apply_openslo(request: Request, session: DbSession, actor: Actor) -> openslo.Applied:
    """Apply OpenSLO v1 documents (YAML, see docs/slos.md): all of them or, on any error
    (named with its line), none."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("the file must be UTF-8 text", fields={"file": "not UTF-8"}) from exc
    return await run_in_threadpool(openslo.apply_text, session, actor=actor, text=text)


@router.get(
    "/slos/openslo",
    response_class=Response,
    responses={200: {"description": "OpenSLO v1 documents", **OPENSLO_STREAM}},
)
def export_openslo(session: DbSession, actor: Actor, platform: str | None = None) -> Response:
    """Every SLO (of `platform`) as OpenSLO v1 documents; applying them changes nothing."""
    text = openslo.export(session, actor=actor, platform=platform)
    return Response(text, media_type="application/yaml")


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


@router.post("/slos/{key}/counts", responses=errors(404, 422))
def push_counts(
    session: DbSession, actor: Actor, key: str, data: schemas.CountsPush
) -> schemas.CountsStored:
    """Pushed SLI counts: good and all events per minute. A minute may be sent again as its
    counts grow; a count with more good than total events, or lower than what was stored,
    refuses the whole batch (`fields` names each, as `counts.N`) and nothing is stored."""
    counts = [domain.Count(c.minute, c.good, c.total) for c in data.counts]
    stored = slos.push_counts(session, actor=actor, key=key, counts=counts)
    return schemas.CountsStored(slo=key.upper(), stored=stored)

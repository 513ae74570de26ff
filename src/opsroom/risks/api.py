"""/api/v1/risks and /api/v1/issues: the risk register, its matrix per platform, the
ranking and heat map, mitigations, acceptance, evidence that a risk materialised; and the
issue register beside it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import errors
from opsroom.risks import interchange, issues, links, reports, schemas
from opsroom.risks import records as register
from opsroom.risks import service as risks
from opsroom.risks.domain import IssueTransition, Status, Transition

router = APIRouter(prefix="/api/v1", tags=["risks"])


@router.get("/risks", responses=errors())
def list_risks(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    category: str | None = None,
    squad: str | None = None,
    status_: Annotated[list[Status], Query(alias="status")] = [],  # noqa: B006 - FastAPI copies defaults
    open: Annotated[bool, Query(description="not closed")] = False,
    q: Annotated[str | None, Query(description="text in title or description")] = None,
) -> list[schemas.RiskSummary]:
    """The register, by key (read whole: a register is hundreds of risks, not millions)."""
    found = reports.register(
        session,
        actor=actor,
        platform=platform,
        category=category,
        squad=squad,
        status=status_,
        open_only=open,
        text=q,
    )
    return [reports.summary(session, r) for r in found]


@router.post("/risks", status_code=status.HTTP_201_CREATED, responses=errors(409))
def raise_risk(session: DbSession, actor: Actor, data: schemas.RiskCreate) -> schemas.RiskRead:
    return reports.read(session, risks.create(session, actor=actor, data=data))


@router.get("/risks/ranking", responses=errors())
def ranking(
    session: DbSession, actor: Actor, platform: PlatformFilter, category: str | None = None
) -> list[schemas.RankedRisk]:
    """Open risks by expected annual loss x blast radius, highest first."""
    return reports.ranking(session, actor=actor, platform=platform, category=category)


@router.get("/risks/above-appetite", responses=errors())
def above_appetite(
    session: DbSession, actor: Actor, platform: PlatformFilter
) -> list[schemas.RiskSummary]:
    return reports.above_appetite(session, actor=actor, platform=platform)


@router.get("/risks/heat-map", responses=errors(404))
def heat_map(
    session: DbSession, actor: Actor, platform: str, category: str | None = None
) -> schemas.HeatMapRead:
    """Open risks per cell of the platform's matrix: inherent, current and residual."""
    register.read_settings(session, actor=actor, platform=platform)
    return reports.heat_map(session, actor=actor, platform=platform, category=category)


MEDIA = {
    interchange.Format.CSV: "text/csv",
    interchange.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@router.get(
    "/risks/export",
    response_class=Response,
    responses={
        200: {
            "description": "the register as CSV or XLSX",
            "content": {
                m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA.values()
            },
        },
        **errors(),
    },
)
def export_register(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    format: interchange.Format = interchange.Format.CSV,
) -> Response:
    content = interchange.export(session, actor=actor, fmt=format, platform=platform)
    disposition = f'attachment; filename="risks.{format.value}"'
    return Response(content, media_type=MEDIA[format], headers={"Content-Disposition": disposition})


@router.post(
    "/risks/import",
    responses=errors(413),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA.values()
            },
        }
    },
)
async def import_register(
    request: Request,
    session: DbSession,
    actor: Actor,
    format: interchange.Format = interchange.Format.CSV,
) -> schemas.ImportRead:
    """Apply a register file (rows with a key update that risk, rows without raise one):
    all of it or, if any row is bad, none; each bad row is named by line and field."""
    raw = await request.body()
    applied = await run_in_threadpool(
        interchange.apply, session, actor=actor, content=raw, fmt=format
    )
    return schemas.ImportRead(
        raised=applied.raised, updated=applied.updated, unchanged=applied.unchanged
    )


@router.get("/risks/settings/{platform}", responses=errors(404))
def get_settings(session: DbSession, actor: Actor, platform: str) -> schemas.RiskSettingsRead:
    """The platform's matrix, categories and cost of downtime."""
    return register.read_settings(session, actor=actor, platform=platform)


@router.put("/risks/settings/{platform}", responses=errors(403, 404, 409))
def replace_settings(
    session: DbSession, actor: Actor, platform: str, data: schemas.RiskSettingsRead
) -> schemas.RiskSettingsRead:
    """Replace them (operations managers); send back the version you read."""
    doc = schemas.RiskSettingsDoc.model_validate(
        data.model_dump(exclude={"version", "updated_by", "updated_at"})
    )
    return register.replace_settings(
        session, actor=actor, platform=platform, doc=doc, version=data.version
    )


@router.get("/risks/{key}", responses=errors(404))
def get_risk(session: DbSession, actor: Actor, key: str) -> schemas.RiskRead:
    return reports.read(session, register.get(session, actor=actor, key=key))


@router.patch("/risks/{key}", responses=errors(404, 409))
def update_risk(
    session: DbSession, actor: Actor, key: str, data: schemas.RiskUpdate
) -> schemas.RiskRead:
    return reports.read(session, risks.update(session, actor=actor, key=key, data=data))


@router.post("/risks/{key}/score", responses=errors(404, 409))
def score_risk(
    session: DbSession, actor: Actor, key: str, data: schemas.ScoreIn
) -> schemas.RiskRead:
    """Re-score the inherent, current or target assessment; a drop of the current score
    needs a reason."""
    return reports.read(session, risks.score(session, actor=actor, key=key, data=data))


@router.post("/risks/{key}/move/{move}", responses=errors(404, 409))
def move_risk(
    session: DbSession, actor: Actor, key: str, move: Transition, data: schemas.RiskMove
) -> schemas.RiskRead:
    return reports.read(
        session, risks.transition(session, actor=actor, key=key, move=move, data=data)
    )


@router.post("/risks/{key}/accept", responses=errors(404, 409))
def accept_risk(
    session: DbSession, actor: Actor, key: str, data: schemas.AcceptanceIn
) -> schemas.RiskRead:
    """Accept the risk until a date (operations managers); then it returns for review."""
    return reports.read(session, risks.accept(session, actor=actor, key=key, data=data))


@router.post("/risks/{key}/links", responses=errors(404, 409))
def link_record(
    session: DbSession, actor: Actor, key: str, data: schemas.LinkIn
) -> schemas.RiskRead:
    """Link an incident, problem or failed change showing the risk materialised (confirms
    a proposed link)."""
    return reports.read(session, links.link(session, actor=actor, key=key, record=data.record))


@router.delete("/risks/{key}/links/{record}", responses=errors(404))
def unlink_record(session: DbSession, actor: Actor, key: str, record: str) -> schemas.RiskRead:
    """Remove a link, or dismiss a proposed one."""
    return reports.read(session, links.unlink(session, actor=actor, key=key, record=record))


@router.post("/risks/{key}/mitigations", status_code=status.HTTP_201_CREATED, responses=errors(404))
def raise_mitigation(
    session: DbSession, actor: Actor, key: str, data: schemas.MitigationIn
) -> action_schemas.ActionRead:
    """Raise a mitigation: an action item in the tracker with source `risk`."""
    return actions.read(risks.mitigate(session, actor=actor, key=key, data=data))


# --- issues -------------------------------------------------------------------------------


@router.get("/issues", responses=errors(), tags=["issues"])
def list_issues(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    squad: str | None = None,
    open: bool = False,
) -> list[schemas.IssueRead]:
    found = issues.search(session, actor=actor, platform=platform, squad=squad, open_only=open)
    return [issues.read(i) for i in found]


@router.post("/issues", status_code=status.HTTP_201_CREATED, responses=errors(), tags=["issues"])
def raise_issue(session: DbSession, actor: Actor, data: schemas.IssueCreate) -> schemas.IssueRead:
    return issues.read(issues.create(session, actor=actor, data=data))


@router.get("/issues/{key}", responses=errors(404), tags=["issues"])
def get_issue(session: DbSession, actor: Actor, key: str) -> schemas.IssueRead:
    return issues.read(issues.get(session, actor=actor, key=key))


@router.patch("/issues/{key}", responses=errors(404, 409), tags=["issues"])
def update_issue(
    session: DbSession, actor: Actor, key: str, data: schemas.IssueUpdate
) -> schemas.IssueRead:
    """Change an issue's title, description, owner or due date (which moves its escalation)."""
    return issues.read(issues.update(session, actor=actor, key=key, data=data))


@router.post("/issues/{key}/move/{move}", responses=errors(404, 409), tags=["issues"])
def move_issue(
    session: DbSession, actor: Actor, key: str, move: IssueTransition, data: schemas.IssueMove
) -> schemas.IssueRead:
    return issues.read(issues.transition(session, actor=actor, key=key, move=move, data=data))

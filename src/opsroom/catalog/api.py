"""/api/v1 routes for the catalog: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.catalog import domain, manifest, schemas, vendors
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import PageOut, errors
from opsroom.infra.errors import ValidationFailed

router = APIRouter(prefix="/api/v1", tags=["catalog"], dependencies=[can_read], responses=errors())


# --- platforms --------------------------------------------------------------------------


@router.get("/platforms", response_model=list[schemas.PlatformRead])
def list_platforms(session: DbSession) -> list[schemas.PlatformRead]:
    return [schemas.PlatformRead.model_validate(p) for p in catalog.list_platforms(session)]


@router.post("/platforms", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_platform(
    session: DbSession, actor: Actor, data: schemas.PlatformCreate
) -> schemas.PlatformRead:
    return schemas.PlatformRead.model_validate(
        catalog.create_platform(session, actor=actor, data=data)
    )


@router.get("/platforms/{slug}", responses=errors(404))
def get_platform(session: DbSession, slug: str) -> schemas.PlatformRead:
    return schemas.PlatformRead.model_validate(catalog.get_platform(session, slug))


@router.patch("/platforms/{slug}", responses=errors(404, 409))
def update_platform(
    session: DbSession, actor: Actor, slug: str, data: schemas.PlatformUpdate
) -> schemas.PlatformRead:
    return schemas.PlatformRead.model_validate(
        catalog.update_platform(session, actor=actor, slug=slug, data=data)
    )


# --- squads -----------------------------------------------------------------------------


@router.get("/squads", responses=errors(404))
def list_squads(session: DbSession, platform: PlatformFilter) -> list[schemas.SquadRead]:
    return [
        schemas.SquadRead.model_validate(s) for s in catalog.list_squads(session, platform=platform)
    ]


@router.post("/squads", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_squad(session: DbSession, actor: Actor, data: schemas.SquadCreate) -> schemas.SquadRead:
    return schemas.SquadRead.model_validate(catalog.create_squad(session, actor=actor, data=data))


@router.get("/squads/{slug}", responses=errors(404))
def get_squad(session: DbSession, slug: str) -> schemas.SquadRead:
    return schemas.SquadRead.model_validate(catalog.get_squad(session, slug))


@router.patch("/squads/{slug}", responses=errors(404, 409))
def update_squad(
    session: DbSession, actor: Actor, slug: str, data: schemas.SquadUpdate
) -> schemas.SquadRead:
    return schemas.SquadRead.model_validate(
        catalog.update_squad(session, actor=actor, slug=slug, data=data)
    )


@router.post(
    "/squads/{slug}/members", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_member(
    session: DbSession, actor: Actor, slug: str, member: schemas.MemberIn
) -> schemas.SquadRead:
    return schemas.SquadRead.model_validate(
        catalog.add_member(session, actor=actor, slug=slug, member=member)
    )


@router.delete("/squads/{slug}/members/{email}", responses=errors(404))
def remove_member(session: DbSession, actor: Actor, slug: str, email: str) -> schemas.SquadRead:
    return schemas.SquadRead.model_validate(
        catalog.remove_member(session, actor=actor, slug=slug, email=email)
    )


# --- services ---------------------------------------------------------------------------


@router.get("/services", responses=errors(400, 404))
def list_services(
    session: DbSession,
    platform: PlatformFilter,
    owner: Annotated[str | None, Query(description="owner squad slug")] = None,
    tier: Annotated[int | None, Query(ge=1, le=4)] = None,
    lifecycle: domain.Lifecycle | None = None,
    run_by: domain.RunBy | None = None,
    tag: str | None = None,
    q: Annotated[str | None, Query(description="text in name or description")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: str | None = None,
) -> PageOut[schemas.ServiceRead]:
    page = catalog.list_services(
        session,
        limit=limit,
        cursor=cursor,
        platform=platform,
        owner=owner,
        tier=tier,
        lifecycle=lifecycle,
        run_by=run_by,
        tag=tag,
        text=q,
    )
    return PageOut(
        items=[schemas.ServiceRead.model_validate(s) for s in page.items],
        next_cursor=page.next_cursor,
    )


@router.post("/services", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_service(
    session: DbSession, actor: Actor, data: schemas.ServiceCreate
) -> schemas.ServiceRead:
    return schemas.ServiceRead.model_validate(
        catalog.create_service(session, actor=actor, data=data)
    )


@router.get("/services/{slug}", responses=errors(404))
def get_service(session: DbSession, slug: str) -> schemas.ServiceRead:
    return schemas.ServiceRead.model_validate(catalog.get_service(session, slug))


@router.patch("/services/{slug}", responses=errors(404, 409))
def update_service(
    session: DbSession, actor: Actor, slug: str, data: schemas.ServiceUpdate
) -> schemas.ServiceRead:
    return schemas.ServiceRead.model_validate(
        catalog.update_service(session, actor=actor, slug=slug, data=data)
    )


@router.post("/services/{slug}/move", responses=errors(403, 404, 409, 422))
def move_service(
    session: DbSession, actor: Actor, slug: str, data: schemas.ServiceMove
) -> schemas.ServiceRead:
    """Give the service to a squad of another platform (who governs both platforms). Refused
    (409, naming them) while open changes to it are planned inside a freeze of its platform;
    its open incidents and changes note the move on their timelines."""
    return schemas.ServiceRead.model_validate(
        catalog.move_service(session, actor=actor, slug=slug, data=data)
    )


@router.get("/services/{slug}/dependencies", responses=errors(404))
def get_dependencies(session: DbSession, slug: str) -> schemas.DependenciesRead:
    return catalog.dependencies(session, slug)


@router.post(
    "/services/{slug}/dependencies", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_dependency(
    session: DbSession, actor: Actor, slug: str, data: schemas.DependencyIn
) -> schemas.DependenciesRead:
    catalog.add_dependency(session, actor=actor, slug=slug, depends_on=data.depends_on)
    return catalog.dependencies(session, slug)


@router.delete("/services/{slug}/dependencies/{depends_on}", responses=errors(404))
def remove_dependency(
    session: DbSession, actor: Actor, slug: str, depends_on: str
) -> schemas.DependenciesRead:
    catalog.remove_dependency(session, actor=actor, slug=slug, depends_on=depends_on)
    return catalog.dependencies(session, slug)


@router.get("/services/{slug}/blast-radius", responses=errors(404))
def get_blast_radius(session: DbSession, slug: str) -> schemas.BlastRadiusRead:
    return catalog.blast_radius(session, slug)


# --- journeys ---------------------------------------------------------------------------


@router.get("/journeys", responses=errors(404))
def list_journeys(
    session: DbSession,
    platform: PlatformFilter,
    service: Annotated[
        str | None, Query(description="journeys passing through this service")
    ] = None,
) -> list[schemas.JourneyRead]:
    return [
        schemas.JourneyRead.model_validate(j)
        for j in catalog.list_journeys(session, platform=platform, service=service)
    ]


@router.post("/journeys", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_journey(
    session: DbSession, actor: Actor, data: schemas.JourneyCreate
) -> schemas.JourneyRead:
    return schemas.JourneyRead.model_validate(
        catalog.create_journey(session, actor=actor, data=data)
    )


@router.get("/journeys/{slug}", responses=errors(404))
def get_journey(session: DbSession, slug: str) -> schemas.JourneyRead:
    return schemas.JourneyRead.model_validate(catalog.get_journey(session, slug))


@router.patch("/journeys/{slug}", responses=errors(404, 409))
def update_journey(
    session: DbSession, actor: Actor, slug: str, data: schemas.JourneyUpdate
) -> schemas.JourneyRead:
    return schemas.JourneyRead.model_validate(
        catalog.update_journey(session, actor=actor, slug=slug, data=data)
    )


# --- vendors ----------------------------------------------------------------------------


@router.get("/vendors", responses=errors(404))
def list_vendors(
    session: DbSession,
    platform: PlatformFilter,
    service: Annotated[str | None, Query(description="vendors of this service")] = None,
) -> list[schemas.VendorRead]:
    found = vendors.list_vendors(session, service=service, platform=platform)
    return [schemas.VendorRead.model_validate(v) for v in found]


@router.post("/vendors", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_vendor(
    session: DbSession, actor: Actor, data: schemas.VendorCreate
) -> schemas.VendorRead:
    return schemas.VendorRead.model_validate(vendors.create_vendor(session, actor=actor, data=data))


@router.get("/vendors/{slug}", responses=errors(404))
def get_vendor(session: DbSession, slug: str) -> schemas.VendorRead:
    return schemas.VendorRead.model_validate(vendors.get_vendor(session, slug))


@router.patch("/vendors/{slug}", responses=errors(404, 409))
def update_vendor(
    session: DbSession, actor: Actor, slug: str, data: schemas.VendorUpdate
) -> schemas.VendorRead:
    return schemas.VendorRead.model_validate(
        vendors.update_vendor(session, actor=actor, slug=slug, data=data)
    )


# --- RACI -------------------------------------------------------------------------------


@router.get("/raci", responses=errors(404))
def get_raci(
    session: DbSession,
    platform: PlatformFilter,
    service: Annotated[str | None, Query(description="service slug")] = None,
) -> schemas.RaciMatrixRead:
    return vendors.raci_matrix(session, platform=platform, service=service)


@router.put("/raci/{service}/{activity}", responses=errors(404))
def set_raci(
    session: DbSession, actor: Actor, service: str, activity: domain.Activity, data: schemas.RaciSet
) -> schemas.RaciMatrixRead:
    vendors.set_raci(session, actor=actor, service=service, activity=activity, parties=data.parties)
    return vendors.raci_matrix(session, service=service)


# --- catalog as code --------------------------------------------------------------------

# A catalog file travels as YAML; its structure is the Manifest, documented once in components.
YAML_MANIFEST = {
    "content": {"application/yaml": {"schema": {"$ref": "#/components/schemas/Manifest"}}}
}


@router.post(
    "/catalog/apply",
    responses=errors(413),
    openapi_extra={"requestBody": {"required": True, **YAML_MANIFEST}},
)
async def apply_catalog(
    request: Request, session: DbSession, actor: Actor
) -> dict[str, dict[str, int]]:
    """Apply a catalog file (YAML, see docs/catalog.md): all of it or, on any error, none."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            "the catalog file must be UTF-8 text", fields={"file": "not UTF-8"}
        ) from exc
    result = await run_in_threadpool(manifest.apply_text, session, actor=actor, text=text)
    return result.as_dict()


# response_model puts the Manifest in the components; the YAML response itself is returned as is.
@router.get(
    "/catalog/export",
    response_class=Response,
    response_model=manifest.Manifest,
    responses={200: {"description": "the catalog file", **YAML_MANIFEST}},
)
def export_catalog(session: DbSession) -> Response:
    return Response(manifest.dump(manifest.export(session)), media_type="application/yaml")

"""The catalog in the browser: services, squads, journeys, vendors and the RACI matrix."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.audit import service as audit_service
from opsroom.catalog import domain, schemas
from opsroom.catalog import service as catalog
from opsroom.deps import DbSession
from opsroom.web.pages import BlankIsNone, Filter, all_services, render

router = APIRouter(include_in_schema=False)

SERVICES_PER_PAGE = 50
HISTORY_LENGTH = 10


class ServiceFilters(BaseModel):
    platform: Filter = None
    owner: Filter = None
    tier: Annotated[int | None, BlankIsNone, Field(ge=1, le=4)] = None
    lifecycle: Annotated[domain.Lifecycle | None, BlankIsNone] = None
    run_by: Annotated[domain.RunBy | None, BlankIsNone] = None
    tag: Filter = None
    q: Filter = None
    cursor: Filter = None

    def criteria(self) -> dict[str, Any]:
        return self.model_dump(exclude={"q", "cursor"}) | {"text": self.q}

    @property
    def active(self) -> bool:
        return any(self.criteria().values())


def _gaps_by_cell(matrix: schemas.RaciMatrixRead) -> dict[tuple[str, str], list[str]]:
    cells: dict[tuple[str, str], list[str]] = {}
    for gap in matrix.gaps:
        cells.setdefault((gap.service, gap.activity), []).append(gap.problem)
    return cells


def _raci(session: Session, **scope: str | None) -> dict[str, Any]:
    matrix = catalog.raci_matrix(session, **scope)
    return {
        "matrix": matrix,
        "gaps": _gaps_by_cell(matrix),
        "squad_names": {s.slug: s.name for s in catalog.list_squads(session)},
    }


# --- services ---------------------------------------------------------------------------


@router.get("/services")
def services(
    request: Request, session: DbSession, filters: Annotated[ServiceFilters, Query()]
) -> Response:
    page = catalog.list_services(
        session, limit=SERVICES_PER_PAGE, cursor=filters.cursor, **filters.criteria()
    )
    context = {
        "page": page,
        "filters": filters,
        "squads": catalog.list_squads(session, platform=filters.platform),
        "lifecycles": list(domain.Lifecycle),
        "run_bys": list(domain.RunBy),
    }
    return render(
        request, session, "catalog/services.html", context, partial="catalog/_services_table.html"
    )


@router.get("/services/{slug}")
def service(request: Request, session: DbSession, slug: str) -> Response:
    history = audit_service.list_entries(
        session, subject_type="service", subject_key=slug, limit=HISTORY_LENGTH
    )
    context = {
        "service": catalog.get_service(session, slug),
        "deps": catalog.dependencies(session, slug),
        "blast": catalog.blast_radius(session, slug),
        "journeys": catalog.list_journeys(session, service=slug),
        "vendors": catalog.list_vendors(session, service=slug),
        "history": history.items,
        **_raci(session, service=slug),
    }
    return render(request, session, "catalog/service.html", context)


# --- squads -----------------------------------------------------------------------------


@router.get("/squads")
def squads(request: Request, session: DbSession, platform: Filter = None) -> Response:
    owned = Counter(s.owner.slug for s in all_services(session, platform=platform))
    context = {"squads": catalog.list_squads(session, platform=platform), "owned": owned}
    return render(request, session, "catalog/squads.html", context)


@router.get("/squads/{slug}")
def squad(request: Request, session: DbSession, slug: str) -> Response:
    context = {
        "squad": catalog.get_squad(session, slug),
        "services": catalog.list_services(session, owner=slug, limit=500).items,
        "journeys": [j for j in catalog.list_journeys(session) if j.owner.slug == slug],
    }
    return render(request, session, "catalog/squad.html", context)


# --- journeys ---------------------------------------------------------------------------


@router.get("/journeys")
def journeys(request: Request, session: DbSession, platform: Filter = None) -> Response:
    context = {"journeys": catalog.list_journeys(session, platform=platform)}
    return render(request, session, "catalog/journeys.html", context)


@router.get("/journeys/{slug}")
def journey(request: Request, session: DbSession, slug: str) -> Response:
    context = {"journey": catalog.get_journey(session, slug)}
    return render(request, session, "catalog/journey.html", context)


# --- vendors ----------------------------------------------------------------------------


@router.get("/vendors")
def vendors(request: Request, session: DbSession) -> Response:
    context = {"vendors": catalog.list_vendors(session)}
    return render(request, session, "catalog/vendors.html", context)


@router.get("/vendors/{slug}")
def vendor(request: Request, session: DbSession, slug: str) -> Response:
    context = {"vendor": catalog.get_vendor(session, slug)}
    return render(request, session, "catalog/vendor.html", context)


# --- RACI -------------------------------------------------------------------------------


@router.get("/raci")
def raci(
    request: Request, session: DbSession, platform: Filter = None, only_gaps: Filter = None
) -> Response:
    context = {
        "only_gaps": bool(only_gaps),
        "services": {s.slug: s for s in all_services(session, platform=platform)},
        **_raci(session, platform=platform),
    }
    return render(request, session, "catalog/raci.html", context)

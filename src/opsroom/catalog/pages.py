"""The catalog in the browser: services (edited by those the rules allow), squads, journeys,
vendors and the RACI matrix."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.audit import service as audit_service
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.catalog import domain, schemas
from opsroom.catalog import service as catalog
from opsroom.catalog import vendors as vendor_service
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.web.pages import (
    ANY_REFUSAL,
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    attempt,
    render,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])


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
    matrix = vendor_service.raci_matrix(session, **scope)
    return {
        "matrix": matrix,
        "gaps": _gaps_by_cell(matrix),
        "squad_names": {s.slug: s.name for s in catalog.list_squads(session)},
    }


# --- services ---------------------------------------------------------------------------


@router.get("/services")
def services(
    request: Request,
    session: DbSession,
    platform: ListPlatform,
    filters: Annotated[ServiceFilters, Query()],
) -> Response:
    filters = filters.model_copy(update={"platform": platform})
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


LIST_FIELDS = {"data_regions", "hosting_regions", "tags"}


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


class ServiceEditForm(BaseModel):
    """The service edit form as the browser sends it: lists are comma-separated text."""

    version: int
    tier: str = ""
    lifecycle: str = ""
    run_by: str = ""
    description: str = ""
    runbook_url: str = ""
    data_regions: str = ""
    hosting_regions: str = ""
    tags: str = ""

    @classmethod
    def of(cls, service: Any) -> ServiceEditForm:
        return cls(
            version=service.version,
            tier=str(service.tier),
            lifecycle=service.lifecycle,
            run_by=service.run_by,
            description=service.description,
            runbook_url=service.runbook_url,
            **{name: ", ".join(getattr(service, name)) for name in LIST_FIELDS},
        )

    def update(self) -> schemas.ServiceUpdate:
        lists = {name: _items(getattr(self, name)) for name in LIST_FIELDS}
        return schemas.ServiceUpdate.model_validate(self.model_dump(exclude=LIST_FIELDS) | lists)


class DependencyForm(BaseModel):
    depends_on: str = ""


def may_edit(principal: Principal, service: Any) -> bool:
    """Whether to offer edit controls: the rule the catalog applies when the edit arrives."""
    return decide(principal, Action.EDIT_SQUAD_ITEMS, squads=[service.owner.slug]).allowed


def _edit_controls(session: Session, service: Any, failure: Failure | None) -> dict[str, Any]:
    upstream = {ref.slug for ref in catalog.dependencies(session, service.slug).depends_on}
    candidates = [
        s
        for s in catalog.all_services(session)
        if s.slug != service.slug and s.slug not in upstream
    ]
    return {
        "current": ServiceEditForm.of(service).model_dump(),
        "candidates": sorted(candidates, key=lambda s: (s.platform.name, s.name)),
        "lifecycles": list(domain.Lifecycle),
        "run_bys": list(domain.RunBy),
        "failure": failure,
    }


def _service_page(
    request: Request,
    session: Session,
    actor: Principal,
    slug: str,
    failure: Failure | None = None,
) -> Response:
    service = catalog.get_service(session, slug)
    editable = may_edit(actor, service)
    history = audit_service.list_entries(
        session, subject_type="service", subject_key=slug, limit=HISTORY_LENGTH
    )
    context = {
        "service": service,
        "deps": catalog.dependencies(session, slug),
        "blast": catalog.blast_radius(session, slug),
        "journeys": catalog.list_journeys(session, service=slug),
        "vendors": vendor_service.list_vendors(session, service=slug),
        "history": history.items,
        **_raci(session, service=slug),
        "may_edit": editable,
        # Squads of other platforms: whom the service may be moved to.
        "receivers": [
            s for s in catalog.list_squads(session) if s.platform_id != service.platform_id
        ],
        **(_edit_controls(session, service, failure) if editable or failure else {}),
    }
    status = failure.status if failure else 200
    return render(request, session, "catalog/service.html", context, status=status)


def _saved_or_refused(
    request: Request, session: Session, actor: Principal, slug: str, outcome: object
) -> Response:
    """Post/redirect/get once saved; the page again with the refusal next to the form if not."""
    if isinstance(outcome, Failure):
        return _service_page(request, session, actor, slug, outcome)
    return RedirectResponse(f"/services/{slug}", status_code=303)


@router.get("/services/{slug}")
def service(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    return _service_page(request, session, actor, slug)


@router.post("/services/{slug}/edit")
def edit_service(
    request: Request,
    session: DbSession,
    actor: Actor,
    slug: str,
    form: Annotated[ServiceEditForm, Form()],
) -> Response:
    def change() -> object:
        return catalog.update_service(session, actor=actor, slug=slug, data=form.update())

    outcome = attempt(session, "edit", form.model_dump(), change, answered=ANY_REFUSAL)
    return _saved_or_refused(request, session, actor, slug, outcome)


@router.post("/services/{slug}/move")
def move_service(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    values = {"version": form.get("version"), "owner": form.get("owner")}

    def change() -> object:
        owner = catalog.get_squad(session, str(values["owner"] or "")) if values["owner"] else None
        data = schemas.ServiceMove.model_validate(
            values | {"platform": owner.platform.slug if owner else ""}
        )
        return catalog.move_service(session, actor=actor, slug=slug, data=data)

    outcome = attempt(session, "move", values, change, answered=ANY_REFUSAL)
    return _saved_or_refused(request, session, actor, slug, outcome)


@router.post("/services/{slug}/dependencies")
def add_dependency(
    request: Request,
    session: DbSession,
    actor: Actor,
    slug: str,
    form: Annotated[DependencyForm, Form()],
) -> Response:
    def change() -> object:
        upstream = schemas.DependencyIn.model_validate(form.model_dump()).depends_on
        return catalog.add_dependency(session, actor=actor, slug=slug, depends_on=upstream)

    outcome = attempt(session, "dependency", form.model_dump(), change, answered=ANY_REFUSAL)
    return _saved_or_refused(request, session, actor, slug, outcome)


# --- squads -----------------------------------------------------------------------------


@router.get("/squads")
def squads(request: Request, session: DbSession, platform: ListPlatform) -> Response:
    owned = Counter(s.owner.slug for s in catalog.all_services(session, platform=platform))
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
def journeys(request: Request, session: DbSession, platform: ListPlatform) -> Response:
    context = {"journeys": catalog.list_journeys(session, platform=platform)}
    return render(request, session, "catalog/journeys.html", context)


@router.get("/journeys/{slug}")
def journey(request: Request, session: DbSession, slug: str) -> Response:
    context = {"journey": catalog.get_journey(session, slug)}
    return render(request, session, "catalog/journey.html", context)


# --- vendors ----------------------------------------------------------------------------


@router.get("/vendors")
def vendors(request: Request, session: DbSession, platform: ListPlatform) -> Response:
    context = {"vendors": vendor_service.list_vendors(session, platform=platform)}
    return render(request, session, "catalog/vendors.html", context)


@router.get("/vendors/{slug}")
def vendor(request: Request, session: DbSession, slug: str) -> Response:
    context = {"vendor": vendor_service.get_vendor(session, slug)}
    return render(request, session, "catalog/vendor.html", context)


# --- RACI -------------------------------------------------------------------------------


@router.get("/raci")
def raci(
    request: Request, session: DbSession, platform: ListPlatform, only_gaps: Filter = None
) -> Response:
    context = {
        "only_gaps": bool(only_gaps),
        "services": {s.slug: s for s in catalog.all_services(session, platform=platform)},
        **_raci(session, platform=platform),
    }
    return render(request, session, "catalog/raci.html", context)

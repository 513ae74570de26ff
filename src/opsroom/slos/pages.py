"""SLOs in the browser: the list with each budget left and a form to set one, and an SLO's
page with its budget, burn-down, burn rates against the alert conditions, the incidents
that spent it, and a form to change it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.slos import charts, openslo, prometheus, schemas
from opsroom.slos import service as slos
from opsroom.slos.domain import BudgetWindow, PrometheusAuth, SliKind, SliSource
from opsroom.web.pages import (
    Failure,
    Posted,
    RecordForms,
    attempt,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def _choices(session: Session) -> dict[str, Any]:
    """What the forms that set and change an SLO offer."""
    return {
        "squads": catalog.list_squads(session),
        "services": catalog.all_services(session),
        "journeys": catalog.list_journeys(session),
        "windows": list(BudgetWindow),
        "slis": list(SliKind),
        "sources": [s for s in SliSource if s is not SliSource.INCIDENTS],
        "auths": list(PrometheusAuth),
    }


def _list(
    request: Request,
    session: Session,
    actor: Principal,
    platform: str | None = None,
    values: Mapping[str, Any] | None = None,
    failure: Failure | None = None,
    applied: openslo.Applied | None = None,
) -> Response:
    found = slos.search(session, actor=actor, platform=platform)
    context = {
        "applied": applied,
        "slos": slos.summaries(session, found),
        "platform": platform,
        "platforms": catalog.list_platforms(session),
        **_choices(session),
        "values": values or FormData(),
        "failure": failure,
    }
    return render(
        request, session, "slos/list.html", context, status=failure.status if failure else 200
    )


def budgets(session: Session, found: list[Any]) -> list[dict[str, Any]]:
    """Each SLO with its budget and burn-down, for the pages that show budgets at a glance;
    no budget where its Prometheus does not answer (the rest of the page still shows)."""
    shown = []
    for slo in found:
        try:
            standing = slos.standing(session, slo)
        except prometheus.Unanswered:
            shown.append({"slo": slo, "budget": None, "chart": None})
            continue
        chart = (
            charts.burn_down(slos.burn_down(standing), *standing.span)
            if slo.sli_kind == SliKind.INCIDENTS
            else None  # drawn from incident windows alone: flat for counted events
        )
        shown.append({"slo": slo, "budget": slos.summarise(standing), "chart": chart})
    return shown


@router.get("/slos")
def list_page(
    request: Request, session: DbSession, actor: Actor, platform: ListPlatform
) -> Response:
    return _list(request, session, actor, platform)


@router.post("/slos")
def set_slo(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        return slos.create(session, actor=actor, data=parse_form(schemas.SloCreate, form)).key

    outcome = attempt(session, "set", form, change)
    if isinstance(outcome, Failure):
        return _list(request, session, actor, None, form, outcome)
    return see_other(f"/slos/{outcome}")


@router.post("/slos/openslo")
def apply_openslo(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    """Apply the OpenSLO documents pasted in the form: all of them, or none and why."""

    def change() -> openslo.Applied:
        return openslo.apply_text(session, actor=actor, text=str(form.get("document", "")))

    outcome = attempt(session, "openslo", form, change)
    if isinstance(outcome, Failure):
        return _list(request, session, actor, None, form, outcome)
    return _list(request, session, actor, applied=outcome)


@router.get("/slos/openslo")
def export_openslo(session: DbSession, actor: Actor, platform: ListPlatform) -> Response:
    """Every SLO (of the platform) as an OpenSLO file to download."""
    text = openslo.export(session, actor=actor, platform=platform)
    name = f"slos-{platform}.yaml" if platform else "slos.yaml"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text, media_type="application/yaml", headers=disposition)


def _detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    slo = slos.get(session, actor=actor, key=key)
    standing = slos.standing(session, slo)
    context = {
        "slo": slos.describe(standing),
        "chart": charts.burn_down(slos.burn_down(standing), *standing.span),
        **_choices(session),
        "values": failure.values if failure else FormData(),
        "failure": failure,
    }
    return render(
        request, session, "slos/detail.html", context, status=failure.status if failure else 200
    )


FORMS = RecordForms(_detail, lambda key, _name: f"/slos/{key}")


@router.get("/slos/{key}")
def detail_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _detail(request, session, actor, key)


@router.post("/slos/{key}")
def edit(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        return slos.update(session, actor=actor, key=key, data=parse_form(schemas.SloUpdate, form))

    return FORMS.apply(request, session, actor, key, form, "edit", change)

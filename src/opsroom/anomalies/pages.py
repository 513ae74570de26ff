"""Watched series in the browser: the list (and watching a new one), and a series' page with
its chart, the points it skipped and the anomalies it raised."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.anomalies import domain, feedback, schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import DetectorKind, Judgement
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.web.pages import (
    Failure,
    Posted,
    attempt,
    parse_form,
    render,
    saved_or_again,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

ANOMALIES_SHOWN = 50


def _list(
    request: Request,
    session: Session,
    actor: Principal,
    form: FormData | None = None,
    failure: Failure | None = None,
    platform: str | None = None,
) -> Response:
    found = anomalies.list_series(session, actor=actor, platform=platform)
    context = {
        "series": [anomalies.read(s) for s in found],
        "precision": feedback.precision(session, actor=actor),
        "detectors": list(DetectorKind),
        "sensitivity": domain.SENSITIVITY,
        "values": form or {},
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "anomalies/list.html", context, status=status)


@router.get("/series")
def series_list(
    request: Request, session: DbSession, actor: Actor, platform: ListPlatform
) -> Response:
    return _list(request, session, actor, platform=platform)


@router.post("/series")
def watch_series(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = parse_form(schemas.SeriesCreate, form)
        return anomalies.create_series(session, actor=actor, data=data).key

    outcome = attempt(session, "watch", form, change)
    if isinstance(outcome, Failure):
        return _list(request, session, actor, form, outcome)
    return see_other(f"/series/{outcome}")


def _series_page(
    request: Request,
    session: Session,
    actor: Principal,
    key: str,
    failure: Failure | None = None,
) -> Response:
    series = anomalies.read(anomalies.get_series(session, actor=actor, key=key))
    found = anomalies.list_anomalies(session, actor=actor, series=key, limit=ANOMALIES_SHOWN)
    context = {
        "series": series,
        "chart": anomalies.chart(session, actor=actor, key=key),
        "anomalies": [anomalies.read_anomaly(a) for a in found.items],
        "judgements": list(Judgement),
        "detectors": list(DetectorKind),
        "may_manage": anomalies.may_manage(session, actor, series.service),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "anomalies/series.html", context, status=status)


@router.get("/series/{key}")
def series_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _series_page(request, session, actor, key)


@router.post("/series/{key}/edit")
def edit_series(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.SeriesUpdate, form)
        return anomalies.update_series(session, actor=actor, key=key, data=data)

    again = partial(_series_page, request, session, actor, key)
    return saved_or_again(session, "edit", form, change, page=again, then=f"/series/{key}")


@router.post("/series/{key}/remove")
def remove_series(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> None:
        version = parse_form(schemas.SeriesRemoval, form).version
        anomalies.remove_series(session, actor=actor, key=key, version=version)

    again = partial(_series_page, request, session, actor, key)
    return saved_or_again(session, "remove", form, change, page=again, then="/series")


@router.get("/series/{key}/chart.svg")
def series_chart(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    """The series' chart as an image of its own, for pages that show an anomaly's alert."""
    series = anomalies.get_series(session, actor=actor, key=key)
    chart = anomalies.chart(session, actor=actor, key=key)
    if chart is None:
        return Response(status_code=204)
    templates: Jinja2Templates = request.app.state.templates
    context = {"chart": chart, "name": series.name}
    return templates.TemplateResponse(
        request, "anomalies/chart.svg", context, media_type="image/svg+xml"
    )


@router.post("/anomalies/{key}/judgement")
def judge_anomaly(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    series = anomalies.get_anomaly(session, actor=actor, key=key).series.key

    def change() -> str:
        data = parse_form(schemas.JudgementIn, form)
        return feedback.judge(session, actor=actor, key=key, data=data).key

    outcome = attempt(session, "judge", form, change)
    if isinstance(outcome, Failure):
        return _series_page(request, session, actor, series, outcome)
    return see_other(f"/series/{series}#anomalies-title")

"""Watched series in the browser: the list (and watching a new one), and a series' page with
its chart, the points it skipped and the anomalies it raised."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.anomalies import domain, feedback, schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import DetectorKind, Judgement
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog.pages import ListPlatform
from opsroom.web.pages import Failure, Posted, attempt, parse_form, render, see_other

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
        "size": (domain.CHART_WIDTH, domain.CHART_HEIGHT),
        "anomalies": [anomalies.read_anomaly(a) for a in found.items],
        "judgements": list(Judgement),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "anomalies/series.html", context, status=status)


@router.get("/series/{key}")
def series_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _series_page(request, session, actor, key)


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

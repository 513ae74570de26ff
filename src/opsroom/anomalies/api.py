"""/api/v1/series and /api/v1/anomalies: watched series, the points pushed to them, the
anomalies their detectors found, responders' verdicts on them and the precision they make."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from opsroom.anomalies import feedback, schemas
from opsroom.anomalies import service as anomalies
from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import PageOut, errors

router = APIRouter(prefix="/api/v1", tags=["anomalies"])


@router.get("/series", responses=errors())
def list_series(
    session: DbSession, actor: Actor, platform: PlatformFilter, service: str | None = None
) -> list[schemas.SeriesRead]:
    found = anomalies.list_series(session, actor=actor, service=service, platform=platform)
    return [anomalies.read(s) for s in found]


@router.post("/series", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_series(
    session: DbSession, actor: Actor, data: schemas.SeriesCreate
) -> schemas.SeriesRead:
    """Watch a series of a service; its anomalies become alerts of that service."""
    return anomalies.read(anomalies.create_series(session, actor=actor, data=data))


@router.get("/series/{key}", responses=errors(404))
def get_series(session: DbSession, actor: Actor, key: str) -> schemas.SeriesRead:
    return anomalies.read(anomalies.get_series(session, actor=actor, key=key))


@router.patch("/series/{key}", responses=errors(404, 409))
def update_series(
    session: DbSession, actor: Actor, key: str, data: schemas.SeriesUpdate
) -> schemas.SeriesRead:
    """Rename, retune or re-source a series; a new detector or step learns afresh."""
    return anomalies.read(anomalies.update_series(session, actor=actor, key=key, data=data))


@router.delete("/series/{key}", responses=errors(404, 409))
def remove_series(
    session: DbSession,
    actor: Actor,
    key: str,
    version: Annotated[int, Query(description="the version read; a stale one is refused")],
) -> schemas.SeriesRead:
    """Stop watching a series: its points and anomalies go, a firing alert resolves. The
    answer is the series as it was."""
    removed = anomalies.remove_series(session, actor=actor, key=key, version=version)
    return anomalies.read(removed)


@router.post("/series/{key}/points", responses=errors(404))
def push_points(
    session: DbSession, actor: Actor, key: str, data: schemas.PointsIn
) -> schemas.PointsResult:
    """Score a batch of points in order. A value that is not a number is refused (422, the
    whole batch); NaN, infinities and timestamps not after the last one kept are skipped
    and counted on the series."""
    return anomalies.push_points(session, actor=actor, key=key, data=data)


@router.post("/series/points", responses=errors())
def push_many(session: DbSession, actor: Actor, data: schemas.ManyPointsIn) -> schemas.PointsResult:
    """Points for many series at once (each named once), scored as for one; an unknown or
    repeated series refuses the whole request with its field named. The totals."""
    return anomalies.push_many(session, actor=actor, data=data)


@router.get("/anomalies", responses=errors())
def list_anomalies(
    session: DbSession,
    actor: Actor,
    series: str | None = None,
    service: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.AnomalyRead]:
    page = anomalies.list_anomalies(
        session, actor=actor, series=series, service=service, limit=limit, cursor=cursor
    )
    return PageOut(
        items=[anomalies.read_anomaly(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.get("/anomalies/precision", responses=errors())
def anomaly_precision(
    session: DbSession, actor: Actor, service: str | None = None
) -> list[schemas.PrecisionRow]:
    """Per detector and service: the anomalies judged real, noise, or not yet, and the share
    of judged ones that were real."""
    return feedback.precision(session, actor=actor, service=service)


@router.post("/anomalies/{key}/judgement", responses=errors(404, 409))
def judge_anomaly(
    session: DbSession, actor: Actor, key: str, data: schemas.JudgementIn
) -> schemas.AnomalyRead:
    """Real or noise, once: noise raises the series' threshold, real lowers it."""
    judged = feedback.judge(session, actor=actor, key=key, data=data)
    return anomalies.read_anomaly(judged)


@router.get("/anomalies/{key}", responses=errors(404))
def get_anomaly(session: DbSession, actor: Actor, key: str) -> schemas.AnomalyRead:
    return anomalies.read_anomaly(anomalies.get_anomaly(session, actor=actor, key=key))

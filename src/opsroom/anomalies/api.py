"""/api/v1/series and /api/v1/anomalies: watched series, the points pushed to them, and the
anomalies their detectors found."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from opsroom.anomalies import schemas
from opsroom.anomalies import service as anomalies
from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import PageOut, errors

router = APIRouter(prefix="/api/v1", tags=["anomalies"])


@router.get("/series", responses=errors())
def list_series(
    session: DbSession, actor: Actor, service: str | None = None
) -> list[schemas.SeriesRead]:
    return [anomalies.read(s) for s in anomalies.list_series(session, actor=actor, service=service)]


@router.post("/series", status_code=status.HTTP_201_CREATED, responses=errors(409))
def create_series(
    session: DbSession, actor: Actor, data: schemas.SeriesCreate
) -> schemas.SeriesRead:
    """Watch a series of a service; its anomalies become alerts of that service."""
    return anomalies.read(anomalies.create_series(session, actor=actor, data=data))


@router.get("/series/{key}", responses=errors(404))
def get_series(session: DbSession, actor: Actor, key: str) -> schemas.SeriesRead:
    return anomalies.read(anomalies.get_series(session, actor=actor, key=key))


@router.post("/series/{key}/points", responses=errors(404))
def push_points(
    session: DbSession, actor: Actor, key: str, data: schemas.PointsIn
) -> schemas.PointsResult:
    """Score a batch of points in order. A value that is not a number is refused (422, the
    whole batch); NaN, infinities and timestamps not after the last one kept are skipped
    and counted on the series."""
    return anomalies.push_points(session, actor=actor, key=key, data=data)


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


@router.get("/anomalies/{key}", responses=errors(404))
def get_anomaly(session: DbSession, actor: Actor, key: str) -> schemas.AnomalyRead:
    return anomalies.read_anomaly(anomalies.get_anomaly(session, actor=actor, key=key))

"""Series polled from a real Prometheus: the worker's timer asks the series' instant query
of its server, scores the sample as a point, and polls again after the series' interval.
A failed poll (unreachable, refused query, an answer that is not one sample) is kept on the
series and shown on its page until a poll succeeds."""

from __future__ import annotations

from datetime import timedelta

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.anomalies import domain
from opsroom.anomalies.models import WatchedSeries
from opsroom.anomalies.service import schedule_poll, take
from opsroom.infra import clock
from opsroom.jobs.domain import Due

TIMEOUT_SECONDS = 5.0
MOST_ERROR = 2000  # characters of an error kept


def poll(session: Session, timer: Due) -> None:
    series = session.scalar(select(WatchedSeries).where(WatchedSeries.key == timer.subject))
    if series is None or not series.query or not series.prometheus_url:
        return  # removed, or no longer polled
    try:
        at, value = domain.sample_of(_ask(series.prometheus_url, series.query))
    except domain.SourceError as exc:
        series.source_error, series.source_error_at = str(exc)[:MOST_ERROR], clock.now()
    else:
        take(session, series, [(at, value)])
        series.source_error = series.source_error_at = None
    schedule_poll(session, series.key, clock.now() + timedelta(seconds=series.poll_seconds))


def _ask(base: str, query: str) -> dict[str, object]:
    """Prometheus' answer to an instant query at its own present moment."""
    import httpx  # loaded by the first poll, not when every command starts

    url = base.rstrip("/") + "/api/v1/query"
    try:
        response = httpx.post(url, data={"query": query}, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise domain.SourceError(f"cannot reach Prometheus at {base}: {exc}") from None
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise domain.SourceError(
            f"Prometheus at {base} answered {response.status_code} without JSON"
        ) from None
    if not isinstance(answer, dict):
        raise domain.SourceError(f"Prometheus at {base} answered something else than an object")
    return answer

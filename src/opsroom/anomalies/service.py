"""Watched series: metric series of a service whose points are scored on arrival by the
series' detector, its state kept on the series so a restart resumes where it stopped; an
anomalous point becomes an anomaly and an alert of the service in opsroom's own pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from opsroom.alerts import service as alerts
from opsroom.anomalies import alerting, domain, schemas
from opsroom.anomalies.domain import Detector, DetectorKind, Judgement
from opsroom.anomalies.models import Anomaly, SeriesPoint, WatchedSeries
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock, keys
from opsroom.infra.errors import Conflict, Forbidden, NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.jobs import service as jobs

PREFIX = "ANM"
CHART_POINTS = 300
POLL_TIMER = "anomalies.poll"


def _snapshot(series: WatchedSeries) -> dict[str, Any]:
    return {
        "name": series.name,
        "detector": series.detector,
        "sensitivity": series.sensitivity,
        "threshold": series.threshold,
        "step_seconds": series.step_seconds,
        "prometheus_url": series.prometheus_url,
        "query": series.query,
        "poll_seconds": series.poll_seconds,
    }


SERIES = Record("series", _snapshot, named="series {key}")


def _audit(session: Session, actor: Principal, action: str, series: WatchedSeries) -> None:
    SERIES.audited(session, series, actor, action, None)


def may_manage(session: Session, actor: Principal, service: str) -> bool:
    """Whether the actor may watch, change or stop watching the service's series."""
    return alerts.management(session, actor, service).allowed


def _require_owner(session: Session, actor: Principal, service: str) -> None:
    decision = alerts.management(session, actor, service)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def _known_service(session: Session, slug: str) -> str:
    try:
        return catalog.get_service(session, slug).slug
    except NotFound:
        raise ValidationFailed(
            f"no service '{slug}'", fields={"service": "unknown service"}
        ) from None


def create_series(
    session: Session, *, actor: Principal, data: schemas.SeriesCreate
) -> WatchedSeries:
    """A series watched by its detector; its anomalies are alerts of its service."""
    service = _known_service(session, data.service)
    _polled_with_both(data)
    _require_owner(session, actor, service)
    if session.scalar(select(WatchedSeries.id).where(WatchedSeries.key == data.key)):
        raise Conflict(f"a series '{data.key}' exists", fields={"key": "taken"})
    alerting.prepare(session, actor=actor, service=service)
    detector = Detector(data.detector, domain.season_of(data.step_seconds))
    series = WatchedSeries(
        key=data.key,
        name=data.name,
        service_slug=service,
        detector=data.detector,
        sensitivity=data.sensitivity,
        threshold=domain.threshold_for(data.detector, data.sensitivity),
        step_seconds=data.step_seconds,
        state=detector.dump(),
        prometheus_url=None if data.prometheus_url is None else str(data.prometheus_url),
        query=data.query,
        poll_seconds=data.poll_seconds if data.query else 0,
        created_by=str(actor),
    )
    session.add(series)
    session.flush()
    if series.query:
        schedule_poll(session, series.key, clock.now())
    _audit(session, actor, "series.created", series)
    return series


def schedule_poll(session: Session, key: str, due_at: datetime) -> None:
    """The series' next poll of its Prometheus: a durable timer, so a restart or a second
    worker changes nothing."""
    jobs.schedule(session, kind=POLL_TIMER, subject=key, due_at=due_at)


def _polled_with_both(data: schemas.SeriesCreate) -> None:
    if (data.prometheus_url is None) == (data.query is None):
        return
    missing = "query" if data.query is None else "prometheus_url"
    raise ValidationFailed(
        "a series polled from Prometheus names its server and its query",
        fields={missing: "needed with " + ("prometheus_url" if missing == "query" else "query")},
    )


def update_series(
    session: Session, *, actor: Principal, key: str, data: schemas.SeriesUpdate
) -> WatchedSeries:
    """Change a series as `SeriesUpdate` says, refused whole when anything is wrong."""
    series = SERIES.held(get_series(session, actor=actor, key=key), data.version)
    _require_owner(session, actor, series.service_slug)
    before = _snapshot(series)
    merged = _as_created(series, data)
    _polled_with_both(merged)
    if (merged.detector, merged.sensitivity) != (series.detector, series.sensitivity):
        series.threshold = domain.threshold_for(merged.detector, merged.sensitivity)
    _learn_afresh(series, merged)
    series.name, series.sensitivity = merged.name, merged.sensitivity
    _poll_as(session, series, merged)
    return SERIES.saved(session, series, actor, "series.updated", before)


def _as_created(series: WatchedSeries, data: schemas.SeriesUpdate) -> schemas.SeriesCreate:
    """The series as it would be created with the update applied."""
    now = schemas.SeriesCreate(
        key=series.key,
        name=series.name,
        service=series.service_slug,
        detector=DetectorKind(series.detector),
        sensitivity=series.sensitivity,
        step_seconds=series.step_seconds,
        prometheus_url=series.prometheus_url,
        query=series.query,
        poll_seconds=series.poll_seconds
        or schemas.SeriesCreate.model_fields["poll_seconds"].default,
    )
    return now.model_copy(update=data.model_dump(exclude_unset=True, exclude={"version"}))


def _learn_afresh(series: WatchedSeries, wanted: schemas.SeriesCreate) -> None:
    """A new detector or sampling step forgets what the old one learnt."""
    if (series.detector, series.step_seconds) == (wanted.detector, wanted.step_seconds):
        return
    series.detector, series.step_seconds = wanted.detector, wanted.step_seconds
    series.state = Detector(wanted.detector, domain.season_of(wanted.step_seconds)).dump()


def _poll_as(session: Session, series: WatchedSeries, wanted: schemas.SeriesCreate) -> None:
    was_polled = bool(series.query)
    series.prometheus_url = None if wanted.prometheus_url is None else str(wanted.prometheus_url)
    series.query = wanted.query
    series.poll_seconds = wanted.poll_seconds if wanted.query else 0
    if series.query and not was_polled:
        schedule_poll(session, series.key, clock.now())
    elif was_polled and not series.query:
        jobs.cancel(session, subject=series.key, kind=POLL_TIMER)


def remove_series(session: Session, *, actor: Principal, key: str, version: int) -> WatchedSeries:
    """Stop watching a series: its points and anomalies go with it, an alert it has firing
    is resolved, and its polls stop."""
    series = SERIES.held(get_series(session, actor=actor, key=key), version)
    _require_owner(session, actor, series.service_slug)
    if series.anomalous_since is not None:
        news = [alerting.resolved(series.key, series.service_slug, clock.now())]
        alerting.send(session, series.service_slug, news)
    jobs.cancel(session, subject=series.key, kind=POLL_TIMER)
    SERIES.removed(session, series, actor, "series.removed")
    return series


def get_series(session: Session, *, actor: Principal, key: str) -> WatchedSeries:
    require(actor, Action.READ)
    series = session.scalar(select(WatchedSeries).where(WatchedSeries.key == key))
    if series is None:
        raise NotFound(f"no series '{key}'")
    return series


def list_series(
    session: Session, *, actor: Principal, service: str | None = None, platform: str | None = None
) -> list[WatchedSeries]:
    require(actor, Action.READ)
    query = select(WatchedSeries).order_by(WatchedSeries.key)
    if service:
        query = query.where(WatchedSeries.service_slug == service)
    if platform:
        query = query.where(WatchedSeries.service_slug.in_(catalog.services_on(platform)))
    return list(session.scalars(query))


def push_points(
    session: Session, *, actor: Principal, key: str, data: schemas.PointsIn
) -> schemas.PointsResult:
    """Score the points in order of their timestamps as sent: NaN or infinite values and
    timestamps not after the last one kept are skipped and counted on the series. Anomalies
    raise alerts of the series' service."""
    require(actor, Action.WORK_INCIDENTS)
    series = get_series(session, actor=actor, key=key)
    sent = [(point.timestamp.timestamp(), point.value) for point in data.points]
    return take(session, series, sent)


def push_many(
    session: Session, *, actor: Principal, data: schemas.ManyPointsIn
) -> schemas.PointsResult:
    """Points for many series in one unit of work, as `push_points` takes them for one; an
    unknown or repeated series refuses the whole request."""
    require(actor, Action.WORK_INCIDENTS)
    wanted = [batch.series for batch in data.batches]
    found = {
        s.key: s
        for s in session.scalars(select(WatchedSeries).where(WatchedSeries.key.in_(wanted)))
    }
    _all_named_once(wanted, found)
    taken = [
        _take(session, found[b.series], [(p.timestamp.timestamp(), p.value) for p in b.points])
        for b in data.batches
    ]
    _keep(session, [row for _, rows in taken for row in rows])
    results = [result for result, _ in taken]
    return schemas.PointsResult(
        accepted=sum(r.accepted for r in results),
        skipped_not_finite=sum(r.skipped_not_finite for r in results),
        skipped_out_of_order=sum(r.skipped_out_of_order for r in results),
        anomalies=[key for r in results for key in r.anomalies],
    )


def _all_named_once(wanted: list[str], found: dict[str, WatchedSeries]) -> None:
    problems: dict[str, str] = {}
    seen: set[str] = set()
    for n, key in enumerate(wanted):
        if key not in found:
            problems[f"batches.{n}.series"] = "unknown series"
        elif key in seen:
            problems[f"batches.{n}.series"] = "named twice"
        seen.add(key)
    if problems:
        raise ValidationFailed("every series must exist and be named once", fields=problems)


def take(
    session: Session, series: WatchedSeries, sent: list[tuple[float, float]]
) -> schemas.PointsResult:
    """Points (Unix time, value) into the series, from a caller allowed to give them."""
    result, rows = _take(session, series, sent)
    _keep(session, rows)
    return result


Row = dict[str, Any]


def _take(
    session: Session, series: WatchedSeries, sent: list[tuple[float, float]]
) -> tuple[schemas.PointsResult, list[Row]]:
    """What the points did to the series, and the rows of the points it kept."""
    last = series.last_at.timestamp() if series.last_at else None
    admission = domain.admit(last, sent)
    series.skipped_not_finite += admission.not_finite
    series.skipped_out_of_order += admission.out_of_order
    raised, rows = _score(session, series, admission.accepted)
    result = schemas.PointsResult(
        accepted=len(admission.accepted),
        skipped_not_finite=admission.not_finite,
        skipped_out_of_order=admission.out_of_order,
        anomalies=[anomaly.key for anomaly in raised],
    )
    return result, rows


def _keep(session: Session, rows: list[Row]) -> None:
    """The scored points, in one statement however many series they belong to."""
    if rows:
        session.execute(insert(SeriesPoint), rows)


def _score(
    session: Session, series: WatchedSeries, points: list[tuple[float, float]]
) -> tuple[list[Anomaly], list[Row]]:
    detector = Detector.load(series.state)
    raised: list[Anomaly] = []
    news: list[dict[str, object]] = []
    rows: list[Row] = []
    for stamp, value in points:
        first = detector.count == 0
        verdict = detector.score(value)
        band = (value, value) if first else (verdict.expected_low, verdict.expected_high)
        point = {
            "series_id": series.id,
            "at": datetime.fromtimestamp(stamp, UTC),
            "value": value,
            "score": verdict.score,
            "expected_low": band[0],
            "expected_high": band[1],
        }
        rows.append(point)
        _follow(session, series, point, raised, news)
    series.state = detector.dump()
    series.points += len(points)
    if points:
        series.last_at = datetime.fromtimestamp(points[-1][0], UTC)
    alerting.send(session, series.service_slug, news)
    return raised, rows


def _follow(
    session: Session,
    series: WatchedSeries,
    point: Row,
    raised: list[Anomaly],
    news: list[dict[str, object]],
) -> None:
    """A point at or over the threshold is an anomaly and starts or continues the series'
    anomalous run (its alert fires); the first point under it ends the run (resolved)."""
    if point["score"] >= series.threshold:
        series.anomalous_since = series.anomalous_since or point["at"]
        anomaly = _anomaly(session, series, point)
        raised.append(anomaly)
        news.append(alerting.firing(series.key, series.service_slug, anomaly))
    elif series.anomalous_since is not None:
        series.anomalous_since = None
        news.append(alerting.resolved(series.key, series.service_slug, point["at"]))


def _anomaly(session: Session, series: WatchedSeries, point: Row) -> Anomaly:
    anomaly = Anomaly(
        number=keys.next_number(session, PREFIX),
        series_id=series.id,
        service_slug=series.service_slug,
        detector=series.detector,
        at=point["at"],
        since=series.anomalous_since,
        value=point["value"],
        score=point["score"],
        threshold=series.threshold,
        expected_low=point["expected_low"],
        expected_high=point["expected_high"],
        alert_fingerprint=alerting.fingerprint(series.key),
    )
    session.add(anomaly)
    return anomaly


def read(series: WatchedSeries) -> schemas.SeriesRead:
    return schemas.SeriesRead(
        key=series.key,
        name=series.name,
        service=series.service_slug,
        detector=DetectorKind(series.detector),
        sensitivity=series.sensitivity,
        threshold=series.threshold,
        step_seconds=series.step_seconds,
        points=series.points,
        skipped_not_finite=series.skipped_not_finite,
        skipped_out_of_order=series.skipped_out_of_order,
        last_at=series.last_at,
        anomalous_since=series.anomalous_since,
        state_bytes=len(series.state),
        prometheus_url=series.prometheus_url,
        query=series.query,
        poll_seconds=series.poll_seconds,
        source_error=series.source_error,
        source_error_at=series.source_error_at,
        created_at=series.created_at,
        version=series.version,
    )


def _anomalies_query(series: str | None, service: str | None) -> Select[Anomaly]:
    query = select(Anomaly)
    if series:
        query = query.join(WatchedSeries, WatchedSeries.id == Anomaly.series_id).where(
            WatchedSeries.key == series
        )
    if service:
        query = query.where(Anomaly.service_slug == service)
    return query


def list_anomalies(
    session: Session,
    *,
    actor: Principal,
    series: str | None = None,
    service: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Anomaly]:
    require(actor, Action.READ)
    query = _anomalies_query(series, service)
    return paginate(session, query, Anomaly.number, limit=limit, cursor=cursor, descending=True)


def get_anomaly(session: Session, *, actor: Principal, key: str) -> Anomaly:
    require(actor, Action.READ)
    return keys.find(session, select(Anomaly), Anomaly.number, key, PREFIX, "anomaly")


def read_anomaly(anomaly: Anomaly) -> schemas.AnomalyRead:
    return schemas.AnomalyRead(
        key=anomaly.key,
        series=anomaly.series.key,
        service=anomaly.service_slug,
        detector=DetectorKind(anomaly.detector),
        at=anomaly.at,
        since=anomaly.since,
        value=anomaly.value,
        score=anomaly.score,
        threshold=anomaly.threshold,
        expected_low=anomaly.expected_low,
        expected_high=anomaly.expected_high,
        alert_fingerprint=anomaly.alert_fingerprint,
        judgement=None if anomaly.judgement is None else Judgement(anomaly.judgement),
        judged_by=anomaly.judged_by,
        judged_at=anomaly.judged_at,
    )


def chart(session: Session, *, actor: Principal, key: str) -> domain.Chart | None:
    """The series' latest points, their expected band and its anomalies, drawn."""
    return _drawn(session, get_series(session, actor=actor, key=key))


def incident_charts(
    session: Session, *, actor: Principal, key: str
) -> list[schemas.SeriesChartRead]:
    """The series whose anomalies are alerts of the incident, each with its chart and its
    latest anomaly: what a responder checks the alerts against."""
    alerted = alerts.incident_alerts(session, actor=actor, key=key).alerts
    fingerprints = {a.fingerprint for a in alerted if a.fingerprint.startswith(alerting.PREFIX)}
    found = select(WatchedSeries).where(
        WatchedSeries.key.in_([f.removeprefix(alerting.PREFIX) for f in fingerprints])
    )
    return [
        _charted(session, series) for series in session.scalars(found.order_by(WatchedSeries.key))
    ]


def _charted(session: Session, series: WatchedSeries) -> schemas.SeriesChartRead:
    latest = session.scalars(
        select(Anomaly).where(Anomaly.series_id == series.id).order_by(Anomaly.at.desc()).limit(1)
    ).first()
    return schemas.SeriesChartRead(
        series=read(series),
        chart=_drawn(session, series),
        latest=None if latest is None else read_anomaly(latest),
    )


def _drawn(session: Session, series: WatchedSeries) -> domain.Chart | None:
    latest = (
        select(SeriesPoint)
        .where(SeriesPoint.series_id == series.id)
        .order_by(SeriesPoint.at.desc())
        .limit(CHART_POINTS)
    )
    points = [
        domain.ChartPoint(
            p.at.timestamp(), p.value, p.expected_low, p.expected_high, p.score >= series.threshold
        )
        for p in reversed(list(session.scalars(latest)))
    ]
    return domain.chart(points)

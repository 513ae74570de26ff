"""Responders' verdicts on anomalies: each one judged real or noise moves its series'
threshold, and the share of real ones is the precision of each detector on each service."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.anomalies import domain, schemas
from opsroom.anomalies.domain import DetectorKind, Judgement
from opsroom.anomalies.models import Anomaly
from opsroom.anomalies.service import get_anomaly
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.infra import clock
from opsroom.infra.errors import Conflict


def judge(session: Session, *, actor: Principal, key: str, data: schemas.JudgementIn) -> Anomaly:
    """Once per anomaly: a second verdict would move the threshold twice for one point."""
    require(actor, Action.WORK_INCIDENTS)
    anomaly = get_anomaly(session, actor=actor, key=key)
    if anomaly.judgement is not None:
        raise Conflict(
            f"{anomaly.key} was judged {anomaly.judgement} already",
            fields={"judgement": "already given"},
        )
    series = anomaly.series
    before = series.threshold
    series.threshold = domain.adapted_threshold(before, data.judgement)
    anomaly.judgement, anomaly.judged_by, anomaly.judged_at = (
        data.judgement,
        str(actor),
        clock.now(),
    )
    audit.record(
        session,
        actor=str(actor),
        action=f"anomaly.judged_{data.judgement}",
        subject_type="series",
        subject_key=series.key,
        before={"threshold": before},
        after={"threshold": series.threshold, "anomaly": anomaly.key},
    )
    return anomaly


def precision(
    session: Session, *, actor: Principal, service: str | None = None
) -> list[schemas.PrecisionRow]:
    """Per detector and service: anomalies judged real, judged noise, not judged yet."""
    require(actor, Action.READ)
    query = select(
        Anomaly.detector, Anomaly.service_slug, Anomaly.judgement, func.count()
    ).group_by(Anomaly.detector, Anomaly.service_slug, Anomaly.judgement)
    if service:
        query = query.where(Anomaly.service_slug == service)
    counts: dict[tuple[str, str], dict[str | None, int]] = {}
    for detector, slug, judgement, count in session.execute(query):
        counts.setdefault((detector, slug), {})[judgement] = count
    return [_row(detector, slug, counts[detector, slug]) for detector, slug in sorted(counts)]


def _row(detector: str, service: str, counts: dict[str | None, int]) -> schemas.PrecisionRow:
    real, noise = counts.get(Judgement.REAL, 0), counts.get(Judgement.NOISE, 0)
    return schemas.PrecisionRow(
        detector=DetectorKind(detector),
        service=service,
        real=real,
        noise=noise,
        unjudged=counts.get(None, 0),
        precision=domain.precision(real, noise),
    )

"""Changing and removing a watched series on both databases: a rename keeps what the detector
learnt, a new detector learns afresh, a new sensitivity sets the threshold anew, polling is
switched on and off with its timer, a stale or refused change changes nothing, and removing a
series takes its points and anomalies and resolves its firing alert."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.alerts import reports as alert_reports
from opsroom.alerts.domain import AlertStatus
from opsroom.anomalies import schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import Detector, DetectorKind, threshold_for
from opsroom.anomalies.models import Anomaly, SeriesPoint
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, Forbidden, NotFound, ValidationFailed
from opsroom.jobs import service as jobs
from tests.improvement import PAYMENTS_LEAD, RESPONDER, two_squads
from tests.service.anomalies.test_series import QUIET, batch, quiet_values, watched


@pytest.fixture(autouse=True)
def platform(session: Session, frozen_clock: clock.FrozenClock) -> None:
    two_squads(session)


def _update(session: Session, key: str, **changes: object) -> schemas.SeriesRead:
    version = anomalies.get_series(session, actor=RESPONDER, key=key).version
    data = schemas.SeriesUpdate.model_validate({"version": version, **changes})
    return anomalies.read(anomalies.update_series(session, actor=PAYMENTS_LEAD, key=key, data=data))


def _polls(session: Session, key: str) -> int:
    return sum(t.kind == anomalies.POLL_TIMER for t in jobs.pending(session, subject=key))


def _learnt(session: Session, key: str) -> int:
    """How many points the series' detector has learnt from."""
    return Detector.load(anomalies.get_series(session, actor=RESPONDER, key=key).state).count


def test_a_rename_keeps_the_learning_and_a_new_detector_starts_afresh(session: Session) -> None:
    key = watched(session)
    anomalies.push_points(session, actor=RESPONDER, key=key, data=batch(quiet_values()))
    renamed = _update(session, key, name="Checkout p99 latency")
    assert (renamed.name, renamed.version, _learnt(session, key)) == (
        "Checkout p99 latency",
        2,
        QUIET,
    )
    retuned = _update(session, key, detector="surprise", sensitivity=0.8)
    assert (retuned.detector, _learnt(session, key)) == (DetectorKind.SURPRISE, 0)
    assert retuned.threshold == threshold_for(DetectorKind.SURPRISE, 0.8)
    assert retuned.points == QUIET  # what was scored stays counted and charted


def test_polling_is_switched_on_and_off_with_its_timer(session: Session) -> None:
    key = watched(session)
    polled = _update(session, key, prometheus_url="http://127.0.0.1:9090", query="up")
    assert (polled.query, polled.poll_seconds, _polls(session, key)) == ("up", 60, 1)
    pushed = _update(session, key, prometheus_url=None, query=None)
    assert (pushed.query, pushed.poll_seconds, _polls(session, key)) == (None, 0, 0)


def test_refused_changes_change_nothing(session: Session) -> None:
    key = watched(session)
    with pytest.raises(ValidationFailed) as half:
        _update(session, key, query="up")
    assert half.value.fields == {"prometheus_url": "needed with query"}
    stale = schemas.SeriesUpdate(version=9, name="Stale")
    with pytest.raises(Conflict):
        anomalies.update_series(session, actor=PAYMENTS_LEAD, key=key, data=stale)
    current = schemas.SeriesUpdate(version=1, name="Not theirs")
    with pytest.raises(Forbidden):
        anomalies.update_series(session, actor=RESPONDER, key=key, data=current)
    with pytest.raises(Forbidden):
        anomalies.remove_series(session, actor=RESPONDER, key=key, version=1)
    kept = anomalies.read(anomalies.get_series(session, actor=RESPONDER, key=key))
    assert (kept.name, kept.version, kept.query) == ("Checkout latency", 1, None)


def test_removing_a_series_takes_its_points_and_anomalies_and_resolves_its_alert(
    session: Session,
) -> None:
    key = watched(session)
    anomalies.push_points(session, actor=RESPONDER, key=key, data=batch(quiet_values()))
    anomalies.push_points(session, actor=RESPONDER, key=key, data=batch([180.0], QUIET))
    version = anomalies.get_series(session, actor=RESPONDER, key=key).version
    anomalies.remove_series(session, actor=PAYMENTS_LEAD, key=key, version=version)
    with pytest.raises(NotFound):
        anomalies.get_series(session, actor=RESPONDER, key=key)
    assert session.scalar(select(func.count()).select_from(SeriesPoint)) == 0
    assert session.scalar(select(func.count()).select_from(Anomaly)) == 0
    (alert,) = alert_reports.search(session, actor=RESPONDER, service="checkout").items
    assert alert.status == AlertStatus.RESOLVED

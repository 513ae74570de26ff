"""Watched series on both databases: points scored in order with the detector's state kept on
the series (a new unit of work resumes it exactly), bad points skipped and counted, and the
path from an anomalous point to an alert of the service and the incident it opens."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.alerts import reports as alert_reports
from opsroom.alerts import schemas as alert_schemas
from opsroom.alerts import silences
from opsroom.alerts.domain import AlertStatus
from opsroom.anomalies import schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import WARMUP, Detector, DetectorKind
from opsroom.auth.domain import Principal
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, ValidationFailed
from tests.conftest import TEST_NOW
from tests.improvement import PAYMENTS_LEAD, RESPONDER, two_squads

STEP = timedelta(minutes=1)
QUIET = 300


def quiet_values(n: int = QUIET, seed: int = 3) -> list[float]:
    rng = random.Random(seed)
    return [100.0 + rng.uniform(-2.0, 2.0) for _ in range(n)]


def batch(values: list[float], start: int = 0) -> schemas.PointsIn:
    points = [
        schemas.PointIn(timestamp=TEST_NOW + (start + n) * STEP, value=value)
        for n, value in enumerate(values)
    ]
    return schemas.PointsIn(points=points)


def watched(
    session: Session,
    key: str = "checkout-latency",
    detector: DetectorKind = DetectorKind.ZSCORE,
    actor: Principal = PAYMENTS_LEAD,
) -> str:
    data = schemas.SeriesCreate(
        key=key, name="Checkout latency", service="checkout", detector=detector
    )
    return anomalies.create_series(session, actor=actor, data=data).key


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def test_a_restart_resumes_the_detector_where_it_stopped(settings: Settings) -> None:
    values = quiet_values(WARMUP + 100)
    with session_scope(settings) as s:
        two_squads(s)
        key = watched(s, detector=DetectorKind.SURPRISE)
        anomalies.push_points(s, actor=RESPONDER, key=key, data=batch(values[:200]))
    with session_scope(settings) as s:
        anomalies.push_points(s, actor=RESPONDER, key=key, data=batch(values[200:], start=200))
    with session_scope(settings) as s:
        series = anomalies.get_series(s, actor=RESPONDER, key=key)
        in_memory = Detector(DetectorKind.SURPRISE)
        for value in values:
            in_memory.score(value)
        assert series.state == in_memory.dump()
        assert (series.points, series.last_at) == (len(values), TEST_NOW + 249 * STEP)


def test_bad_points_are_skipped_and_counted(platform: Session) -> None:
    key = watched(platform)
    sent = [(0, 1.0), (1, math.nan), (2, math.inf), (3, 2.0), (3, 5.0), (1, 6.0), (4, -math.inf)]
    points = [schemas.PointIn(timestamp=TEST_NOW + n * STEP, value=v) for n, v in sent]
    result = anomalies.push_points(
        platform, actor=RESPONDER, key=key, data=schemas.PointsIn(points=points)
    )
    assert (result.accepted, result.skipped_not_finite, result.skipped_out_of_order) == (2, 3, 2)
    again = anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch([7.0], start=3))
    assert again.skipped_out_of_order == 1
    read = anomalies.read(anomalies.get_series(platform, actor=RESPONDER, key=key))
    assert (read.points, read.skipped_not_finite, read.skipped_out_of_order) == (2, 3, 3)


def test_an_anomaly_becomes_an_alert_of_the_service_that_opens_an_incident(
    platform: Session,
) -> None:
    key = watched(platform)
    quiet = anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch(quiet_values()))
    assert quiet.anomalies == []
    spike = anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch([180.0], QUIET))
    (anomaly_key,) = spike.anomalies
    anomaly = anomalies.read_anomaly(
        anomalies.get_anomaly(platform, actor=RESPONDER, key=anomaly_key)
    )
    assert anomaly.expected_high < anomaly.value == 180.0
    assert anomaly.score >= anomaly.threshold
    assert anomaly.since == TEST_NOW + QUIET * STEP
    (alert,) = alert_reports.search(platform, actor=RESPONDER, service="checkout").items
    read = alert_reports.read_alert(alert)
    assert read.status == AlertStatus.FIRING and read.labels["series"] == key
    assert read.annotations["anomaly"] == anomaly_key
    assert read.annotations["observed"] == "180"
    assert read.annotations["since"] == anomaly.since.isoformat()
    assert "expected_band" in read.annotations and read.incident is not None
    incident = incidents.get(platform, actor=RESPONDER, key=read.incident)
    assert [s.service_slug for s in incident.services] == ["checkout"]


def test_the_run_ends_with_a_normal_point_and_a_new_run_joins_the_open_incident(
    platform: Session,
) -> None:
    key = watched(platform)
    anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch(quiet_values()))
    anomalies.push_points(
        platform, actor=RESPONDER, key=key, data=batch([180.0, 181.0, 100.0], QUIET)
    )
    assert anomalies.get_series(platform, actor=RESPONDER, key=key).anomalous_since is None
    (first,) = alert_reports.search(platform, actor=RESPONDER, service="checkout").items
    assert (first.status, first.count) == (AlertStatus.RESOLVED, 2)  # the repeat was de-duplicated
    anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch([185.0], QUIET + 3))
    second, _ = alert_reports.search(platform, actor=RESPONDER, service="checkout").items
    assert second.status == AlertStatus.FIRING
    assert second.incident_number == first.incident_number  # grouped by service


def test_refusals_change_nothing(platform: Session) -> None:
    key = watched(platform)
    with pytest.raises(Conflict):
        watched(platform, key=key)
    data = schemas.SeriesCreate(key="other", name="Other", service="nope")
    with pytest.raises(ValidationFailed) as refused:
        anomalies.create_series(platform, actor=PAYMENTS_LEAD, data=data)
    assert refused.value.fields == {"service": "unknown service"}
    with pytest.raises(Forbidden):
        watched(platform, key="by-a-responder", actor=RESPONDER)
    assert [s.key for s in anomalies.list_series(platform, actor=RESPONDER)] == [key]


def test_a_silence_on_the_series_keeps_its_anomaly_from_opening_an_incident(
    platform: Session,
) -> None:
    key = watched(platform)
    quiet = {"matchers": [f'series="{key}"'], "comment": "load test tonight"}
    until = TEST_NOW + timedelta(days=1)
    silences.create_silence(
        platform, actor=RESPONDER, data=alert_schemas.SilenceCreate(**quiet, ends_at=until)
    )
    anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch(quiet_values()))
    spike = anomalies.push_points(platform, actor=RESPONDER, key=key, data=batch([180.0], QUIET))
    assert len(spike.anomalies) == 1
    (alert,) = alert_reports.search(platform, actor=RESPONDER, service="checkout").items
    assert alert.suppressed_by is not None and alert.incident_number is None

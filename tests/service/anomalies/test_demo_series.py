"""The demo's watched series: a day of points whose step raised an anomaly, an alert and the
incident it opened, judged real; loading it again changes nothing."""

from __future__ import annotations

from opsroom.alerts import reports as alert_reports
from opsroom.anomalies import feedback
from opsroom.anomalies import service as anomalies
from opsroom.demo import anomalies as demo_series
from opsroom.incidents import service as incidents
from opsroom.infra.db import session_scope
from tests.conftest import ADMIN, TEST_NOW, DemoHistory


def test_the_demo_series_has_an_anomaly_that_opened_an_incident(history: DemoHistory) -> None:
    with session_scope(history.settings) as s:
        assert demo_series.load(s, actor=ADMIN, now=TEST_NOW) == 1
        assert demo_series.load(s, actor=ADMIN, now=TEST_NOW) == 0
        series = anomalies.read(anomalies.get_series(s, actor=ADMIN, key=demo_series.SERIES))
        found = anomalies.list_anomalies(s, actor=ADMIN, series=demo_series.SERIES).items
        (alert, *_) = alert_reports.search(s, actor=ADMIN, service=demo_series.SERVICE).items
        assert alert.incident_number is not None
        incident = incidents.get(s, actor=ADMIN, key=f"INC-{alert.incident_number}")
        (row,) = feedback.precision(s, actor=ADMIN, service=demo_series.SERVICE)
        chart = anomalies.chart(s, actor=ADMIN, key=demo_series.SERIES)
        services = [s.service_slug for s in incident.services]
        first = anomalies.read_anomaly(found[-1])
    assert series.points == demo_series.POINTS and series.last_at == TEST_NOW
    assert (
        first.at == TEST_NOW - (demo_series.POINTS - demo_series.BACKED_UP - 1) * demo_series.STEP
    )
    assert alert.annotations["anomaly"] == first.key
    assert services == [demo_series.SERVICE] and len(found) == 1
    assert (row.real, row.precision) == (1, 1.0)
    assert chart is not None and chart.marks

"""What each chart of the dashboard and the KPI page shows, as the data static/charts.js
hands to Chart.js."""

from __future__ import annotations

from typing import Any

from opsroom.kpis import schemas
from opsroom.kpis.domain import Measure

Chart = dict[str, Any]
NOISIEST = 5


def _series(label: str, values: list[Any]) -> dict[str, Any]:
    return {"label": label, "values": values}


def incidents_per_week(trend: schemas.WeeklyTrend) -> Chart:
    return {
        "type": "bar",
        "stacked": True,
        "labels": trend.weeks,
        "series": [_series(p, counts) for p, counts in trend.incidents_by_priority.items()],
    }


def _hours(seconds: list[float | None]) -> list[float | None]:
    return [None if s is None else round(s / 3600, 2) for s in seconds]


def mttr_trend(trend: schemas.WeeklyTrend) -> Chart:
    hours = _hours(trend.mttr_median)
    return {
        "type": "line",
        "labels": trend.weeks,
        "series": [_series("MTTR median (hours)", hours)],
    }


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 3)


def sla_by_squad(report: schemas.KpiReport) -> Chart:
    squads = report.by_squad
    return {
        "type": "bar",
        "max": 100,
        "labels": [g.key for g in squads],
        "series": [
            _series("Response SLA met (%)", [_pct(g.response_sla) for g in squads]),
            _series("Resolution SLA met (%)", [_pct(g.resolution_sla) for g in squads]),
        ],
    }


def availability_by_journey(report: schemas.KpiReport) -> Chart:
    journeys = report.journeys
    return {
        "type": "bar",
        "max": 100,
        "labels": [j.name for j in journeys],
        "series": [_series("Availability (%)", [_pct(j.availability) for j in journeys])],
    }


def noisy_sources(report: schemas.KpiReport) -> Chart:
    top = report.noise[:NOISIEST]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [n.key for n in top],
        "series": [_series("Notifications received", [n.received for n in top])],
    }


def incidents_per_month(trend: schemas.MonthlyTrend) -> Chart:
    return {
        "type": "bar",
        "labels": trend.months,
        "series": [_series("Incidents", trend.incidents), _series("Major", trend.major)],
    }


def times_per_month(trend: schemas.MonthlyTrend) -> Chart:
    return {
        "type": "line",
        "labels": trend.months,
        "series": [
            _series("MTTA median (hours)", _hours(trend.mtta_median)),
            _series("MTTR median (hours)", _hours(trend.mttr_median)),
        ],
    }


def sla_per_month(trend: schemas.MonthlyTrend) -> Chart:
    return {
        "type": "line",
        "max": 100,
        "labels": trend.months,
        "series": [
            _series("Response SLA met (%)", [_pct(v) for v in trend.response_sla]),
            _series("Resolution SLA met (%)", [_pct(v) for v in trend.resolution_sla]),
        ],
    }


def incidents_by_squad(report: schemas.KpiReport) -> Chart:
    squads = report.by_squad
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [g.key for g in squads],
        "series": [
            _series("Incidents", [g.incidents for g in squads]),
            _series("Major", [g.major for g in squads]),
        ],
    }


def mttr_by_squad(report: schemas.KpiReport) -> Chart:
    squads = report.by_squad
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [g.key for g in squads],
        "series": [
            _series(
                "MTTR median (hours)", _hours([g.times[Measure.MTTR.value].median for g in squads])
            )
        ],
    }

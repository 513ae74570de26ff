"""What each dashboard chart shows, as the data static/charts.js hands to Chart.js."""

from __future__ import annotations

from typing import Any

from opsroom.kpis import schemas

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


def mttr_trend(trend: schemas.WeeklyTrend) -> Chart:
    hours = [None if s is None else round(s / 3600, 2) for s in trend.mttr_median]
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

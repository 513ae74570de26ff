"""SLO attainment as the KPI report shows it: a table of each SLO over the period, with the
SLA of the vendors running its service beside it, and its CSV rows."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from opsroom.kpis import schemas
from opsroom.vendors.schemas import VendorSlaRead

NONE = "n/a"
HEAD = ["SLO", "on", "owner", "objective", "attained", "met", "vendor SLA"]


def _percent(value: float | None, digits: int = 3) -> str:
    return NONE if value is None else f"{value:.{digits}f} %"


def _verdict(line: schemas.SloLineRead) -> str:
    if line.met is None:
        return f"not measured: {line.unmeasured}" if line.unmeasured else "not measured"
    return "met" if line.met else "missed"


def _vendor(v: VendorSlaRead, attained: float | None) -> str:
    promised = "" if v.availability is None else f"promises {_percent(v.availability)}"
    if v.availability is not None and attained is not None:
        promised += " (kept)" if attained >= v.availability else " (not kept)"
    response = _percent(v.response.percent, 0) if v.response.percent is not None else NONE
    return f"{v.name}: {promised or 'no availability promised'}, response met {response}"


def cells(line: schemas.SloLineRead) -> list[str]:
    """One SLO's row of the attainment table, as people read it."""
    return [
        f"{line.key} {line.name}",
        line.service or f"journey {line.journey}",
        line.owner_squad,
        _percent(line.objective),
        _percent(line.attainment),
        _verdict(line),
        "; ".join(_vendor(v, line.attainment) for v in line.vendors) or "—",
    ]


def summary(figures: schemas.SloFigures) -> str:
    return f"{figures.met} of {figures.measured} measured SLOs met ({figures.total} in all)"


def markdown(report: schemas.KpiReport) -> list[str]:
    if not report.slos.lines:
        return []
    lines = ["", "## SLO attainment", "", summary(report.slos), ""]
    lines.append("| " + " | ".join(HEAD) + " |")
    lines.append("|" + " --- |" * len(HEAD))
    return lines + ["| " + " | ".join(cells(line)) + " |" for line in report.slos.lines]


def rows(
    report: schemas.KpiReport, number: Callable[[float | None], str]
) -> Iterator[tuple[str, str, str, str]]:
    """("slos", SLO key, figure, value) for every SLO, then its vendors' SLA."""
    for line in report.slos.lines:
        yield "slos", line.key, "objective", number(line.objective)
        yield "slos", line.key, "attainment", number(line.attainment)
        yield "slos", line.key, "met", "" if line.met is None else str(int(line.met))
        for v in line.vendors:
            yield "slos", line.key, f"vendor_{v.vendor}_availability", number(v.availability)
            yield "slos", line.key, f"vendor_{v.vendor}_response_met", number(v.response.percent)

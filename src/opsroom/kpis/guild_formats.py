"""The guild view in the forms people take it away in: Markdown, CSV (one figure of one
platform per row), JSON and HTML; and the figures it compares, for the page too."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from opsroom.kpis import schemas
from opsroom.kpis.formats import Format, csv_number, figure_value, to_json

Side = Callable[[schemas.GuildPlatformRead], float | None]


def _met(figures: schemas.SloFigures) -> float | None:
    return figures.met / figures.measured if figures.measured else None


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def _now_only(_: schemas.GuildPlatformRead) -> float | None:
    """Figures of the registers as they stand today have no previous period."""
    return None


@dataclass(frozen=True)
class GuildFigure:
    key: str
    label: str
    unit: str  # count, seconds, share or number
    now: Side
    before: Side

    def cell(self, row: schemas.GuildPlatformRead) -> str:
        now, before = self.now(row), self.before(row)
        shown = figure_value(self.unit, now)
        if self.before is _now_only:
            return shown
        return f"{shown} (was {figure_value(self.unit, before)})"


def _time(measure: str, stat: str, side: str) -> Side:
    return lambda r: getattr(getattr(r, side).times[measure], stat)


GUILD_FIGURES = [
    GuildFigure(
        "incidents",
        "Incidents",
        "count",
        lambda r: r.current.incidents,
        lambda r: r.previous.incidents,
    ),
    GuildFigure(
        "major", "Major incidents", "count", lambda r: r.current.major, lambda r: r.previous.major
    ),
    *(
        GuildFigure(
            f"{measure}_{stat}",
            f"{measure.upper()} {stat}",
            "seconds",
            _time(measure, stat, "current"),
            _time(measure, stat, "previous"),
        )
        for measure in ("mtta", "mttr")
        for stat in ("median", "p90")
    ),
    GuildFigure(
        "response_sla",
        "Response SLA met",
        "share",
        lambda r: r.current.response_sla,
        lambda r: r.previous.response_sla,
    ),
    GuildFigure(
        "resolution_sla",
        "Resolution SLA met",
        "share",
        lambda r: r.current.resolution_sla,
        lambda r: r.previous.resolution_sla,
    ),
    GuildFigure(
        "services_on_target",
        "Services meeting their availability target",
        "share",
        lambda r: r.services_on_target,
        lambda r: r.previous_services_on_target,
    ),
    GuildFigure(
        "change_failure_rate",
        "Change failure rate",
        "share",
        lambda r: r.changes.change_failure_rate,
        lambda r: r.previous_changes.change_failure_rate,
    ),
    GuildFigure(
        "reviews_on_time",
        "Reviews published on time",
        "share",
        lambda r: _fraction(r.reviews.published_on_time_pct),
        _now_only,
    ),
    GuildFigure(
        "actions_overdue", "Action items overdue", "count", lambda r: r.actions.overdue, _now_only
    ),
    GuildFigure(
        "pages_per_person",
        "Pages per person paged",
        "number",
        lambda r: r.oncall.pages_per_person,
        lambda r: r.previous_oncall.pages_per_person,
    ),
    GuildFigure(
        "vendor_engagements",
        "Vendor engagements",
        "count",
        lambda r: r.vendors.engagements,
        lambda r: r.previous_vendors.engagements,
    ),
    GuildFigure(
        "vendor_response_met",
        "Vendor response time met",
        "share",
        lambda r: _fraction(r.vendors.response.percent),
        lambda r: _fraction(r.previous_vendors.response.percent),
    ),
    GuildFigure(
        "vendor_resolution_met",
        "Vendor resolution time met",
        "share",
        lambda r: _fraction(r.vendors.resolution.percent),
        lambda r: _fraction(r.previous_vendors.resolution.percent),
    ),
    GuildFigure(
        "vendor_credits_owed",
        "Service credits vendors owe",
        "number",
        lambda r: r.vendors.credits_owed,
        lambda r: r.previous_vendors.credits_owed,
    ),
    GuildFigure(
        "csat",
        "Customer satisfaction (CSAT)",
        "share",
        lambda r: _fraction(r.csat.csat),
        lambda r: _fraction(r.previous_csat.csat),
    ),
    GuildFigure(
        "slos_met",
        "SLOs met (of those measured)",
        "share",
        lambda r: _met(r.slos),
        lambda r: _met(r.previous_slos),
    ),
    GuildFigure(
        "risks_above_appetite",
        "Open risks above appetite",
        "count",
        lambda r: r.risks.above_appetite,
        _now_only,
    ),
]


def to_csv(report: schemas.GuildReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "platform", "figure", "value", "previous"])
    for row in report.platforms:
        for figure in GUILD_FIGURES:
            now, before = figure.now(row), figure.before(row)
            writer.writerow(
                [report.period, row.platform, figure.key, csv_number(now), csv_number(before)]
            )
    return out.getvalue()


def to_markdown(report: schemas.GuildReport) -> str:
    head = ["figure", *(row.name for row in report.platforms)]
    body = [[f.label, *(f.cell(row) for row in report.platforms)] for f in GUILD_FIGURES]
    lines = [
        f"# Guild view {report.period}",
        "",
        f"Each figure with {report.previous_period} in brackets. {total_line(report)}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + " --- |" * len(head),
        *("| " + " | ".join(cells) + " |" for cells in body),
        "",
    ]
    return "\n".join(lines)


def total_line(report: schemas.GuildReport) -> str:
    return (
        f"All platforms: {report.total.incidents} incidents (was {report.previous_total.incidents}),"
        " each counted once, for the platform it belongs to."
    )


def to_html(report: schemas.GuildReport) -> str:
    from opsroom.web import make_templates  # the web templates render the HTML pack

    template = make_templates("UTC").env.get_template("kpis/guild_pack.html")
    return template.render(report=report, figures=GUILD_FIGURES, total=total_line(report))


def render(report: schemas.GuildReport, fmt: Format) -> str:
    return {Format.MD: to_markdown, Format.HTML: to_html, Format.CSV: to_csv, Format.JSON: to_json}[
        fmt
    ](report)

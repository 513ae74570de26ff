"""The monthly operations review pack in the forms people take it away in: Markdown, CSV
(one figure per row), JSON, and HTML (rendered by the web templates)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from enum import StrEnum

import orjson
from pydantic import BaseModel

from opsroom.desk.schemas import Csat, CsatFigures
from opsroom.infra.wording import counted
from opsroom.kpis import schemas, slo_formats

FIGURES = ("mean", "median", "p90")
NONE = "n/a"
MEASURES = {
    "mttd": "MTTD",
    "mtta": "MTTA",
    "mttm": "MTTM",
    "mttr": "MTTR",
    "mttr_impact": "MTTR from impact",
}


class Format(StrEnum):
    MD = "md"
    HTML = "html"
    CSV = "csv"
    JSON = "json"


MEDIA_TYPES = {
    Format.MD: "text/markdown; charset=utf-8",
    Format.HTML: "text/html; charset=utf-8",
    Format.CSV: "text/csv; charset=utf-8",
    Format.JSON: "application/json",
}


def duration(seconds: float | None) -> str:
    """A duration as people read it: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return NONE
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size * (2 if unit != "min" else 1):
            value = seconds / size
            return f"{value:.0f} {unit}" if unit == "min" else f"{value:.1f} {unit}"
    return f"{seconds:.0f} s"


def share(value: float | None, digits: int = 1) -> str:
    return NONE if value is None else f"{100 * value:.{digits}f} %"


def figure_value(unit: str, value: float | None) -> str:
    """A figure in its unit: seconds as a duration, a share as a percentage, other numbers
    with one decimal where they have one."""
    if unit == "seconds":
        return duration(value)
    if unit == "share":
        return share(value)
    return NONE if value is None else f"{value:.1f}".removesuffix(".0")


def tile_value(tile: schemas.TileRead, value: float | None) -> str:
    return figure_value(tile.unit, value)


def score_value(line: schemas.ScoreLineRead, value: float | None) -> str:
    return figure_value(line.unit, value)


def rows(report: schemas.KpiReport) -> Iterator[tuple[str, str, str, str]]:
    """(section, group, figure, value) for every figure of the report."""
    for part in (
        _headline_rows,
        _group_figure_rows,
        _count_rows,
        _uptime_rows,
        _noise_rows,
        _practice_rows,
        _scorecard_rows,
    ):
        yield from part(report)
    yield from slo_formats.rows(report, csv_number)


Rows = Iterator[tuple[str, str, str, str]]


def _headline_rows(report: schemas.KpiReport) -> Rows:
    for tile in report.tiles:
        yield "headline", "all", tile.key, csv_number(tile.value)
        yield "headline", "all", f"{tile.key}_previous", csv_number(tile.previous)


def _group_figure_rows(report: schemas.KpiReport) -> Rows:
    sections = (
        ("overall", [report.overall]),
        ("priority", report.by_priority),
        ("squad", report.by_squad),
    )
    for section, groups in sections:
        for g in groups:
            yield section, g.key, "incidents", str(g.incidents)
            yield section, g.key, "major", str(g.major)
            yield section, g.key, "response_sla", csv_number(g.response_sla)
            yield section, g.key, "resolution_sla", csv_number(g.resolution_sla)
            for measure, stats in g.times.items():
                for figure in FIGURES:
                    value = csv_number(getattr(stats, figure))
                    yield section, g.key, f"{measure}_{figure}_seconds", value


def _count_rows(report: schemas.KpiReport) -> Rows:
    sections = (
        ("service", report.by_service),
        ("journey", report.by_journey),
        ("source", report.by_source),
    )
    for section, counts in sections:
        for c in counts:
            yield section, c.key, "incidents", str(c.incidents)


def _uptime_rows(report: schemas.KpiReport) -> Rows:
    for section, uptimes in (("service", report.services), ("journey", report.journeys)):
        for u in uptimes:
            yield section, u.key, "availability", csv_number(u.availability)
            yield section, u.key, "availability_target", csv_number(u.target)
            yield section, u.key, "mtbf_hours", csv_number(u.mtbf_hours)


def _noise_rows(report: schemas.KpiReport) -> Rows:
    for n in report.noise:
        yield "alert_source", n.key, "received", str(n.received)
        yield "alert_source", n.key, "noise_reduction_pct", csv_number(n.noise_reduction_pct)
    yield "alert_noise", "all", "noise_reduction_pct", csv_number(report.noise_reduction_pct)


def _practice_rows(report: schemas.KpiReport) -> Rows:
    for section, figures in practice_sections(report):
        for figure, value in figures.items():
            yield section, "all", figure, csv_number(value)


def _scorecard_rows(report: schemas.KpiReport) -> Rows:
    for line in report.scorecard:
        yield "scorecard", line.area, line.key, csv_number(line.squad)
        yield (
            "scorecard",
            line.area,
            f"{line.key}_platform_average",
            csv_number(line.platform_average),
        )


def practice_sections(report: schemas.KpiReport) -> list[tuple[str, dict[str, float | None]]]:
    """The figures of the other practices, section by section (the aging buckets aside)."""
    return [
        ("changes", dict(report.changes)),
        ("reviews", dict(report.reviews)),
        ("actions", {k: v for k, v in dict(report.actions).items() if k != "aging"}),
        ("oncall", dict(report.oncall)),
        ("risks", dict(report.risks.model_dump(exclude={"above_appetite_keys"}))),
        ("csat", report.csat.model_dump(exclude={"by_squad", "by_service", "by_platform"})),
    ]


def csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def to_csv(report: schemas.KpiReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["period", "section", "group", "figure", "value"])
    for row in rows(report):
        writer.writerow([report.period, *row])
    return out.getvalue()


def to_json(report: BaseModel) -> str:
    return orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2).decode()


def _table(head: list[str], body: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)] + [
        "| " + " | ".join(cells) + " |" for cells in body
    ]


def _group_rows(groups: list[schemas.GroupRead]) -> list[list[str]]:
    return [
        [
            g.key,
            str(g.incidents),
            str(g.major),
            share(g.response_sla),
            share(g.resolution_sla),
            duration(g.times["mtta"].median),
            duration(g.times["mttr"].median),
            duration(g.times["mttr"].p90),
        ]
        for g in groups
    ]


GROUP_HEAD = [
    "group",
    "incidents",
    "major",
    "response SLA",
    "resolution SLA",
    "MTTA median",
    "MTTR median",
    "MTTR p90",
]


def to_markdown(report: schemas.KpiReport) -> str:
    sections = (
        _md_headline,
        _md_times,
        _md_groups,
        _md_availability,
        _md_counts,
        _md_noise,
        _md_practices,
        slo_formats.markdown,
        _md_scorecard,
    )
    return "\n".join([line for section in sections for line in section(report)] + [""])


def _md_headline(report: schemas.KpiReport) -> list[str]:
    scope = " · ".join(x for x in (report.platform, report.squad and f"squad {report.squad}") if x)
    lines = [f"# Operations review {report.period}" + (f" ({scope})" if scope else ""), ""]
    lines += [f"Compared with {report.previous_period}.", ""]
    return lines + _table(
        ["figure", report.period, report.previous_period, "trend"],
        [
            [t.label, tile_value(t, t.value), tile_value(t, t.previous), _arrow(t)]
            for t in report.tiles
        ],
    )


def _md_times(report: schemas.KpiReport) -> list[str]:
    lines = ["", "## Time to detect, acknowledge, mitigate, resolve", ""]
    return lines + _table(
        ["measure", "count", "mean", "median", "p90"],
        [
            [label, str(s.count), duration(s.mean), duration(s.median), duration(s.p90)]
            for key, label in MEASURES.items()
            for s in [report.overall.times[key]]
        ],
    )


def _md_groups(report: schemas.KpiReport) -> list[str]:
    lines = ["", "## By priority", "", *_table(GROUP_HEAD, _group_rows(report.by_priority))]
    return [*lines, "", "## By squad", "", *_table(GROUP_HEAD, _group_rows(report.by_squad))]


def _md_availability(report: schemas.KpiReport) -> list[str]:
    head = ["service", "availability", "target", "down", "failures", "MTBF"]
    return [
        "",
        "## Availability",
        "",
        *_table(
            head,
            [
                [
                    u.name,
                    share(u.availability, 3),
                    share(u.target, 2),
                    duration(u.down_minutes * 60),
                    str(u.failures),
                    duration(u.mtbf_hours * 3600 if u.mtbf_hours else None),
                ]
                for u in [*report.services, *report.journeys]
            ],
        ),
    ]


def _md_counts(report: schemas.KpiReport) -> list[str]:
    counts = [*report.by_service, *report.by_journey, *report.by_source]
    lines = ["", "## Incidents by service, journey and source", ""]
    return lines + _table(["where", "incidents"], [[c.key, str(c.incidents)] for c in counts])


def _md_noise(report: schemas.KpiReport) -> list[str]:
    lines = ["", "## Alert noise", "", f"Noise reduction: {_pct(report.noise_reduction_pct)}", ""]
    return lines + _table(
        ["source", "received", "incidents opened", "noise reduction"],
        [
            [n.key, str(n.received), str(n.incidents_opened), _pct(n.noise_reduction_pct)]
            for n in report.noise
        ],
    )


def _md_practices(report: schemas.KpiReport) -> list[str]:
    lines = ["", "## Changes, reviews, action items, on-call and customer satisfaction", ""]
    return lines + _table(
        ["figure", "value"], [[label, text] for label, text in practice_lines(report)]
    )


def _md_scorecard(report: schemas.KpiReport) -> list[str]:
    if not report.scorecard:
        return []
    lines = ["", f"## Scorecard: {report.squad}", ""]
    return lines + _table(
        ["area", "figure", report.squad or "", "platform average"],
        [
            [
                line.area,
                line.label,
                score_value(line, line.squad),
                score_value(line, line.platform_average),
            ]
            for line in report.scorecard
        ],
    )


def practice_lines(report: schemas.KpiReport) -> list[tuple[str, str]]:
    """The other practices' figures as people read them."""
    c, r, a, o = report.changes, report.reviews, report.actions, report.oncall
    return [
        ("Changes planned to start in the period", str(c.volume)),
        (
            "Change failure rate (failed of finished)",
            f"{share(c.change_failure_rate)} ({c.failed} of {c.finished})",
        ),
        ("Emergency changes", f"{share(c.emergency_share)} ({c.emergency} of {c.volume})"),
        (
            "Required reviews published on time",
            f"{_pct(r.published_on_time_pct)} ({r.published} published of {r.required})",
        ),
        ("Median days from resolution to published review", _days(r.median_days_to_publish)),
        ("Reviews overdue", str(r.overdue)),
        ("Action-item closure rate", f"{_pct(a.closure_rate_pct)} ({counted(a.total, 'item')})"),
        ("Action items open / overdue", f"{a.outstanding} / {a.overdue}"),
        (
            "Pages per person paged",
            f"{figure_value('number', o.pages_per_person)} ({counted(o.pages, 'page')}, "
            f"{counted(o.people_paged, 'person', 'people')}, most {o.most_paged})",
        ),
        ("Alert noise reduction", _pct(report.noise_reduction_pct)),
        (
            "Open risks above appetite",
            f"{report.risks.above_appetite} of {report.risks.open}"
            + (
                f" ({', '.join(report.risks.above_appetite_keys)})"
                if report.risks.above_appetite
                else ""
            ),
        ),
        ("Risk reviews overdue", str(report.risks.reviews_overdue)),
        *_csat_lines(report.csat),
    ]


def _csat_lines(csat: CsatFigures) -> list[tuple[str, str]]:
    by_group = (
        ("squad", csat.by_squad),
        ("service", csat.by_service),
        ("platform", csat.by_platform),
    )
    return [
        ("Customer satisfaction (CSAT)", _satisfaction(csat)),
        *(
            (f"CSAT by {by}", ", ".join(f"{s.squad} {_satisfaction(s)}" for s in groups) or NONE)
            for by, groups in by_group
        ),
    ]


def _satisfaction(figures: CsatFigures | Csat) -> str:
    return (
        f"{_pct(figures.csat)} ({figures.answered} answered of {counted(figures.sent, 'survey')})"
    )


def _days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f} d"


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f} %"


def _arrow(tile: schemas.TileRead) -> str:
    arrow = {"up": "↑", "down": "↓", "flat": "→"}.get(tile.direction, "")
    verdict = (
        {True: " better", False: " worse"}.get(tile.improved, "")
        if tile.improved is not None
        else ""
    )
    return arrow + verdict


def to_html(report: schemas.KpiReport) -> str:
    from opsroom.web import make_templates  # the web templates render the HTML pack

    template = make_templates("UTC").env.get_template("kpis/pack.html")
    return template.render(report=report, fmt=FORMATTING)


def render(report: schemas.KpiReport, fmt: Format) -> str:
    return {Format.MD: to_markdown, Format.HTML: to_html, Format.CSV: to_csv, Format.JSON: to_json}[
        fmt
    ](report)


class _Formatting:
    """What templates use to show figures."""

    duration = staticmethod(duration)
    share = staticmethod(share)
    tile_value = staticmethod(tile_value)
    score_value = staticmethod(score_value)
    practice_lines = staticmethod(practice_lines)
    slo_cells = staticmethod(slo_formats.cells)
    slo_summary = staticmethod(slo_formats.summary)
    SLO_HEAD = slo_formats.HEAD
    MEASURES = MEASURES


FORMATTING = _Formatting()

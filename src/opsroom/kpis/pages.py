"""KPIs in the browser: a period's figures (a squad's scorecard beside the platform's) and
the review pack to download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.infra import clock
from opsroom.kpis import charts, domain, formats, guild, guild_formats, schemas
from opsroom.kpis import service as kpis
from opsroom.web.pages import Filter, render

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def _period(text: str | None) -> domain.Period:
    return domain.parse_period(text) if text else domain.current_month(clock.now())


@router.get("/kpis")
def kpi_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatform,
    period: Filter = None,
    squad: Filter = None,
) -> Response:
    chosen = _period(period)
    if squad:
        report, beside = kpis.scorecard(
            session, actor=actor, period=chosen, squad=squad, platform=platform
        )
    else:
        report, beside = kpis.report(session, actor=actor, period=chosen, platform=platform), None
    trend = kpis.monthly_trend(session, actor=actor, period=chosen, platform=platform, squad=squad)
    context = {
        "report": report,
        "beside": beside,
        "trend": trend,
        "charts": _charts(report, trend),
        "fmt": formats.FORMATTING,
        "formats": list(formats.Format),
        "squads": catalog_service.list_squads(session, platform=platform),
        # The pack downloaded is the platform shown, remembered or named.
        "query": request.url.include_query_params(platform=platform or "").query,
    }
    return render(request, session, "kpis/report.html", context)


def _charts(report: schemas.KpiReport, trend: schemas.MonthlyTrend) -> dict[str, charts.Chart]:
    return {
        "incidents_per_month": charts.incidents_per_month(trend),
        "times_per_month": charts.times_per_month(trend),
        "sla_per_month": charts.sla_per_month(trend),
        "incidents_by_squad": charts.incidents_by_squad(report),
        "sla_by_squad": charts.sla_by_squad(report),
        "mttr_by_squad": charts.mttr_by_squad(report),
    }


@router.get("/kpis/report.{fmt}")
def download(
    session: DbSession,
    actor: Actor,
    fmt: formats.Format,
    period: Filter = None,
    squad: Filter = None,
    platform: Filter = None,
) -> Response:
    """The review pack as a file: md, html, csv or json."""
    chosen = _period(period)
    report = kpis.report(session, actor=actor, period=chosen, squad=squad, platform=platform)
    name = "-".join(x for x in ("opsroom-kpis", chosen.label, platform, squad) if x)
    return _attachment(formats.render(report, fmt), fmt, name)


def _attachment(text: str, fmt: formats.Format, name: str) -> Response:
    return Response(
        text,
        media_type=formats.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt.value}"'},
    )


# The incident figures of the guild view link to the platform's incidents.
LINKED = ["incidents", "major"]


@router.get("/guild")
def guild_page(
    request: Request, session: DbSession, actor: Actor, period: Filter = None
) -> Response:
    report = guild.guild_report(session, actor=actor, period=_period(period))
    context = {
        "report": report,
        "figures": guild_formats.GUILD_FIGURES,
        "linked": LINKED,
        "total": guild_formats.total_line(report),
        "formats": list(formats.Format),
        "query": request.url.query,
    }
    return render(request, session, "kpis/guild.html", context)


@router.get("/guild/report.{fmt}")
def guild_download(
    session: DbSession, actor: Actor, fmt: formats.Format, period: Filter = None
) -> Response:
    """The guild report as a file: md, html, csv or json."""
    chosen = _period(period)
    report = guild.guild_report(session, actor=actor, period=chosen)
    return _attachment(guild_formats.render(report, fmt), fmt, f"opsroom-guild-{chosen.label}")

"""/api/v1/kpis: the KPI report of a period, the weekly and the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra import clock
from opsroom.infra.apidoc import errors
from opsroom.kpis import domain, guild, schemas
from opsroom.kpis import service as kpis

router = APIRouter(prefix="/api/v1", tags=["kpis"])

PeriodQuery = Annotated[
    str | None,
    Query(
        max_length=30,
        description="2026-10, 2026-Q4, 2026-W43 or 2026-10-01..2026-10-15; default this month",
    ),
]


def period_of(text: str | None) -> domain.Period:
    return domain.parse_period(text) if text else domain.current_month(clock.now())


@router.get("/kpis/report", responses=errors(404, 422))
def report(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    period: PeriodQuery = None,
    squad: Annotated[
        str | None, Query(max_length=80, description="only incidents it was engaged on")
    ] = None,
) -> schemas.KpiReport:
    return kpis.report(
        session, actor=actor, period=period_of(period), squad=squad, platform=platform
    )


@router.get("/kpis/guild", responses=errors(422))
def guild_report(
    session: DbSession,
    actor: Actor,
    since: Annotated[date | None, Query(description="first day (UTC), with until")] = None,
    until: Annotated[date | None, Query(description="last day, included")] = None,
) -> schemas.GuildReport:
    """Every platform side by side for the period (default this month), with the previous
    period beside each figure; an incident counts once, for its own platform."""
    period = domain.days_period(since, until, clock.now())
    return guild.guild_report(session, actor=actor, period=period)


@router.get("/kpis/trend", responses=errors(404))
def trend(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    weeks: Annotated[int, Query(ge=1, le=104)] = 12,
) -> schemas.WeeklyTrend:
    return kpis.weekly_trend(session, actor=actor, weeks=weeks, platform=platform)


@router.get("/kpis/monthly", responses=errors(404, 422))
def monthly(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    period: Annotated[
        str | None, Query(max_length=30, description="the months up to the one it ends in")
    ] = None,
    months: Annotated[int, Query(ge=1, le=36)] = 12,
    squad: Annotated[
        str | None, Query(max_length=80, description="only incidents it was engaged on")
    ] = None,
) -> schemas.MonthlyTrend:
    return kpis.monthly_trend(
        session,
        actor=actor,
        period=period_of(period),
        months=months,
        squad=squad,
        platform=platform,
    )

"""The KPI report and the dashboard's figures, as the API, the CLI and the pages return them.
Durations are in seconds, shares between 0 and 1."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from opsroom.actions.schemas import ActionFigures
from opsroom.desk.schemas import CsatFigures
from opsroom.reviews.schemas import ReviewFigures
from opsroom.risks.schemas import RiskFigures
from opsroom.slos.schemas import AttainmentRead
from opsroom.vendors.schemas import PlatformVendorsRead, VendorSlaRead


class StatsRead(BaseModel):
    count: int
    mean: float | None
    median: float | None
    p90: float | None = Field(description="90th percentile (nearest rank)")


class GroupRead(BaseModel):
    """Incident figures for one group (all, a priority, a squad)."""

    key: str
    incidents: int
    major: int
    response_sla: float | None = Field(description="share of decided response SLAs met")
    resolution_sla: float | None = Field(description="share of decided resolution SLAs met")
    times: dict[str, StatsRead] = Field(description="mttd, mtta, mttm, mttr, mttr_impact")


class CountRead(BaseModel):
    key: str
    incidents: int


class UptimeRead(BaseModel):
    key: str
    name: str
    target: float | None
    availability: float | None
    down_minutes: float
    failures: int
    mtbf_hours: float | None
    meets_target: bool | None


class DailyUptime(BaseModel):
    """A service's or journey's availability over a span of days, and on each of them from
    `first_day` on (None for a day with nothing to measure)."""

    key: str
    name: str
    availability: float | None
    first_day: date
    days: list[float | None]


class TileRead(BaseModel):
    key: str
    label: str
    unit: str = Field(description="count, seconds or share")
    value: float | None
    previous: float | None
    direction: str = Field(description="up, down, flat or none")
    improved: bool | None


class NoiseRead(BaseModel):
    key: str
    received: int
    incidents_opened: int
    noise_reduction_pct: float | None


class ChangeFiguresRead(BaseModel):
    """Changes planned to start in the period (DORA change failure rate among them)."""

    volume: int
    finished: int = Field(description="completed, failed or rolled back")
    failed: int = Field(description="failed or rolled back")
    emergency: int
    change_failure_rate: float | None = Field(description="failed / finished")
    emergency_share: float | None = Field(description="emergency / volume")


class OnCallLoadRead(BaseModel):
    """Pages sent in the period: distinct incidents each person was paged for."""

    people_paged: int
    pages: int
    pages_per_person: float | None
    most_paged: int = Field(description="pages of the person paged most")


class ScoreLineRead(BaseModel):
    area: str = Field(description="reliability, speed, hygiene, change or on-call")
    key: str
    label: str
    unit: str = Field(description="count, seconds, share or number")
    better: str = Field(description="lower or higher")
    squad: float | None
    platform_average: float | None


class SloLineRead(AttainmentRead):
    """An SLO over the report's period, with the SLA of any vendor running its service."""

    vendors: list[VendorSlaRead] = Field(description="vendors that run its service(s)")


class SloFigures(BaseModel):
    """SLO attainment over the period: how many were met of those measured."""

    met: int
    measured: int
    total: int
    lines: list[SloLineRead]


class KpiReport(BaseModel):
    period: str
    start: datetime
    end: datetime
    previous_period: str
    platform: str | None
    squad: str | None
    generated_at: datetime
    overall: GroupRead
    by_priority: list[GroupRead]
    by_squad: list[GroupRead]
    by_service: list[CountRead]
    by_journey: list[CountRead]
    by_source: list[CountRead]
    services: list[UptimeRead] = Field(description="availability and MTBF per service")
    journeys: list[UptimeRead] = Field(description="availability per journey")
    noise: list[NoiseRead] = Field(description="alert sources, noisiest first")
    noise_reduction_pct: float | None
    tiles: list[TileRead] = Field(description="headline figures against the previous period")
    changes: ChangeFiguresRead
    reviews: ReviewFigures = Field(description="required reviews as of the report's making")
    actions: ActionFigures = Field(description="action items as of the report's making")
    oncall: OnCallLoadRead
    risks: RiskFigures = Field(description="the risk register as of the report's making")
    csat: CsatFigures = Field(
        description="customer satisfaction with the tickets and incidents resolved"
    )
    slos: SloFigures = Field(description="SLO attainment over the period")
    scorecard: list[ScoreLineRead] = Field(
        description="a squad's report: its figures with the platform average beside each"
    )


class WeeklyTrend(BaseModel):
    weeks: list[str] = Field(description="the Monday each week starts")
    incidents_by_priority: dict[str, list[int]]
    mttr_median: list[float | None] = Field(description="seconds, per week")


class MonthlyTrend(BaseModel):
    months: list[str] = Field(description="YYYY-MM, oldest first")
    incidents: list[int]
    major: list[int] = Field(description="major incidents")
    mtta_median: list[float | None] = Field(description="seconds, per month")
    mttr_median: list[float | None] = Field(description="seconds, per month")
    response_sla: list[float | None] = Field(description="share of response SLAs met")
    resolution_sla: list[float | None] = Field(description="share of resolution SLAs met")


class GuildPlatformRead(BaseModel):
    """One platform in the guild view: its figures for the period and the one before."""

    platform: str
    name: str
    current: GroupRead = Field(description="incidents of this platform (its own, counted once)")
    previous: GroupRead
    services_on_target: float | None = Field(
        description="share of its services meeting their availability target"
    )
    previous_services_on_target: float | None
    changes: ChangeFiguresRead
    previous_changes: ChangeFiguresRead
    reviews: ReviewFigures = Field(description="required reviews as of the report's making")
    actions: ActionFigures = Field(description="action items as of the report's making")
    oncall: OnCallLoadRead
    previous_oncall: OnCallLoadRead
    risks: RiskFigures = Field(description="the risk register as of the report's making")
    vendors: PlatformVendorsRead = Field(description="vendors engaged on its incidents")
    previous_vendors: PlatformVendorsRead
    csat: CsatFigures = Field(description="customer satisfaction with what was resolved")
    previous_csat: CsatFigures
    slos: SloFigures = Field(description="SLO attainment over the period")
    previous_slos: SloFigures
    incidents_url: str = Field(description="its incidents list, filtered to the platform")


class GuildReport(BaseModel):
    """Every platform side by side, most incidents first, with the totals (each incident
    counted once, for the platform it belongs to)."""

    period: str
    start: datetime
    end: datetime
    previous_period: str
    generated_at: datetime
    platforms: list[GuildPlatformRead]
    total: GroupRead
    previous_total: GroupRead

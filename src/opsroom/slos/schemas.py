"""What the SLO API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, SecretStr

from opsroom.infra.apidoc import Input
from opsroom.slos.domain import BudgetWindow, PrometheusAuth, Severity, SliKind, SliSource

Slug = Annotated[str, Field(min_length=2, max_length=80)]
Objective = Annotated[
    float, Field(gt=0, lt=100, description="percent of good time, e.g. 99.9; between 0 and 100")
]
Priority = Annotated[
    int, Field(ge=1, le=5, description="incidents of this priority or more urgent count")
]


class SloFields(Input):
    description: str = Field(default="", max_length=20_000)
    owner: str = Field(default="", max_length=320, description="the owner's account email")
    worst_priority: Priority = 2


PrometheusUrl = Annotated[
    str, Field(max_length=500, description="SLI from Prometheus: the Prometheus it is read from")
]
Query = Annotated[str, Field(max_length=2000)]
Threshold = Annotated[
    float, Field(gt=0, description="threshold SLI: events faster than this (seconds) are good")
]
Secret = Annotated[
    SecretStr,
    Field(max_length=500, description="bearer token or basic-auth password; never read back"),
]


class SloCreate(SloFields):
    name: str = Field(min_length=3, max_length=200)
    service: Slug | None = Field(default=None, description="the service it is about")
    journey: Slug | None = Field(default=None, description="or the journey it is about")
    objective: Objective
    window: BudgetWindow = BudgetWindow.ROLLING_30D
    sli: SliKind = SliKind.INCIDENTS
    source: SliSource | None = Field(
        default=None, description="incidents for an incident SLI, else prometheus (default)"
    )
    prometheus_url: PrometheusUrl = ""
    good_query: Query = Field(default="", description="ratio SLI: good events' counter")
    total_query: Query = Field(default="", description="ratio SLI: all events' counter")
    histogram: Query = Field(
        default="", description="threshold SLI: the latency histogram, e.g. x_seconds{job=...}"
    )
    threshold: Threshold | None = None
    prometheus_auth: PrometheusAuth = PrometheusAuth.NONE
    prometheus_username: str = Field(default="", max_length=200)
    prometheus_secret: Secret | None = None
    owner_squad: Slug = Field(description="the owning squad; the SLO is on its platform")


class SloUpdate(Input):
    """Only the fields given change. A new subject (service or journey) replaces the old;
    SLI fields the new SLI does not read are cleared."""

    version: int
    name: str | None = Field(default=None, min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    service: Slug | None = None
    journey: Slug | None = None
    objective: Objective | None = None
    window: BudgetWindow | None = None
    sli: SliKind | None = None
    source: SliSource | None = None
    prometheus_url: PrometheusUrl | None = None
    good_query: Query | None = None
    total_query: Query | None = None
    histogram: Query | None = None
    threshold: Threshold | None = None
    prometheus_auth: PrometheusAuth | None = None
    prometheus_username: str | None = Field(default=None, max_length=200)
    prometheus_secret: Secret | None = None
    owner: str | None = Field(default=None, max_length=320)
    owner_squad: Slug | None = None
    worst_priority: Priority | None = None


class CountIn(BaseModel):
    minute: AwareDatetime = Field(description="the minute the counts are for (its start)")
    good: int = Field(ge=0)
    total: int = Field(ge=0)


class CountsPush(Input):
    counts: list[CountIn] = Field(min_length=1, max_length=10_000)


class CountsStored(BaseModel):
    slo: str
    stored: int = Field(description="minutes written (new or grown)")


class SloSummary(BaseModel):
    key: str
    name: str
    platform: str
    service: str | None
    journey: str | None
    objective: float
    window: BudgetWindow
    sli: SliKind
    source: SliSource
    owner_squad: str
    budget_remaining: float = Field(description="share of the budget left, 0 when spent")
    exhausted: bool


class AttainmentRead(BaseModel):
    """How well an SLO was met over a period (not its budget's rolling window)."""

    key: str
    name: str
    platform: str
    service: str | None
    journey: str | None
    owner_squad: str
    objective: float
    attainment: float | None = Field(
        description="percent of good time or good events in the period; null if not measured"
    )
    met: bool | None = Field(description="attainment at or above the objective")
    unmeasured: str = Field("", description="why the period could not be measured")


class BurnRead(BaseModel):
    condition: str
    severity: Severity
    factor: float
    long_rate: float
    short_rate: float
    budget_share: float = Field(description="the share of the budget the condition spends")
    firing: bool


class SpenderRead(BaseModel):
    """An incident that spent budget in the window."""

    incident: str
    title: str
    minutes: float


class SloRead(SloSummary):
    description: str
    prometheus_url: str
    good_query: str
    total_query: str
    histogram: str
    threshold: float | None
    prometheus_auth: PrometheusAuth
    prometheus_username: str
    prometheus_secret_set: bool
    owner: str
    worst_priority: int
    window_start: datetime
    window_end: datetime
    allowed_minutes: float
    spent_minutes: float
    time_to_exhaustion_hours: float | None = Field(description="at the last hour's burn rate")
    burn: list[BurnRead]
    spent_by: list[SpenderRead]
    created_by: str
    created_at: datetime
    version: int

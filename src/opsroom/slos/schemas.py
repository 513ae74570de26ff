"""What the SLO API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from opsroom.infra.apidoc import Input
from opsroom.slos.domain import BudgetWindow, Severity, SliKind

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


class SloCreate(SloFields):
    name: str = Field(min_length=3, max_length=200)
    service: Slug | None = Field(default=None, description="the service it is about")
    journey: Slug | None = Field(default=None, description="or the journey it is about")
    objective: Objective
    window: BudgetWindow = BudgetWindow.ROLLING_30D
    sli: SliKind = SliKind.INCIDENTS
    prometheus_url: str = Field(
        default="", max_length=500, description="ratio SLI: the Prometheus it is read from"
    )
    good_query: str = Field(default="", max_length=2000, description="ratio SLI: good events")
    total_query: str = Field(default="", max_length=2000, description="ratio SLI: all events")
    owner_squad: Slug = Field(description="the owning squad; the SLO is on its platform")


class SloUpdate(Input):
    version: int
    name: str | None = Field(default=None, min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    objective: Objective | None = None
    window: BudgetWindow | None = None
    owner: str | None = Field(default=None, max_length=320)
    owner_squad: Slug | None = None
    worst_priority: Priority | None = None


class SloSummary(BaseModel):
    key: str
    name: str
    platform: str
    service: str | None
    journey: str | None
    objective: float
    window: BudgetWindow
    sli: SliKind
    owner_squad: str
    budget_remaining: float = Field(description="share of the budget left, 0 when spent")
    exhausted: bool


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

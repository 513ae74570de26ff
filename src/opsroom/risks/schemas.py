"""What the risk and issue registers' API and CLI accept and return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from opsroom.actions.domain import Kind
from opsroom.audit.schemas import Stamp
from opsroom.incidents.domain import Priority
from opsroom.infra.apidoc import Input
from opsroom.risks.domain import (
    Assessment,
    Evidence,
    IssueStatus,
    IssueTransition,
    Status,
    Transition,
    Treatment,
)

Title = Annotated[str, Field(min_length=3, max_length=300)]
Slug = Annotated[str, Field(min_length=2, max_length=80)]
Level = Annotated[int, Field(description="1 (lowest) up to the matrix's size")]
Text = Annotated[str, Field(max_length=20_000)]
RecordKey = Annotated[
    str, Field(pattern=r"^(?i:inc|prb|chg)-\d{1,9}$", description="INC-42, PRB-7 or CHG-130")
]


class RiskFields(Input):
    description: Text = ""
    causes: Text = ""
    consequences: Text = ""
    services: list[Slug] = Field(default_factory=list, max_length=100)
    journeys: list[Slug] = Field(default_factory=list, max_length=100)
    vendors: list[Slug] = Field(default_factory=list, max_length=100)
    owner: str = Field(default="", max_length=320, description="the owner's account email")
    treatment: Treatment = Treatment.MITIGATE
    treatment_plan: Text = ""
    review_on: date | None = None


class RiskCreate(RiskFields):
    title: Title
    category: str = Field(max_length=40, description="one of the platform's risk categories")
    owner_squad: Slug = Field(description="the owning squad; the risk is on its platform")
    inherent_likelihood: Level
    inherent_impact: Level
    current_likelihood: Level | None = Field(default=None, description="default: inherent")
    current_impact: Level | None = None
    target_likelihood: Level | None = Field(default=None, description="default: current")
    target_impact: Level | None = None


class RiskUpdate(Input):
    version: int
    title: Title | None = None
    description: Text | None = None
    category: str | None = Field(default=None, max_length=40)
    causes: Text | None = None
    consequences: Text | None = None
    services: list[Slug] | None = Field(default=None, max_length=100)
    journeys: list[Slug] | None = Field(default=None, max_length=100)
    vendors: list[Slug] | None = Field(default=None, max_length=100)
    owner: str | None = Field(default=None, max_length=320)
    owner_squad: Slug | None = None
    treatment: Treatment | None = None
    treatment_plan: Text | None = None
    review_on: date | None = None


class ScoreIn(Input):
    version: int
    assessment: Assessment = Assessment.CURRENT
    likelihood: Level
    impact: Level
    reason: str = Field(default="", max_length=5000, description="required when a score drops")


class RiskMove(Input):
    version: int | None = Field(default=None, description="the version you saw; stale gets 409")
    reason: str = Field(default="", max_length=5000)


class AcceptanceIn(Input):
    version: int | None = None
    until: date | None = Field(default=None, description="when the acceptance expires")
    reason: str = Field(default="", max_length=5000)


class LinkIn(Input):
    record: RecordKey


class MitigationIn(Input):
    title: Title
    description: Text = ""
    kind: Kind = Kind.MITIGATE
    owner_squad: Slug | None = Field(default=None, description="default: the risk's squad")
    owner: str = Field(default="", max_length=320)
    priority: Priority = Priority.P3
    due_on: date | None = None


class RatingRead(BaseModel):
    likelihood: int
    impact: int
    score: int
    band: str
    colour: str


class ScoreRead(BaseModel):
    assessment: Assessment
    likelihood: int
    impact: int
    score: int
    reason: str
    set_by: str
    set_at: datetime


class LinkRead(BaseModel):
    kind: Evidence
    key: str
    proposed: bool
    occurred_at: datetime
    downtime_hours: float


class ExposureRead(BaseModel):
    annual_rate: float = Field(description="expected times a year")
    from_history: bool = Field(description="the rate is the last year's materialisations")
    hours_per_event: float
    cost_per_hour: float
    blast_radius: int
    expected_annual_loss: float
    weight: float = Field(description="expected annual loss x blast radius: the ranking")


class RiskSummary(BaseModel):
    key: str
    title: str
    platform: str
    category: str
    status: Status
    owner: str
    owner_squad: str
    treatment: Treatment
    inherent: RatingRead
    current: RatingRead
    target: RatingRead
    above_appetite: bool
    review_on: date | None
    review_overdue: bool
    accepted_until: date | None
    materialised: int
    downtime_hours: float


class RiskRead(RiskSummary):
    description: str
    causes: str
    consequences: str
    services: list[str]
    journeys: list[str]
    vendors: list[str]
    treatment_plan: str
    accepted_by: str | None
    acceptance_reason: str
    links: list[LinkRead]
    scores: list[ScoreRead]
    mitigations: list[str]
    exposure: ExposureRead
    allowed_transitions: list[Transition]
    created_by: str
    created_at: datetime
    version: int


class RankedRisk(BaseModel):
    rank: int
    risk: RiskSummary
    exposure: ExposureRead


class HeatMapRead(BaseModel):
    """Risks per cell, rows from the highest likelihood down, columns lowest impact up."""

    platform: str
    likelihood: list[str]
    impact: list[str]
    colours: list[list[str]]
    inherent: list[list[int]]
    residual: list[list[int]] = Field(description="by target score")
    current: list[list[int]]


class RiskFigures(BaseModel):
    """The register in the KPI report: open risks, those above appetite, those waiting."""

    open: int
    above_appetite: int
    reviews_overdue: int
    accepted: int
    above_appetite_keys: list[str] = Field(description="highest current score first")


class ImportRead(BaseModel):
    raised: int
    updated: int
    unchanged: int


# --- settings -----------------------------------------------------------------------------


class BandDoc(Input):
    up_to: int = Field(ge=1, le=25)
    label: str = Field(min_length=1, max_length=40)
    colour: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class RiskSettingsDoc(Input):
    likelihood: list[str] = Field(min_length=3, max_length=5)
    impact: list[str] = Field(min_length=3, max_length=5)
    bands: list[BandDoc] = Field(min_length=1, max_length=10)
    appetite: int = Field(ge=1, le=25)
    annual_rate: list[float] = Field(min_length=3, max_length=5)
    categories: list[Annotated[str, Field(min_length=2, max_length=40)]] = Field(min_length=1)
    journey_cost_per_hour: dict[str, float] = Field(default_factory=dict)
    default_cost_per_hour: float = Field(ge=0)
    impact_hours: float = Field(gt=0)


class RiskSettingsRead(Stamp, RiskSettingsDoc):
    """A platform's matrix and register settings with their stamp: send it back to change."""


# --- issues -------------------------------------------------------------------------------


class IssueCreate(Input):
    title: Title
    description: Text = ""
    owner_squad: Slug
    owner: str = Field(default="", max_length=320)
    due_on: date
    risk: str | None = Field(default=None, pattern=r"^(?i:rsk)-\d{1,9}$")


class IssueUpdate(Input):
    version: int
    title: Title | None = None
    description: Text | None = None
    owner: str | None = Field(default=None, max_length=320)
    due_on: date | None = Field(default=None, description="a new due date moves its escalation")


class IssueMove(Input):
    version: int | None = None
    to: str = Field(default="", max_length=320, description="whom it is escalated to")
    reason: str = Field(default="", max_length=5000)


class IssueRead(BaseModel):
    key: str
    title: str
    description: str
    platform: str
    owner: str
    owner_squad: str
    due_on: date
    overdue: bool
    status: IssueStatus
    escalated_to: str
    escalation_reason: str
    risk: str | None
    resolved_at: datetime | None
    allowed_transitions: list[IssueTransition]
    created_by: str
    created_at: datetime
    version: int

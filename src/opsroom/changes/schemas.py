"""What the change API and CLI accept and return."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field, HttpUrl, field_validator

from opsroom.changes.domain import BudgetRule, ChangeType, RiskLevel, Status
from opsroom.infra.apidoc import Input

Title = Annotated[str, Field(min_length=3, max_length=300)]
Slug = Annotated[str, Field(min_length=2, max_length=80)]
Text = Annotated[str, Field(max_length=20_000)]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Moment = Annotated[AwareDatetime, AfterValidator(_utc)]  # stored and answered in UTC


def _url(value: str) -> str:
    HttpUrl(value)
    return value


class LinkIn(Input):
    kind: Literal["ticket", "pipeline", "pull_request", "other"] = "other"
    url: Annotated[str, Field(max_length=500), AfterValidator(_url)]


class ChangeFields(Input):
    """What a change says about itself; shared by drafts and live assessments."""

    type: ChangeType = ChangeType.NORMAL
    services: list[Slug] = Field(min_length=1, max_length=50, description="affected services")
    squad: Slug = Field(description="the implementer squad")
    implementer: str = Field(default="", max_length=320, description="the implementer's email")
    planned_start: Moment
    planned_end: Moment
    template: Slug | None = Field(default=None, description="the standard change template")


class ChangeCreate(ChangeFields):
    title: Title
    description: Text = ""
    rollback_plan: Text = ""
    test_evidence: Text = ""
    links: list[LinkIn] = Field(default=[], max_length=20)
    vendor: Slug | None = Field(default=None, description="the vendor that makes the change")


class ChangeUpdate(Input):
    version: int
    title: Title | None = None
    description: Text | None = None
    services: list[Slug] | None = Field(default=None, min_length=1, max_length=50)
    implementer: str | None = Field(default=None, max_length=320)
    vendor: Slug | None = Field(default=None, description="the vendor that makes it; null: none")
    planned_start: Moment | None = None
    planned_end: Moment | None = None
    rollback_plan: Text | None = None
    test_evidence: Text | None = None


class TransitionIn(Input):
    version: int | None = Field(default=None, description="the version you saw; stale gets 409")
    note: str = Field(default="", max_length=5000)


class DecisionIn(Input):
    comment: str = Field(default="", max_length=5000)
    requirement: str | None = Field(
        default=None,
        max_length=120,
        description="which approval you give, e.g. journey_owner:checkout; default: the first you may",
    )


class RejectionIn(Input):
    comment: str = Field(min_length=3, max_length=5000)


class ExceptionIn(Input):
    reason: str = Field(min_length=3, max_length=5000)


class CauseIn(Input):
    incident: str = Field(pattern=r"^(?i:inc)-\d{1,9}$", description="e.g. INC-42")


class PipelineEvent(Input):
    """A deployment reported by a CI/CD pipeline."""

    service: Slug
    summary: str = Field(min_length=1, max_length=300)
    outcome: Literal["succeeded", "failed", "rolled_back"] = "succeeded"
    started_at: Moment | None = Field(default=None, description="default: finished_at")
    finished_at: Moment | None = Field(default=None, description="default: now")
    squad: Slug | None = Field(default=None, description="default: the service's owner squad")
    pipeline: str = Field(default="", max_length=200, description="the pipeline's name")
    vendor: Slug | None = Field(default=None, description="the vendor that made the deployment")
    links: list[LinkIn] = Field(default=[], max_length=20)


class FreezeCreate(Input):
    slug: Slug = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: Title
    reason: Text = ""
    starts_on: date
    ends_on: date
    timezone: str = Field(default="UTC", max_length=64)
    platforms: list[Slug] = Field(default=[], max_length=50)
    services: list[Slug] = Field(default=[], max_length=200)
    journeys: list[Slug] = Field(default=[], max_length=100)
    everything: bool = Field(
        default=False, description="every platform (administrators); names nothing else"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError("not a known time zone (e.g. Europe/Amsterdam)")
        return value


class TemplateCreate(Input):
    slug: Slug = Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    name: Title
    description: Text = ""
    services: list[Slug] = Field(min_length=1, max_length=200)
    max_minutes: int = Field(ge=5, le=7 * 24 * 60)


# --- reads --------------------------------------------------------------------------------


class FactorRead(BaseModel):
    name: str
    detail: str
    points: int


class RiskRead(BaseModel):
    score: int
    level: RiskLevel
    factors: list[FactorRead]


class CollisionRead(BaseModel):
    change: str
    title: str
    reason: str
    planned_start: datetime
    planned_end: datetime


class FreezeHit(BaseModel):
    slug: str
    name: str


class AssessmentRead(BaseModel):
    """A change's risk, collisions and freezes as they stand now."""

    risk: RiskRead
    collisions: list[CollisionRead]
    freezes: list[FreezeHit]
    required_approvals: list[str]
    exhausted_budgets: list[str] = Field(
        description="SLOs on its services with no error budget left: a normal change then "
        "needs more approval or waits, as `budget_rule` says"
    )
    budget_rule: BudgetRule = Field(
        description="the platform's rule for a normal change against a spent error budget"
    )


class DecisionRead(BaseModel):
    decision: str
    requirement: str
    by: str
    comment: str
    at: datetime


class LinkRead(BaseModel):
    kind: str
    url: str


class ChangeSummary(BaseModel):
    key: str
    title: str
    type: ChangeType
    status: Status
    platform: str
    squad: str
    services: list[str]
    planned_start: datetime
    planned_end: datetime
    risk_level: RiskLevel
    risk_score: int
    in_freeze: bool
    failed: bool


class ChangeRead(ChangeSummary):
    description: str
    implementer: str
    vendor: str | None = Field(description="the vendor that makes the change, if one does")
    rollback_plan: str
    test_evidence: str
    links: list[LinkRead]
    template: str | None
    source: str
    started_at: datetime | None
    finished_at: datetime | None
    risk_factors: list[FactorRead]
    required_approvals: list[str]
    outstanding_approvals: list[str]
    decisions: list[DecisionRead]
    freeze_exception: str
    freeze_exception_by: str
    incidents: list[str] = Field(description="incidents this change caused")
    created_by: str
    version: int


class FreezeRead(BaseModel):
    slug: str
    name: str
    reason: str
    starts_on: date
    ends_on: date
    timezone: str
    starts_at: datetime
    ends_at: datetime
    platforms: list[str]
    services: list[str]
    journeys: list[str]
    everything: bool


class TemplateRead(BaseModel):
    slug: str
    name: str
    description: str
    services: list[str]
    max_minutes: int


class SuspectRead(BaseModel):
    change: str = Field(description="a change key, or the source of a reported change event")
    title: str
    services: list[str]
    at: datetime
    score: float
    reasons: list[str]
    status: str
    cause: bool = Field(description="already marked as this incident's cause")


class FiguresRead(BaseModel):
    group: str
    volume: int
    finished: int
    succeeded: int
    failed: int
    emergency: int
    during_freeze: int
    success_rate: float | None
    change_failure_rate: float | None
    emergency_share: float | None


class CalendarRead(BaseModel):
    start: datetime
    end: datetime
    changes: list[ChangeSummary]
    freezes: list[FreezeRead]
    collisions: dict[str, list[str]] = Field(description="change key -> keys it collides with")

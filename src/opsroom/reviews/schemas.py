"""What the review API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from opsroom.actions.domain import Kind
from opsroom.incidents.domain import Priority
from opsroom.infra.apidoc import Input
from opsroom.reviews.domain import Status, Transition

SectionText = Annotated[str | None, Field(max_length=50_000)]


class ReviewStart(Input):
    incident: str = Field(
        pattern=r"^(?i:inc)-\d{1,9}$", description="the resolved incident, e.g. INC-42"
    )


class ReviewUpdate(Input):
    version: int
    owner: str | None = Field(default=None, max_length=320)
    summary: SectionText = None
    what_happened: SectionText = None
    contributing_factors: SectionText = None
    went_well: SectionText = None
    went_poorly: SectionText = None
    got_lucky: SectionText = None


class ReviewMove(Input):
    version: int | None = Field(default=None, description="the version you saw; stale gets 409")


class ReviewAction(Input):
    """An action item agreed in the review."""

    title: str = Field(min_length=3, max_length=300)
    description: str = Field(default="", max_length=20_000)
    kind: Kind = Kind.PREVENT
    owner_squad: str = Field(min_length=2, max_length=80)
    owner: str = Field(default="", max_length=320)
    priority: Priority | None = Field(default=None, description="default: the incident's")


class MarkdownIn(Input):
    text: str = Field(default="", max_length=50_000)


class TimelineLine(BaseModel):
    at: datetime
    actor: str
    kind: str
    text: str


class AlertLine(BaseModel):
    summary: str
    service: str | None
    severity: str
    first_received_at: datetime


class ChangeLine(BaseModel):
    change: str = Field(description="CHG-n, or a change event reported by a tool")
    title: str
    services: list[str]
    at: datetime
    status: str


class Facts(BaseModel):
    """What the incident recorded, drawn into the draft."""

    services: list[str]
    journeys: list[str]
    owner_squads: list[str]
    figures: dict[str, int | None] = Field(description="seconds; see docs/reviews.md")
    timestamps: dict[str, datetime | None]
    timeline: list[TimelineLine]
    alerts: list[AlertLine]
    probable_cause: str | None
    changes: list[ChangeLine] = Field(
        default=[],
        description="changes on the services and their upstream in the 24 h before impact",
    )
    participants: list[str]
    roles: dict[str, str]


class ReviewSummary(BaseModel):
    key: str = Field(description="the incident's key")
    title: str
    platform: str
    owner_squad: str
    owner: str
    priority: str
    required: bool
    status: Status
    due_at: datetime | None
    overdue: bool
    published_at: datetime | None


class ReviewRead(ReviewSummary):
    facts: Facts
    summary: str
    what_happened: str
    contributing_factors: str
    went_well: str
    went_poorly: str
    got_lucky: str
    actions: list[str] = Field(description="keys of the action items raised in the review")
    allowed_transitions: list[Transition]
    version: int


class ReviewFigures(BaseModel):
    """Review figures for the KPI pages, for one squad, one platform or everything."""

    required: int
    published: int
    published_on_time_pct: float | None
    median_days_to_publish: float | None = Field(description="from resolution to publication")
    overdue: int

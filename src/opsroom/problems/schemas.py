"""What the problem API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from opsroom.infra.apidoc import Input
from opsroom.problems.domain import Status, Transition

Title = Annotated[str, Field(min_length=3, max_length=300)]
Slug = Annotated[str, Field(min_length=2, max_length=80)]
Level = Annotated[int, Field(ge=1, le=3, description="1 = high ... 3 = low")]
IncidentKey = Annotated[str, Field(pattern=r"^(?i:inc)-\d{1,9}$", description="e.g. INC-42")]
Text = Annotated[str, Field(max_length=20_000)]


class ProblemCreate(Input):
    title: Title
    statement: Text = ""
    services: list[Slug] = Field(min_length=1, description="affected service slugs")
    owner_squad: Slug | None = Field(default=None, description="default: the first service's owner")
    impact: Level = 2
    urgency: Level = 2
    vendor: Slug | None = Field(default=None, description="a vendor involved")
    incidents: list[IncidentKey] = Field(default=[], max_length=200)


class ProblemUpdate(Input):
    version: int
    title: Title | None = None
    statement: Text | None = None
    services: list[Slug] | None = Field(default=None, min_length=1)
    owner_squad: Slug | None = None
    impact: Level | None = None
    urgency: Level | None = None
    vendor: Slug | None = None


class ProblemMove(Input):
    version: int | None = Field(default=None, description="the version you saw; stale gets 409")


class FactorIn(Input):
    category: str = Field(min_length=2, max_length=40, description="see GET /problems/categories")
    description: str = Field(min_length=3, max_length=5000)


class RcaIn(Input):
    version: int
    five_whys: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(
        default=[], max_length=10
    )
    root_cause: Text = ""
    factors: list[FactorIn] = Field(default=[], max_length=50)


class KnownErrorIn(Input):
    version: int
    symptom: Text = Field(min_length=3)
    workaround: Text = Field(min_length=3)
    match_services: list[Slug] = Field(default=[], max_length=50)
    match_labels: dict[
        Annotated[str, Field(min_length=1, max_length=100)], Annotated[str, Field(max_length=300)]
    ] = Field(default={}, max_length=20)
    match_title: str = Field(default="", max_length=300, description="text in the incident title")


class LinkIncidentIn(Input):
    incident: IncidentKey


class FactorRead(BaseModel):
    category: str
    description: str


class KnownErrorRead(BaseModel):
    problem: str
    title: str
    status: Status
    symptom: str
    workaround: str
    match_services: list[str]
    match_labels: dict[str, str]
    match_title: str


class ProblemSummary(BaseModel):
    key: str
    title: str
    platform: str
    owner_squad: str
    priority: str
    status: Status
    services: list[str]
    known_error: bool
    incident_count: int
    created_at: datetime
    age_days: int


class ProblemRead(ProblemSummary):
    statement: str
    impact: int
    urgency: int
    vendor: str | None
    incidents: list[str]
    root_cause: str
    five_whys: list[str]
    factors: list[FactorRead]
    symptom: str
    workaround: str
    match_services: list[str]
    match_labels: dict[str, str]
    match_title: str
    actions: list[str] = Field(description="action items that fix it")
    open_systemic_fixes: list[str] = Field(description="these keep the problem from closing")
    resolved_at: datetime | None
    closed_at: datetime | None
    created_by: str
    allowed_transitions: list[Transition]
    version: int


class ProposalRead(BaseModel):
    id: int
    service: str
    title: str
    incidents: list[str]
    status: str
    problem: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime


class ProblemFigures(BaseModel):
    open: int
    known_errors: int
    open_by_age: dict[str, int]

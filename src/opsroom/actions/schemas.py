"""What the action-item API and CLI accept and return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from opsroom.actions.domain import Kind, Source, Status, Transition
from opsroom.incidents.domain import Priority
from opsroom.infra.apidoc import Input

Title = Annotated[str, Field(min_length=3, max_length=300)]
Slug = Annotated[str, Field(min_length=2, max_length=80)]
SourceKey = Annotated[str, Field(max_length=80, description="e.g. INC-42, PRB-7, RSK-3")]
ProblemKey = Annotated[str, Field(pattern=r"^(?i:prb)-\d{1,9}$", description="e.g. PRB-7")]


class ActionCreate(Input):
    title: Title
    description: str = Field(default="", max_length=20_000)
    kind: Kind = Kind.PREVENT
    owner_squad: Slug
    owner: str = Field(default="", max_length=320, description="the owner's account email")
    priority: Priority = Priority.P3
    due_on: date | None = Field(default=None, description="default: by priority")
    source_type: Source = Source.OTHER
    source_key: SourceKey = ""
    problem: ProblemKey | None = Field(default=None, description="the problem it fixes")
    systemic: bool = Field(default=False, description="a systemic fix: the problem waits for it")
    independent_verification: bool = Field(
        default=False, description="someone other than the implementer must verify it"
    )


class ActionUpdate(Input):
    version: int
    title: Title | None = None
    description: str | None = Field(default=None, max_length=20_000)
    kind: Kind | None = None
    owner_squad: Slug | None = None
    owner: str | None = Field(default=None, max_length=320)
    priority: Priority | None = None
    due_on: date | None = None
    problem: ProblemKey | None = None
    systemic: bool | None = None


class ActionMove(Input):
    version: int | None = Field(default=None, description="the version you saw; stale gets 409")
    reason: str = Field(default="", max_length=5000, description="required to request won't do")


class ActionRead(BaseModel):
    key: str
    title: str
    description: str
    kind: Kind
    platform: str
    owner_squad: str
    owner: str
    priority: str
    due_on: date
    status: Status
    overdue: bool
    age_days: int
    source_type: Source
    source_key: str
    problem: str | None
    systemic: bool
    independent_verification: bool
    done_by: str | None
    verified_by: str | None
    wont_do_reason: str
    wont_do_accepted_by: str | None
    finished_at: datetime | None
    escalated_at: datetime | None
    created_by: str
    created_at: datetime
    allowed_transitions: list[Transition]
    version: int


class ActionFigures(BaseModel):
    """Action-item figures for the KPI pages, for one squad, one platform or everything."""

    total: int
    outstanding: int
    overdue: int
    closure_rate_pct: float | None = Field(description="finished items as a share of all items")
    median_age_days: float | None = Field(description="of outstanding items")
    aging: dict[str, int] = Field(description="outstanding items per age bucket")

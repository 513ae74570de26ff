"""What the incident API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl

from opsroom.incidents.domain import Audience, LinkKind, Priority, Role, Status, Transition
from opsroom.infra.apidoc import Input


def _url(value: str) -> str:
    if value:
        HttpUrl(value)
    return value


Url = Annotated[str, Field(max_length=500), AfterValidator(_url)]
Level = Annotated[int, Field(ge=1, le=3, description="1 = high ... 3 = low")]
Title = Annotated[str, Field(min_length=3, max_length=300)]
Slug = Annotated[str, Field(min_length=2, max_length=80)]


class IncidentCreate(Input):
    title: Title
    description: str = Field(default="", max_length=20_000)
    services: list[Slug] = Field(min_length=1, description="affected service slugs")
    impact: Level = 2
    urgency: Level = 2
    priority: Priority | None = Field(
        default=None, description="override the matrix (needs priority_reason)"
    )
    priority_reason: str = Field(default="", max_length=2000)
    bridge_url: Url = ""
    impact_started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = Field(default=None, description="default: now")
    commander: str | None = Field(default=None, description="email of the incident commander")


class IncidentUpdate(Input):
    version: int
    title: Title | None = None
    description: str | None = Field(default=None, max_length=20_000)
    services: list[Slug] | None = Field(default=None, min_length=1)
    impact: Level | None = None
    urgency: Level | None = None
    bridge_url: Url | None = None


class PriorityOverride(Input):
    version: int
    priority: Priority
    reason: str = Field(min_length=3, max_length=2000)


class TimestampCorrection(Input):
    version: int
    reason: str = Field(min_length=3, max_length=2000)
    impact_started_at: AwareDatetime | None = None
    detected_at: AwareDatetime | None = None
    acknowledged_at: AwareDatetime | None = None
    mitigated_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None


class TransitionIn(Input):
    version: int | None = Field(default=None, description="the version you saw; stale gets 409")
    note: str = Field(
        default="",
        max_length=5000,
        description="why, for the timeline; on resolve, kept as the resolution summary",
    )
    commander: str | None = Field(
        default=None, description="assign the commander as you acknowledge"
    )


class NoteIn(Input):
    text: str = Field(min_length=1, max_length=20_000)


class StatusUpdateIn(Input):
    audience: Audience = Audience.INTERNAL
    body: str = Field(min_length=3, max_length=20_000)


class RoleIn(Input):
    role: Role
    person: str = Field(min_length=3, max_length=320, description="the person's account email")


class ParticipantIn(Input):
    kind: str = Field(pattern="^(person|squad|vendor|stakeholder)$")
    ref: str = Field(
        min_length=2,
        max_length=320,
        description="email, squad slug, vendor slug or stakeholder name",
    )


class LinkIn(Input):
    kind: LinkKind
    to: str = Field(pattern=r"^(?i:inc)-\d+$", description="the other incident's key, e.g. INC-42")


class TaskIn(Input):
    title: str = Field(min_length=1, max_length=300)
    assignee: str = Field(default="", max_length=320)


class TaskDone(Input):
    done: bool


# --- reads --------------------------------------------------------------------------------


class SlaRead(BaseModel):
    kind: str
    target_minutes: int
    due_at: datetime
    met_at: datetime | None
    breached: bool
    remaining_seconds: int
    state: str = Field(description="ok, at_risk (under a quarter left), breached or met")


class ParticipantRead(BaseModel):
    kind: str
    ref: str
    joined_at: datetime


class IncidentSummary(BaseModel):
    key: str
    title: str
    platform: str
    status: Status
    priority: str
    major: bool
    services: list[str]
    detected_at: datetime
    resolved_at: datetime | None


class IncidentRead(IncidentSummary):
    description: str
    impact: int
    urgency: int
    priority_reason: str
    resolution_summary: str
    bridge_url: str
    source: str
    journeys: list[str]
    also_affects: list[str] = Field(
        description="other platforms whose services it impacts (it counts for its own alone)"
    )
    owner_squads: list[str]
    roles: dict[str, str]
    participants: list[ParticipantRead]
    impact_started_at: datetime | None
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    closed_at: datetime | None
    sla: list[SlaRead]
    next_update_due_at: datetime | None
    update_overdue_since: datetime | None
    duplicate_of: str | None
    reopen_count: int
    allowed_transitions: list[Transition]
    declared_by: str
    version: int


class TimelineEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    kind: str
    text: str


class StatusUpdateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    author: str
    audience: str
    body: str


class LinkRead(BaseModel):
    kind: str
    incident: str
    title: str


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    assignee: str
    done_at: datetime | None
    done_by: str


class IncidentImport(BaseModel):
    """An incident as another tool recorded it, keyed by that tool's number."""

    external_ref: str = Field(min_length=1, max_length=100)
    title: Title
    platform: Slug
    source: str = Field(max_length=50)
    status: Status
    impact: Level
    urgency: Level
    priority: Priority
    squads: list[Slug] = Field(default_factory=list, description="squads engaged on it")
    impact_started_at: AwareDatetime | None = None
    detected_at: AwareDatetime
    acknowledged_at: AwareDatetime | None = None
    mitigated_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    reopen_count: int = Field(default=0, ge=0)
    reassignment_count: int = Field(default=0, ge=0)
    resolution_breached: bool = False

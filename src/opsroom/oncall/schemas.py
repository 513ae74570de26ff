"""What the on-call API and CLI accept and return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from opsroom.infra.apidoc import Input
from opsroom.oncall.domain import ShiftUnit, TargetKind

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=80)]
Zone = Annotated[str, Field(min_length=1, max_length=60, examples=["Europe/Amsterdam"])]


class RestrictionIn(Input):
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        min_length=1, description="0 = Monday ... 6 = Sunday"
    )
    start: time
    end: time = Field(description="00:00 means midnight at the end of the day")


class LayerIn(Input):
    name: str = Field(default="", max_length=200)
    participants: list[EmailStr] = Field(min_length=1, max_length=100)
    start: AwareDatetime = Field(description="first hand-off; its local time is the hand-off time")
    zone: Zone = "UTC"
    length: int = Field(default=1, ge=1, le=1000)
    unit: ShiftUnit = ShiftUnit.WEEKS
    restrictions: list[RestrictionIn] = Field(default=[], max_length=20)


class LayerAdd(LayerIn):
    """A new layer on top of the others (it wins over them)."""

    version: int = Field(ge=1, description="the schedule's version you loaded")


class LayerUpdate(Input):
    """Only the fields given change; `restrictions`, when given, replaces them all."""

    version: int = Field(ge=1, description="the schedule's version you loaded")
    name: str | None = Field(default=None, max_length=200)
    participants: list[EmailStr] | None = Field(default=None, min_length=1, max_length=100)
    start: AwareDatetime | None = Field(default=None, description="the first hand-off")
    zone: Zone | None = None
    length: int | None = Field(default=None, ge=1, le=1000)
    unit: ShiftUnit | None = None
    restrictions: list[RestrictionIn] | None = Field(default=None, max_length=20)


class ScheduleCreate(Input):
    slug: Slug
    name: str = Field(min_length=2, max_length=200)
    squad: Slug | None = None
    zone: Zone = "UTC"
    layers: list[LayerIn] = Field(default=[], max_length=20, description="lowest rank first")


class ScheduleUpdate(Input):
    """Only the fields given change; `layers`, when given, replaces every layer."""

    version: int = Field(ge=1, description="the version you loaded; a stale one gets 409")
    name: str | None = Field(default=None, min_length=2, max_length=200)
    zone: Zone | None = None
    layers: list[LayerIn] | None = Field(default=None, max_length=20)


class FeedTokenRead(BaseModel):
    token: str = Field(description="goes in the feed URL as ?token=")


class ScheduleImport(Input):
    slug: Slug
    name: str = Field(min_length=2, max_length=200)
    squad: Slug | None = None
    zone: Zone = "UTC"
    ics: str = Field(min_length=10, max_length=1_000_000, description="the .ics file's text")
    days: int = Field(default=180, ge=1, le=730, description="how far ahead to expand recurrences")


class OverrideIn(Input):
    person: EmailStr
    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(default="", max_length=500)


class OverrideUpdate(OverrideIn):
    version: int = Field(ge=1, description="the schedule's version you loaded")


class RestrictionRead(BaseModel):
    weekdays: list[int]
    start: time
    end: time


class LayerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int = Field(description="0 is the lowest; higher layers win")
    name: str
    participants: list[str]
    start: datetime
    zone: str
    length: int
    unit: ShiftUnit
    restrictions: list[RestrictionRead]


class OverrideRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person: str
    start: datetime
    end: datetime
    reason: str
    created_by: str


class ScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    squad_slug: str | None
    zone: str
    version: int
    layers: list[LayerRead]
    overrides: list[OverrideRead]


class ShiftRead(BaseModel):
    schedule: str
    person: str | None = Field(description="null: nobody is on call (a coverage gap)")
    start: datetime
    end: datetime


class OnCallRead(BaseModel):
    schedule: str
    squad: str | None
    person: str | None
    until: datetime | None = Field(description="when this person's shift ends")


class AnswerRead(BaseModel):
    """One person a service's first escalation level pages, and why it is them."""

    schedule: str | None = Field(default=None, description="null: the policy names the person")
    schedule_name: str | None = None
    person: str | None = Field(description="null: nobody is on call (a coverage gap)")
    decided_by: Literal["override", "layer", "policy", "nobody"]
    layer: int | None = Field(default=None, description="the deciding layer's rank")
    layer_name: str | None = None
    reason: str | None = Field(default=None, description="the deciding override's reason")
    until: datetime | None = Field(default=None, description="when this answer changes")


class ServiceOnCallRead(BaseModel):
    service: str
    at: datetime
    policy: str | None = Field(description="null: the owner squad's schedules answer")
    policy_name: str | None
    answers: list[AnswerRead]


class LoadRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person: str
    shifts: int
    hours: float
    off_hours: float
    pages: int


class CoverageRead(BaseModel):
    schedule: str
    start: datetime
    end: datetime
    shifts: list[ShiftRead]
    gaps: list[ShiftRead]
    gap_hours: float
    fairness: list[LoadRead]


class TargetIn(Input):
    kind: TargetKind
    ref: str = Field(min_length=2, max_length=320, description="email, schedule slug or squad slug")


class LevelIn(Input):
    targets: list[TargetIn] = Field(min_length=1, max_length=20)
    timeout_minutes: int = Field(default=15, ge=1, le=1440)


class PolicyCreate(Input):
    slug: Slug
    name: str = Field(min_length=2, max_length=200)
    squad: Slug | None = None
    squad_default: bool = Field(
        default=False, description="used for the squad's services without one"
    )
    services: list[Slug] = Field(default=[], max_length=200)
    levels: list[LevelIn] = Field(min_length=1, max_length=10)
    repeats: int = Field(default=0, ge=0, le=9)


class PolicyUpdate(Input):
    version: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=2, max_length=200)
    services: list[Slug] | None = Field(default=None, max_length=200)
    levels: list[LevelIn] | None = Field(default=None, min_length=1, max_length=10)
    repeats: int | None = Field(default=None, ge=0, le=9)


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    squad_slug: str | None
    squad_default: bool
    services: list[str]
    levels: list[LevelIn]
    repeats: int
    version: int


class EscalationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    incident_key: str
    policy_slug: str
    level: int
    round: int
    status: str
    started_at: datetime
    stopped_at: datetime | None


class PageIn(Input):
    kind: TargetKind = Field(description="person or squad (its on-call), or a schedule")
    ref: str = Field(min_length=2, max_length=320)
    message: str = Field(min_length=2, max_length=2000)
    incident: str | None = Field(default=None, max_length=40, description="e.g. INC-42")


@dataclass(frozen=True)
class IncidentOpened:
    """What escalation needs to know about an incident, read when it is declared."""

    key: str
    title: str
    priority: str
    urgency: int
    services: tuple[tuple[str, str], ...]  # (service slug, owner squad slug)
    platform: str  # whose working hours a low-urgency incident waits for

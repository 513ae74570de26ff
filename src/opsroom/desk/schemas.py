"""What the service desk's API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from opsroom.desk.domain import Kind, Priority, Status
from opsroom.infra.apidoc import Input

Slug = Annotated[str, Field(min_length=2, max_length=80)]
Body = Annotated[str, Field(min_length=1, max_length=20_000)]


class TicketCreate(Input):
    kind: Kind = Kind.INCIDENT
    title: str = Field(min_length=3, max_length=300)
    description: str = Field(default="", max_length=20_000)
    requester: EmailStr | None = Field(
        default=None,
        description="who reported it; hears every customer reply. A requester's own account "
        "when left out; required from anyone else",
    )
    organisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="a requester's own organisation when left out; required from anyone else",
    )
    service: Slug = Field(description="the service it is about; its squad's queue takes it")
    priority: Priority = Priority.P3


class MessageIn(Input):
    body: Body
    internal: bool = Field(default=False, description="an internal note the requester never sees")


class TicketMove(Input):
    version: int | None = Field(default=None, description="the version you read")


class LinkIn(Input):
    problem: str = Field(min_length=1, description="PRB-7: the cause behind it")


class EscalationIn(Input):
    incident: str | None = Field(
        default=None,
        description="INC-42: the incident others are affected by too; leave out to declare "
        "one from the ticket (its title, service and description)",
    )
    impact: int = Field(default=2, ge=1, le=3, description="of an incident declared: 1 = high")
    urgency: int = Field(default=2, ge=1, le=3, description="of an incident declared: 1 = high")


class SurveyAnswer(Input):
    score: int = Field(ge=1, le=5, description="1 = very dissatisfied ... 5 = very satisfied")
    comment: str = Field(default="", max_length=2000)


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    author: str
    body: str
    internal: bool
    created_at: datetime


class TicketRead(BaseModel):
    key: str
    kind: Kind
    title: str
    description: str
    requester: str
    organisation: str
    platform: str
    service: str
    squad: str
    priority: Priority
    status: Status
    incident: str | None
    problem: str | None
    first_response_due: datetime
    resolution_due: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    first_response_breached: bool
    resolution_breached: bool
    created_at: datetime
    version: int
    messages: list[MessageRead]


class SurveyRead(BaseModel):
    """What a survey asks about: a ticket or an incident."""

    ticket: str | None
    incident: str | None = None
    title: str
    answered: bool


class Csat(BaseModel):
    """Satisfaction of one squad, service or platform (or of all): answers, how many
    surveys went out, and the share of satisfied answers (4 or 5) in percent."""

    squad: str | None = Field(description="the squad, service or platform; none for all")
    sent: int
    answered: int
    csat: float | None


class CsatFigures(BaseModel):
    """A period's satisfaction: of the surveys sent in it (the tickets resolved then), as
    answered so far, overall and per squad."""

    sent: int
    answered: int
    csat: float | None = Field(description="share of answers scoring 4 or 5, in percent")
    by_squad: list[Csat]
    by_service: list[Csat] = Field(description="by the service the survey asked about")
    by_platform: list[Csat]

"""What the service desk's API and CLI accept and return."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, WithJsonSchema

from opsroom.audit.schemas import Stamp
from opsroom.desk.domain import (
    Approver,
    Decision,
    FieldType,
    Kind,
    Priority,
    Status,
)
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
    body: Body | None = Field(default=None, description="required unless `canned` is given")
    internal: bool = Field(default=False, description="an internal note the requester never sees")
    canned: str | None = Field(
        default=None,
        max_length=80,
        description="the title of one of the platform's canned responses, sent as the body",
    )


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


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    added_by: str
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
    attachments: list[AttachmentRead] = []
    request_type: str | None = None
    answers: dict[str, str] = Field(default_factory=dict)
    approvals: list[ApprovalRead] = Field(default_factory=list)


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


# --- a platform's desk settings -----------------------------------------------------------

# The longest target: five years of minutes, far beyond any business hours' reach.
MAX_TARGET = 60 * 24 * 365 * 5


class TargetsDoc(Input):
    first_response: int = Field(ge=1, le=MAX_TARGET, description="business minutes")
    resolution: int = Field(ge=1, le=MAX_TARGET, description="business minutes")


class PriorityTargets(Input):
    P1: TargetsDoc
    P2: TargetsDoc
    P3: TargetsDoc
    P4: TargetsDoc


# A wall-clock time of day in the platform's zone. JSON Schema's `time` format is RFC 3339's,
# which demands an offset ("08:00:00Z"); an opening hour has none, so it is described as text.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "examples": ["08:00"]}
    ),
]


class OpeningDoc(Input):
    opens: LocalTime = Field(description="local time, e.g. 08:00")
    closes: LocalTime = Field(description="local time, after it opens")


class WeekDoc(Input):
    """Each weekday's opening hours; null when the desk is closed that day."""

    monday: OpeningDoc | None = None
    tuesday: OpeningDoc | None = None
    wednesday: OpeningDoc | None = None
    thursday: OpeningDoc | None = None
    friday: OpeningDoc | None = None
    saturday: OpeningDoc | None = None
    sunday: OpeningDoc | None = None


class CannedResponseDoc(Input):
    title: str = Field(min_length=1, max_length=80)
    body: Body


class DeskSettingsDoc(Input):
    targets: PriorityTargets = Field(description="first response and resolution by priority")
    zone: str = Field(
        min_length=1, max_length=64, description="the IANA time zone, e.g. Europe/Amsterdam"
    )
    hours: WeekDoc
    holidays: list[date] = Field(
        default_factory=list, max_length=400, description="local dates the desk is closed"
    )
    reopen_days: int = Field(
        ge=0, le=365, description="days after resolution a requester's reply reopens a ticket"
    )
    canned_responses: list[CannedResponseDoc] = Field(
        default_factory=list, max_length=50, description="replies the desk sends often"
    )


class DeskSettingsRead(Stamp, DeskSettingsDoc):
    """A platform's desk settings with their stamp: send it back to change them."""


# --- organisations ------------------------------------------------------------------------

OrganisationName = Annotated[str, Field(min_length=1, max_length=120)]
EmailDomain = Annotated[
    str,
    Field(
        max_length=253,
        pattern=r"^(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?))+$",
        description="e.g. acme.example: mail from it is this organisation's",
    ),
]


class OrganisationCreate(Input):
    name: OrganisationName
    domains: list[EmailDomain] = Field(default_factory=list, max_length=50)
    platforms: list[Slug] = Field(min_length=1, description="the platforms it is a customer of")


class OrganisationUpdate(Input):
    version: int = Field(description="the version you read")
    domains: list[EmailDomain] | None = Field(default=None, max_length=50)
    platforms: list[Slug] | None = Field(default=None, min_length=1)


class OrganisationRead(BaseModel):
    name: str
    domains: list[str]
    platforms: list[str]
    requesters: list[str]
    created_at: datetime
    version: int


class Sender(BaseModel):
    """Who an email address is to the desk: a requester's own account, or someone at an
    organisation's email domain without one (`account` false)."""

    address: str
    organisation: str
    account: bool


# --- the request catalog ------------------------------------------------------------------


class RequestFieldDoc(Input):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$", description="e.g. cost_centre")
    label: str = Field(min_length=1, max_length=120)
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(
        default_factory=list, max_length=50, description="what a choice offers"
    )


class ApprovalStepDoc(Input):
    approver: Approver
    squad: Slug | None = Field(
        default=None, description="a squad lead's squad; the fulfilment squad when left out"
    )


class RequestTypeCreate(Input):
    slug: Slug = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=2, max_length=200)
    description: str = Field(default="", max_length=5000)
    service: Slug = Field(description="the service it is asked of")
    squad: Slug | None = Field(
        default=None, description="the squad that fulfils it; the service's owner when left out"
    )
    priority: Priority = Field(default=Priority.P3, description="its SLA: that priority's targets")
    fields: list[RequestFieldDoc] = Field(default_factory=list, max_length=30)
    approvals: list[ApprovalStepDoc] = Field(default_factory=list, max_length=5)


class RequestTypeUpdate(Input):
    version: int
    name: str | None = Field(default=None, min_length=2, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    fields: list[RequestFieldDoc] | None = Field(default=None, max_length=30)
    approvals: list[ApprovalStepDoc] | None = Field(default=None, max_length=5)
    active: bool | None = None


class RequestTypeRead(BaseModel):
    slug: str
    name: str
    description: str
    platform: str
    service: str
    squad: str
    priority: Priority
    fields: list[RequestFieldDoc]
    approvals: list[ApprovalStepDoc]
    active: bool
    version: int


class RequestIn(Input):
    """A request from the catalog: its type's answers, by field name."""

    type: Slug
    title: str | None = Field(default=None, min_length=3, max_length=300)
    answers: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    requester: EmailStr | None = Field(default=None, description="required from the desk")
    organisation: str | None = Field(default=None, min_length=1, max_length=120)


class ApprovalIn(Input):
    note: str = Field(default="", max_length=2000)


class ApprovalRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    step: int
    approver: Approver
    squad: str | None
    decision: Decision
    decided_by: str | None
    decided_at: datetime | None
    note: str

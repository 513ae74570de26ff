"""What the notification API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from opsroom.auth.domain import Principal
from opsroom.incidents.domain import Audience
from opsroom.infra.apidoc import Input
from opsroom.notify.domain import (
    Channel,
    Delivery,
    Urgency,
    address_problem,
    address_seen_by,
    stored_address,
)


class ContactMethodIn(Input):
    kind: Channel
    address: str = Field(
        min_length=3,
        max_length=2000,
        description="email address, https URL, phone number (+27821234567) for sms and voice, "
        "or an Apprise URL for push (ntfys://ntfy.sh/topic)",
    )
    label: str = Field(default="", max_length=100)

    @model_validator(mode="after")
    def _address_fits_kind(self) -> ContactMethodIn:
        problem = address_problem(self.kind, self.address)
        if problem:
            raise ValueError(problem)
        self.address = stored_address(self.kind, self.address)
        return self


class ContactMethodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person: str
    kind: Channel
    address: str
    label: str
    verified_at: datetime | None = Field(
        description="when its owner named back the code sent to it; pages reach it only once "
        "verified (SMS numbers; other kinds are verified when added)"
    )
    verification_sent_at: datetime | None = Field(
        description="when the code now awaited was sent (it lives 15 minutes)"
    )

    def seen_by(self, actor: Principal) -> ContactMethodRead:
        """With the phone number masked unless `actor` is its owner or an administrator."""
        address = address_seen_by(actor, self.person, self.kind, self.address)
        return self.model_copy(update={"address": address})


class ContactMethodUpdate(Input):
    """Change a contact method's address or label; its kind stays (add another for a new kind)."""

    address: str | None = Field(default=None, min_length=3, max_length=2000)
    label: str | None = Field(default=None, max_length=100)


URGENCY_HELP = "the pages the rule is for: any, high or low urgency"


class RuleIn(Input):
    contact_method: int = Field(ge=1, le=2**31 - 1)
    delay_minutes: int = Field(default=0, ge=0, le=1440)
    urgency: Urgency = Field(default=Urgency.ANY, description=URGENCY_HELP)


class RuleUpdate(Input):
    delay_minutes: int = Field(ge=0, le=1440)
    urgency: Urgency | None = Field(default=None, description=URGENCY_HELP)


class QuietHoursIn(Input):
    """When not to be woken for a low-urgency page: it waits until the quiet hours end."""

    start: time = Field(description="when they start, local time (22:00)")
    end: time = Field(description="when they end, local time (07:00; before start: next day)")
    time_zone: str = Field(
        min_length=1,
        max_length=60,
        description="an IANA time zone",
        examples=["Africa/Johannesburg"],
    )

    @field_validator("time_zone")
    @classmethod
    def _iana(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{zone}' is not an IANA time zone (such as Europe/Berlin)") from None
        return zone

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHoursIn:
        if self.start == self.end:
            raise ValueError("quiet hours must end at another time than they start")
        return self


class QuietHoursRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person: str
    start: time
    end: time
    time_zone: str


class VerificationCode(Input):
    code: str = Field(
        min_length=1, max_length=20, description="the code sent to the contact method"
    )


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person: str
    contact_method_id: int
    delay_minutes: int
    urgency: Urgency


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Channel
    address: str
    person: str
    incident_key: str | None
    kind: str
    status: str
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str | None
    created_at: datetime
    idempotency_key: str = Field(
        description="the same on every attempt at this delivery: receivers drop repeats by it"
    )

    def seen_by(self, actor: Principal) -> NotificationRead:
        """With the phone number masked unless `actor` is its owner or an administrator."""
        address = address_seen_by(actor, self.person, self.channel, self.address)
        return self.model_copy(update={"address": address})


class PastNotification(Input):
    """A page sent before, kept for the record."""

    incident: str = Field(max_length=40)
    person: str = Field(max_length=320)
    channel: Channel
    address: str = Field(max_length=2000)
    status: Delivery
    attempts: int = Field(default=1, ge=1, le=100)
    sent_at: AwareDatetime
    error: str | None = Field(default=None, max_length=2000)


class Target(StrEnum):
    SERVICE = "service"
    JOURNEY = "journey"


class SubscriptionIn(Input):
    """Subscribe to a service or a business journey: yourself when no subscriber is named."""

    subscriber: EmailStr | None = Field(
        default=None, description="a person's account or a bare email address; you by default"
    )
    service: str | None = Field(default=None, max_length=80)
    journey: str | None = Field(default=None, max_length=80)
    audience: Audience | None = Field(
        default=None,
        description="internal: every status update; customer: customer updates only. By default "
        "internal for accounts that may work incidents, customer for everyone else",
    )

    @model_validator(mode="after")
    def _one_target(self) -> SubscriptionIn:
        if bool(self.service) == bool(self.journey):
            raise ValueError("name either a service or a journey")
        return self

    @property
    def target(self) -> tuple[Target, str]:
        if self.service:
            return Target.SERVICE, self.service
        return Target.JOURNEY, self.journey or ""


class SubscriptionUpdate(Input):
    audience: Audience = Field(
        description="internal: every status update; customer: customer updates only"
    )


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscriber: str
    person: bool = Field(
        description="an account reached on its contact methods, else a bare address"
    )
    target_kind: Target
    target: str
    audience: Audience = Field(
        description="internal: every status update; customer: customer updates only"
    )
    created_by: str
    created_at: datetime


class IncidentNews(BaseModel):
    """What an incident tells its stakeholders: the incident, what happened, and a key that
    makes the same news go out once."""

    key: str
    title: str
    priority: str
    status: str
    services: tuple[str, ...]
    headline: str
    body: str = ""
    occasion: str
    audience: Audience = Field(
        default=Audience.CUSTOMER,
        description="an internal update reaches internal subscribers only; other news, everyone",
    )

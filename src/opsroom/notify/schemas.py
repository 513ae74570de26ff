"""What the notification API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from opsroom.apidoc import Input
from opsroom.notify.domain import Channel, Delivery


class ContactMethodIn(Input):
    kind: Channel
    address: str = Field(min_length=3, max_length=2000, description="email address or https URL")
    label: str = Field(default="", max_length=100)

    @model_validator(mode="after")
    def _address_fits_kind(self) -> ContactMethodIn:
        if self.kind is Channel.EMAIL and "@" not in self.address:
            raise ValueError("an email contact needs an email address")
        if self.kind is not Channel.EMAIL and not self.address.startswith(("https://", "http://")):
            raise ValueError("a webhook or chat contact needs an http(s) URL")
        return self


class ContactMethodRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person: str
    kind: Channel
    address: str
    label: str


class RuleIn(Input):
    contact_method: int = Field(ge=1, le=2**31 - 1)
    delay_minutes: int = Field(default=0, ge=0, le=1440)


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person: str
    contact_method_id: int
    delay_minutes: int


class NotificationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: Channel
    address: str
    person: str
    incident_key: str | None
    status: str
    attempts: int
    due_at: datetime
    sent_at: datetime | None
    last_error: str | None
    created_at: datetime


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

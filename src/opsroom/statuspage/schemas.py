"""What a status page's API answers and accepts: the page as customers read it (nothing
internal), its settings, and an email subscription."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from opsroom.audit.schemas import Stamp
from opsroom.infra.apidoc import Input
from opsroom.kpis.schemas import DailyUptime
from opsroom.statuspage.domain import ComponentState, Visibility


class PublicUpdate(BaseModel):
    at: datetime
    body: str


class PublicIncident(BaseModel):
    """An incident as customers see it: its customer updates only, never internal ones."""

    key: str
    title: str
    status: str
    services: list[str]
    detected_at: datetime
    resolved_at: datetime | None
    updates: list[PublicUpdate]


class Component(BaseModel):
    slug: str
    name: str
    state: ComponentState


class Maintenance(BaseModel):
    """Scheduled maintenance as customers are told of it: when and on what, no more."""

    key: str
    services: list[str]
    starts_at: datetime
    ends_at: datetime


class StatusPage(BaseModel):
    platform: str
    name: str
    state: ComponentState
    components: list[Component]
    open_incidents: list[PublicIncident]
    maintenance: list[Maintenance] = Field(description="approved changes in the coming days")
    uptime: list[DailyUptime] = Field(description="each service's last 90 days, day by day")
    journey_uptime: list[DailyUptime]
    history: list[PublicIncident] = Field(description="the incidents of the last 90 days")


class StatusPageSettingsDoc(Input):
    visibility: Visibility = Field(
        default=Visibility.PUBLIC,
        description="public (anyone), signed_in (anyone signed in) or off (no page: 404)",
    )
    maintenance_days: int = Field(default=14, ge=0, le=90)


class StatusPageSettingsRead(Stamp, StatusPageSettingsDoc):
    """A platform's status page settings with their stamp: send it back to change."""


class SubscriberIn(Input):
    email: EmailStr


class SubscriptionAnswer(BaseModel):
    """Always the same answer, whether the address was new, pending or confirmed already:
    the page does not tell strangers who subscribed."""

    platform: str
    message: str


class SubscriberRead(BaseModel):
    id: int
    email: str
    created_at: datetime
    confirmed_at: datetime | None

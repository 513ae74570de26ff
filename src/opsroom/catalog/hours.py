"""A platform's working hours and time zone: when its people are at work, which is when a
low-urgency incident starts paging. A settings document: the installation's, which a
platform may override."""

from __future__ import annotations

from datetime import time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.audit.schemas import Stamp
from opsroom.catalog.domain import DEFAULT_WORKING_HOURS, WEEKDAYS, WorkingHours

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WorkingHoursDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time_zone: str | None = Field(
        description="an IANA time zone (Europe/Berlin); null: the zone opsroom is configured with"
    )
    days: list[Weekday] = Field(min_length=1, description="the days people work")
    start: time = Field(description="when the working day starts, local time")
    end: time = Field(description="when it ends, local time (00:00: at midnight)")

    @field_validator("time_zone")
    @classmethod
    def _iana(cls, zone: str | None) -> str | None:
        if zone is None:
            return None
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{zone}' is not an IANA time zone (such as Europe/Berlin)") from None
        return zone

    @field_validator("days")
    @classmethod
    def _in_week_order(cls, days: list[Weekday]) -> list[Weekday]:
        return [day for day in WEEKDAYS if day in days]

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: ValidationInfo) -> time:
        start = info.data.get("start")
        if start is not None and end != time(0) and end <= start:
            raise ValueError("the working day ends after it starts (00:00: at midnight)")
        return end


class WorkingHoursRead(WorkingHoursDoc, Stamp):
    """The working hours as read, with their stamp."""


def to_rules(doc: WorkingHoursDoc) -> WorkingHours:
    return WorkingHours(
        zone=doc.time_zone,
        weekdays=frozenset(WEEKDAYS.index(day) for day in doc.days),
        start=doc.start,
        end=doc.end,
    )


def to_doc(hours: WorkingHours) -> WorkingHoursDoc:
    return WorkingHoursDoc(
        time_zone=hours.zone,
        days=[WEEKDAYS[n] for n in sorted(hours.weekdays)],
        start=hours.start,
        end=hours.end,
    )


WORKING_HOURS = Document(
    key="working_hours",
    title="the working hours",
    subject_type="working_hours",
    subject_key="installation",
    written=WorkingHoursDoc,
    stamped=WorkingHoursRead,
    defaults=DEFAULT_WORKING_HOURS,
    to_rules=to_rules,
    to_written=to_doc,
)


def working_hours(session: Session, platform: str = EVERYWHERE) -> WorkingHours:
    """The working hours in force on `platform`."""
    return WORKING_HOURS.rules(session, platform)

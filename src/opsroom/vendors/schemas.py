"""What the vendor engagements' API and CLI accept and return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from opsroom.infra.apidoc import Input
from opsroom.vendors.domain import ContractState, CreditStatus, EngagementStatus, SupportLevel


class EngagementIn(Input):
    vendor: str = Field(min_length=2, max_length=80, description="the vendor's slug")


class EngagementRequest(EngagementIn):
    incident: str = Field(min_length=5, max_length=20, description="the incident's key: INC-42")


class VerdictRead(BaseModel):
    due_at: datetime | None
    met: bool | None = Field(description="true met, false breached, null still running")
    minutes_over: int


class EngagementRead(BaseModel):
    id: int
    incident: str
    vendor: str
    priority: str
    status: EngagementStatus
    level: int = Field(description="the escalation ladder's level reached")
    engaged_by: str
    engaged_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    response: VerdictRead
    resolution: VerdictRead
    credit: int = Field(description="service credit owed by the contract's breach_credits")
    currency: str
    credit_status: CreditStatus
    dispute_note: str
    settlement_note: str


Note = Annotated[str, Field(min_length=3, max_length=5000)]


class DisputeIn(Input):
    note: Note


class SettlementIn(Input):
    outcome: CreditStatus = Field(description="upheld (the credit stands) or waived")
    note: Note


class ComplianceRead(BaseModel):
    met: int
    breached: int
    percent: float | None = Field(description="met of those judged; null when none was")


class VendorSlaRead(BaseModel):
    """A vendor that runs a service: what its contract promises and how it kept it."""

    vendor: str
    name: str
    availability: float | None = Field(
        description="percent its SLA terms promise (`availability_percent`); null if none"
    )
    response: ComplianceRead
    resolution: ComplianceRead


class PlatformVendorsRead(BaseModel):
    """The vendors engaged on one platform's incidents over a period (the guild view)."""

    engagements: int
    response: ComplianceRead
    resolution: ComplianceRead
    credits_owed: int = Field(description="owed, disputed or upheld, in the contracts' currencies")


class ScorecardRead(BaseModel):
    vendor: str
    name: str
    since: date
    until: date = Field(description="the period's last day, included")
    engagements: int
    response: ComplianceRead
    resolution: ComplianceRead
    mttr_minutes: float | None = Field(description="mean detection to resolution, its incidents")
    credits_owed: int = Field(description="owed, disputed or upheld; waived credits left out")
    credits_disputed: int
    currency: str
    incidents_caused: list[str] = Field(
        description="incidents detected in the period whose problem's root cause lies with it"
    )
    changes_made: int = Field(description="its changes planned to start in the period")
    changes_failed: int = Field(description="of those finished, failed or rolled back")
    rows: list[EngagementRead]


class OutOfSupportIn(Input):
    component: str = Field(min_length=2, max_length=200, description="e.g. Payflow SDK 2.x")
    ends_on: date = Field(description="the day support ended, or ends")


class ContractIn(Input):
    version: int | None = Field(default=None, description="the version loaded; none for a new one")
    starts_on: date
    ends_on: date
    support_level: SupportLevel
    notice_days: int = Field(
        default=90, ge=1, le=730, description="remind this long before it ends"
    )
    owner: str = Field(
        default="",
        max_length=320,
        description="who renews it; else the platforms' operations managers",
    )
    out_of_support: list[OutOfSupportIn] = Field(
        default=[],
        max_length=100,
        description="components it no longer supports: each an issue until support returns",
    )

    @field_validator("out_of_support", mode="before")
    @classmethod
    def _from_lines(cls, value: object) -> object:
        """From a form or the terminal: one `component = YYYY-MM-DD` a line."""
        if not isinstance(value, str):
            return value
        return [_component_line(line) for line in value.splitlines() if line.strip()]


def _component_line(line: str) -> dict[str, str]:
    component, equals, day = line.rpartition("=")
    if not equals:
        raise ValueError(f"'{line.strip()}': write it as component = YYYY-MM-DD")
    return {"component": component.strip(), "ends_on": day.strip()}


class ContractRead(BaseModel):
    vendor: str
    starts_on: date
    ends_on: date
    support_level: SupportLevel
    notice_days: int
    owner: str
    reminder_on: date
    out_of_support: list[OutOfSupportIn]
    state: ContractState
    version: int

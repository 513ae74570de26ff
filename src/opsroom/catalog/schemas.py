"""What the catalog accepts and returns, over the API, the CLI and catalog files alike."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    model_validator,
)

from opsroom.catalog.domain import SLUG_PATTERN, Activity, Criticality, Lifecycle, Raci, RunBy, Tier
from opsroom.infra.apidoc import Input as Input  # re-exported: catalog files build on it


def _slug(value: str) -> str:
    if not SLUG_PATTERN.match(value):
        raise ValueError("use lower-case letters, digits and single hyphens, e.g. 'order-api'")
    return value


Slug = Annotated[str, Field(min_length=2, max_length=80), AfterValidator(_slug)]
# On output, a related record is named by its slug.
SlugOf = Annotated[str, BeforeValidator(lambda v: getattr(v, "slug", v))]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
OptionalEmail = EmailStr | Literal[""]
Region = Annotated[str, Field(min_length=2, max_length=50)]


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _url(value: str) -> str:
    if value:
        HttpUrl(value)
    return value


Url = Annotated[str, Field(max_length=500), AfterValidator(_url)]


def _json_object(value: dict[str, Any]) -> dict[str, Any]:
    """Free-form data as it will be stored: dates become ISO text, unstorable values an error."""
    try:
        stored: dict[str, Any] = orjson.loads(orjson.dumps(value))
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise ValueError(f"cannot be stored: {exc}") from exc
    return stored


JsonObject = Annotated[dict[str, Any], AfterValidator(_json_object)]


# --- platforms --------------------------------------------------------------------------


class PlatformCreate(Input):
    slug: Slug
    name: Name
    description: Text = ""
    operations_manager_name: str = Field(default="", max_length=200)
    operations_manager_email: OptionalEmail = ""


class PlatformUpdate(Input):
    version: int
    name: Name | None = None
    description: Text | None = None
    operations_manager_name: str | None = Field(default=None, max_length=200)
    operations_manager_email: OptionalEmail | None = None


class PlatformRead(Output):
    slug: str
    name: str
    description: str
    operations_manager_name: str
    operations_manager_email: str
    version: int


# --- squads -----------------------------------------------------------------------------


class MemberIn(Input):
    name: Name
    email: EmailStr
    phone: str = Field(default="", max_length=50)
    role: str = Field(default="engineer", max_length=100)


class MemberRead(Output):
    id: int
    name: str
    email: str
    phone: str
    role: str


class SquadCreate(Input):
    slug: Slug
    name: Name
    platform: Slug
    description: Text = ""
    email: OptionalEmail = ""
    chat_channel: str = Field(default="", max_length=200)
    members: list[MemberIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_member_emails(self) -> SquadCreate:
        emails = [m.email.lower() for m in self.members]
        if len(emails) != len(set(emails)):
            raise ValueError("each member email may appear once in a squad")
        return self


class SquadUpdate(Input):
    version: int
    name: Name | None = None
    description: Text | None = None
    email: OptionalEmail | None = None
    chat_channel: str | None = Field(default=None, max_length=200)


class SquadRead(Output):
    slug: str
    name: str
    platform: SlugOf
    description: str
    email: str
    chat_channel: str
    members: list[MemberRead]
    version: int


# --- services ---------------------------------------------------------------------------


class ServiceCreate(Input):
    slug: Slug
    name: Name
    platform: Slug
    owner: Slug = Field(description="slug of the owner squad")
    tier: Tier = Field(description="1 = business-critical ... 4 = low")
    run_by: RunBy = RunBy.SQUAD
    lifecycle: Lifecycle = Lifecycle.LIVE
    description: Text = ""
    runbook_url: Url = ""
    data_regions: list[Region] = Field(default_factory=list, description="where its data may live")
    hosting_regions: list[Region] = Field(default_factory=list, description="where it runs")
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(default_factory=list)
    depends_on: list[Slug] = Field(
        default_factory=list, description="slugs of services it depends on"
    )


class ServiceUpdate(Input):
    version: int
    name: Name | None = None
    owner: Slug | None = None
    tier: Tier | None = None
    run_by: RunBy | None = None
    lifecycle: Lifecycle | None = None
    description: Text | None = None
    runbook_url: Url | None = None
    data_regions: list[Region] | None = None
    hosting_regions: list[Region] | None = None
    tags: list[Annotated[str, Field(min_length=1, max_length=50)]] | None = None


class ServiceMove(Input):
    """Moving a service to another platform: the squad of that platform that will own it."""

    version: int
    platform: Slug
    owner: Slug = Field(description="a squad of the platform the service moves to")


class ServiceRead(Output):
    slug: str
    name: str
    platform: SlugOf
    owner: SlugOf
    tier: int
    run_by: str
    lifecycle: str
    description: str
    runbook_url: str
    data_regions: list[str]
    hosting_regions: list[str]
    tags: list[str]
    version: int


class DependencyIn(Input):
    depends_on: Slug


class ServiceRef(BaseModel):
    slug: str
    name: str
    tier: int
    platform: str


class DependenciesRead(BaseModel):
    service: str
    depends_on: list[ServiceRef] = Field(description="direct upstream dependencies")
    depended_on_by: list[ServiceRef] = Field(description="direct downstream dependants")
    upstream: list[ServiceRef] = Field(description="everything it depends on, transitively")
    downstream: list[ServiceRef] = Field(description="everything that depends on it, transitively")


class AffectedService(ServiceRef):
    hops: int


class JourneyRef(BaseModel):
    slug: str
    name: str
    criticality: str


class BlastRadiusRead(BaseModel):
    service: str
    services: list[AffectedService]
    journeys: list[JourneyRef]
    platforms: list[str] = Field(description="platforms the failure reaches, its own included")


# --- journeys ---------------------------------------------------------------------------


class JourneyCreate(Input):
    slug: Slug
    name: Name
    platform: Slug
    owner: Slug
    criticality: Criticality = Criticality.HIGH
    description: Text = ""
    services: list[Slug] = Field(
        min_length=1, description="the services it passes through, in order"
    )


class JourneyUpdate(Input):
    version: int
    name: Name | None = None
    owner: Slug | None = None
    criticality: Criticality | None = None
    description: Text | None = None
    services: list[Slug] | None = Field(default=None, min_length=1)


class JourneyRead(Output):
    slug: str
    name: str
    platform: SlugOf
    owner: SlugOf
    criticality: str
    description: str
    services: list[str]
    version: int


# --- vendors ----------------------------------------------------------------------------


class ContactIn(Input):
    name: Name
    email: OptionalEmail = ""
    phone: str = Field(default="", max_length=50)
    hours: str = Field(default="", max_length=100, description="e.g. 24x7 or Mon-Fri 08-18 CET")


def _numbered_in_order(levels: list[EscalationLevelIn] | None) -> list[EscalationLevelIn] | None:
    if levels is not None and [lvl.level for lvl in levels] != list(range(1, len(levels) + 1)):
        raise ValueError("escalation levels must be numbered 1, 2, 3 ... in order")
    return levels


class EscalationLevelIn(Input):
    level: int = Field(ge=1, le=10)
    contact: Name
    email: OptionalEmail = ""
    phone: str = Field(default="", max_length=50)
    response_minutes: int = Field(ge=1, le=60 * 24 * 14)


class VendorServiceIn(Input):
    service: Slug
    relation: str = Field(default="supports", pattern="^(runs|supports)$")


class VendorCreate(Input):
    slug: Slug
    name: Name
    description: Text = ""
    products: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list
    )
    support_contacts: list[ContactIn] = Field(default_factory=list)
    escalation: Annotated[list[EscalationLevelIn], AfterValidator(_numbered_in_order)] = Field(
        default_factory=list
    )
    contract_reference: str = Field(default="", max_length=200)
    sla_terms: JsonObject = Field(default_factory=dict, description="free-form SLA terms as data")
    services: list[VendorServiceIn] = Field(default_factory=list)


class VendorUpdate(Input):
    version: int
    name: Name | None = None
    description: Text | None = None
    products: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = None
    support_contacts: list[ContactIn] | None = None
    escalation: Annotated[list[EscalationLevelIn] | None, AfterValidator(_numbered_in_order)] = None
    contract_reference: str | None = Field(default=None, max_length=200)
    sla_terms: JsonObject | None = None
    services: list[VendorServiceIn] | None = None


class EscalationLevelRead(Output):
    level: int
    contact: str
    email: str
    phone: str
    response_minutes: int


class VendorServiceRead(Output):
    service: SlugOf
    relation: str


class VendorRead(Output):
    slug: str
    name: str
    description: str
    products: list[str]
    support_contacts: list[dict[str, Any]]
    escalation: list[EscalationLevelRead]
    contract_reference: str
    sla_terms: dict[str, Any]
    services: list[VendorServiceRead]
    version: int


# --- RACI -------------------------------------------------------------------------------


class RaciPartyIn(Input):
    letter: Raci
    squad: Slug | None = None
    role: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _squad_or_role(self) -> RaciPartyIn:
        if (self.squad is None) == (self.role is None):
            raise ValueError("give either a squad or a role, not both")
        return self


class RaciSet(Input):
    parties: list[RaciPartyIn]


class RaciEntryIn(RaciPartyIn):
    """One line of a catalog file: these letters for this party on these services."""

    services: list[Slug] = Field(min_length=1)
    activities: list[Activity] = Field(min_length=1)


class RaciCell(BaseModel):
    letter: str
    party: str


class RaciGapRead(BaseModel):
    service: str
    activity: str
    problem: str


class RaciMatrixRead(BaseModel):
    activities: list[str]
    rows: dict[str, dict[str, list[RaciCell]]] = Field(description="service -> activity -> holders")
    gaps: list[RaciGapRead]

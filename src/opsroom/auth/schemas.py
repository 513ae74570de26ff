from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    SecretStr,
    model_validator,
)

from opsroom.auth.domain import Role, Scope
from opsroom.infra.apidoc import Input


def _zone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError("use an IANA time zone such as Europe/Amsterdam")
    return value


TimeZone = Annotated[str, AfterValidator(_zone)]


def _each_once(scopes: list[Scope]) -> list[Scope]:
    return sorted(set(scopes))


class UserCreate(Input):
    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: Role = Role.VIEWER
    password: SecretStr | None = Field(default=None, description="omit for a service account")
    vendor: str | None = Field(
        default=None, description="vendor slug; required for vendor contacts"
    )
    organisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=120,
        description="customer organisation; required for requesters",
    )
    timezone: TimeZone = "UTC"
    phone: str = Field(default="", max_length=50)
    service_account: bool = False

    @model_validator(mode="after")
    def _vendor_for_vendor_contacts(self) -> UserCreate:
        if (self.role is Role.VENDOR_CONTACT) != (self.vendor is not None):
            raise ValueError("a vendor is given for vendor contacts, and only for them")
        if (self.role is Role.REQUESTER) != (self.organisation is not None):
            raise ValueError("an organisation is given for requesters, and only for them")
        if not self.service_account and self.password is None:
            raise ValueError("people need a password; only service accounts have none")
        return self


class UserUpdate(Input):
    version: int
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    vendor: str | None = None
    organisation: str | None = Field(default=None, min_length=1, max_length=120)
    timezone: TimeZone | None = None
    phone: str | None = Field(default=None, max_length=50)
    active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    email: str
    display_name: str
    role: Role
    vendor_slug: str | None
    organisation: str | None
    timezone: str
    phone: str
    is_service_account: bool
    is_active: bool
    last_login_at: datetime | None
    version: int


class TokenCreate(Input):
    name: str = Field(min_length=1, max_length=100)
    scopes: Annotated[list[Scope], AfterValidator(_each_once)] = Field(
        min_length=1, description="each scope once; repeats are ignored"
    )
    expires_at: datetime | None = Field(
        default=None, description="omit for a token that never expires"
    )
    user: EmailStr | None = Field(
        default=None, description="whose token (admins only); default: yours"
    )


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    user: Annotated[str, BeforeValidator(lambda u: getattr(u, "email", u))]
    scopes: list[Scope]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="the secret: shown this once, never again")


class PlatformsIn(Input):
    platforms: list[str] = Field(
        description="slugs of the platforms this operations manager governs; [] for none"
    )


class PlatformsRead(BaseModel):
    email: str
    platforms: list[str]


class Me(BaseModel):
    name: str
    role: Role
    squads: list[str]
    platforms: list[str]
    vendor: str | None
    organisation: str | None
    scopes: list[Scope]
    via: str
    default_platform: str | None = Field(
        default=None, description="the platform the person's list pages open on; none: all"
    )


class DefaultPlatformIn(Input):
    platform: str | None = Field(
        default=None, max_length=80, description="a platform slug; none: every platform"
    )

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_key: str
    before: Any
    after: Any
    prev_hash: str
    hash: str


class VerifyRead(BaseModel):
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str | None = None


class Stamp(BaseModel):
    """What a settings document carries besides the settings: the version read, to send back
    with a change, and who made the last change and when. A document as read can be sent
    back as it is: its read-only fields are accepted, and ignored."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the version you read (0 while the defaults apply)")
    updated_by: str | None = Field(default=None, description="read-only; ignored")
    updated_at: datetime | None = Field(default=None, description="read-only; ignored")


# Where a setting in force on a platform comes from: the platform's own override, the
# installation's document, or the shipped defaults.
Source = Literal["platform", "installation", "defaults"]


class SettingRead(BaseModel):
    """One top-level setting of a document as it holds on a platform."""

    name: str
    value: Any
    source: Source
    inherited: bool = Field(description="false only where the platform overrides it")
    overridable: bool = Field(description="false for a setting every platform shares")


class ScopedSettings(BaseModel):
    """A settings document as it holds on one platform: each setting with where it comes
    from. `version` is the version of the platform's overrides (0 while it has none)."""

    document: str
    platform: str
    version: int
    updated_by: str | None
    updated_at: datetime | None
    settings: list[SettingRead]


class Overrides(BaseModel):
    """Settings a platform overrides (each a top-level field of the document, with its
    whole value), sent with the version of the overrides read."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(description="the version of the platform's overrides you read")
    overrides: dict[str, Any] = Field(min_length=1)


class SettingsVersion(BaseModel):
    """One version of a document: who made it, when, and what it changed (the settings it
    changed, as they were before and after; null where there was none)."""

    version: int
    at: datetime
    actor: str
    action: str
    before: Any
    after: Any

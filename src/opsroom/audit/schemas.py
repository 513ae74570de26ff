from __future__ import annotations

from datetime import datetime
from typing import Any

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

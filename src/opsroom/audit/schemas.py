from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


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

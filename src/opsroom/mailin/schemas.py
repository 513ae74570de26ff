"""What the inbound mail API and CLI accept and return."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from opsroom.infra.apidoc import Input
from opsroom.mailin.domain import Outcome


class MailRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    message_id: str
    via: str
    sender: str
    subject: str
    text: str = Field(description="the plain text, or the HTML part sanitised to its text")
    outcome: Outcome
    reason: str = Field(description="why it was held or taken for a loop; files not kept")
    subject_key: str | None = Field(description="the ticket or vendor engagement it went to")
    received_at: datetime
    handled_by: str | None


class AcceptIn(Input):
    organisation: str = Field(
        min_length=1, max_length=120, description="the organisation the sender belongs to"
    )
    service: str | None = Field(
        default=None,
        min_length=2,
        max_length=80,
        description="the service the ticket is about; OPSROOM_MAIL_SERVICE when left out",
    )

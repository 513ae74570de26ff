from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, SecretStr

from opsroom.infra.apidoc import Input
from opsroom.runbooks.domain import RunState, Tool


class RunbookIn(Input):
    """A job in Rundeck, Ansible AWX or StackStorm that responders may run on incidents."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    name: str = Field(min_length=1, max_length=200)
    platform: str = Field(min_length=1, max_length=80)
    tool: Tool
    base_url: str = Field(pattern=r"^https?://[^\s/]+(/\S*)?$", description="the tool's address")
    job: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Rundeck job UUID, AWX job template id, StackStorm action ref (pack.action)",
    )
    token: SecretStr = Field(description="Rundeck API token, AWX OAuth2 token, StackStorm API key")
    risky: bool = Field(default=False, description="runs only once an operations manager approves")
    runs_per_hour: int = Field(default=0, ge=0, le=1000, description="0: no limit")
    integration: str | None = Field(
        default=None, description="runs by itself on each incident this integration's alerts open"
    )


class RunbookRead(BaseModel):
    slug: str
    name: str
    platform: str
    tool: Tool
    base_url: str
    job: str
    risky: bool
    runs_per_hour: int
    integration: str | None
    created_by: str


class RunIn(Input):
    incident: str = Field(default="", description="the incident's key (in the URL on pages)")
    runbook: str = Field(description="the runbook's slug")


class DecisionIn(Input):
    note: str = Field(default="", max_length=2000)


class RunRead(BaseModel):
    id: int
    runbook: str
    incident: str
    state: RunState
    context: dict[str, str] = Field(description="what the job was given: the incident's context")
    requested_by: str
    decided_by: str | None
    decision_note: str
    execution: str | None = Field(description="the tool's id for the execution")
    tool_status: str | None = Field(description="the execution's status in the tool's words")
    last_error: str | None
    created_at: datetime
    updated_at: datetime

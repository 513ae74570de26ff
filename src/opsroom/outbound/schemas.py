from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, EmailStr, Field, SecretStr, field_validator

from opsroom.infra.apidoc import Input
from opsroom.outbound.domain import LinkState, Subject, System

HTTP_URL = r"^https?://[^\s/]+(/\S*)?$"


class _ConnectionIn(Input):
    base_url: str = Field(pattern=HTTP_URL, description="e.g. https://example.atlassian.net")
    email: EmailStr = Field(description="the Atlassian account the API token belongs to")
    api_token: SecretStr | None = Field(
        default=None, description="never shown back; left out, the one stored is kept"
    )
    version: int = Field(default=0, description="the version read; 0 for a new connection")

    @field_validator("base_url")
    @classmethod
    def _without_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class JiraConnectionIn(_ConnectionIn):
    """A platform's Jira Cloud (REST API v3, signed in with an email and an API token)."""

    project_key: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,9}$", description="e.g. PAY")
    issue_type: str = Field(default="Task", min_length=1, max_length=60)
    webhook_secret: SecretStr | None = Field(
        default=None, description="the secret of the Jira webhook; never shown back"
    )
    create_for_new_actions: bool = Field(
        default=False, description="every new action item of the platform gets its issue"
    )


class ConfluenceConnectionIn(_ConnectionIn):
    """A platform's Confluence Cloud (REST API v2): where its published reviews go."""

    space_id: str = Field(pattern=r"^\d+$", description="the space's id (a number)")
    parent_id: str = Field(default="", pattern=r"^\d*$", description="a page to file under")


class _ConnectionRead(BaseModel):
    platform: str
    base_url: str
    email: str
    api_token_set: bool
    version: int
    updated_by: str
    updated_at: datetime


class JiraConnectionRead(_ConnectionRead):
    project_key: str
    issue_type: str
    webhook_secret_set: bool
    create_for_new_actions: bool
    webhook_url: str = Field(description="where Jira sends jira:issue_updated")


class ConfluenceConnectionRead(_ConnectionRead):
    space_id: str
    parent_id: str


class LinkRead(BaseModel):
    subject: Subject
    key: str
    system: System
    state: LinkState
    remote_key: str | None = Field(description="the Jira issue's key, the Confluence page's title")
    url: str | None
    remote_status: str | None = Field(description="the Jira issue's status, as last heard")
    remote_version: int | None = Field(description="the Confluence page's version")
    last_error: str | None = Field(description="why Jira or Confluence refused, or last failed")
    requested_by: str
    updated_at: datetime


class Offered(BaseModel):
    """A record's links to Jira and Confluence, and where its platform could send it."""

    links: list[LinkRead]
    platform: str
    system: System = Field(description="where records of its kind go")
    ready: bool = Field(description="its platform has that system set up")

"""What a search answers: the record a key names, and the records whose words match."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class Kind(StrEnum):
    INCIDENT = "incident"
    SERVICE = "service"
    CHANGE = "change"
    PROBLEM = "problem"
    ACTION = "action"
    PERSON = "person"


class Hit(BaseModel):
    kind: Kind
    key: str = Field(description="INC-42, a service's slug, a person's email …")
    title: str
    url: str = Field(description="the record's page")
    detail: str = Field(default="", description="its status, owner or role")


class Results(BaseModel):
    q: str
    jump: str | None = Field(
        default=None, description="the page of the record a key such as INC-42 names"
    )
    hits: list[Hit]

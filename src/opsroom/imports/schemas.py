"""What an import reports."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RejectedRead(BaseModel):
    line: int = Field(description="the line of the first bad row (the header is line 1)")
    number: str | None = Field(description="the incident number in the export")
    problem: str


class ImportResult(BaseModel):
    platform: str
    created: int
    updated: int
    unchanged: int
    squads_created: list[str]
    rejected: list[RejectedRead] = Field(description="incidents skipped whole, with why")

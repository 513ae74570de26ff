"""The settings as people write them (API, CLI and the settings page): one flat document,
validated field by field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from opsroom.audit.schemas import Stamp
from opsroom.improvement.domain import DEFAULT_REVIEW_POLICY, REVIEW_SECTIONS

PriorityLabel = Literal["P1", "P2", "P3", "P4", "P5"]
PRIORITY_LABELS: tuple[PriorityLabel, ...] = ("P1", "P2", "P3", "P4", "P5")
Category = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=2, max_length=40)
]
DueDays = Annotated[int, Field(ge=1, le=730)]


class SettingsDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    review_priorities: list[PriorityLabel] = Field(
        description="incidents of these priorities need a post-incident review"
    )
    review_due_business_days: int = Field(
        ge=1, le=60, description="a review is due this many business days after resolution"
    )
    review_required_sections: list[str] = Field(
        default=sorted(DEFAULT_REVIEW_POLICY.required_sections),
        description=f"sections a required review must have written to be published; of {', '.join(REVIEW_SECTIONS)}",
    )
    review_needs_actions: bool = Field(
        default=DEFAULT_REVIEW_POLICY.needs_actions,
        description="a required review is published only with an action item agreed",
    )
    review_second_approval: bool = Field(
        default=DEFAULT_REVIEW_POLICY.second_approval,
        description="a required review is published only by someone who did not write it",
    )
    categories: list[Category] = Field(
        min_length=1, max_length=40, description="the categories of contributing factors"
    )
    recurrence_incidents: int = Field(
        ge=2, le=50, description="this many alike incidents on a service make a proposal"
    )
    recurrence_days: int = Field(ge=1, le=365, description="... within this many days")
    recurrence_similarity: float = Field(
        ge=50, le=100, description="how alike titles must be (rapidfuzz token-set ratio)"
    )
    action_due_days: dict[PriorityLabel, DueDays] = Field(
        description="an action item is due this many days after it is raised, by priority"
    )
    escalate_after_days: int = Field(
        ge=0, le=90, description="days an item stays overdue before its squad's leads hear"
    )

    @field_validator("review_priorities")
    @classmethod
    def _distinct_priorities(cls, value: list[PriorityLabel]) -> list[PriorityLabel]:
        return sorted(set(value))

    @field_validator("review_required_sections")
    @classmethod
    def _known_sections(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(REVIEW_SECTIONS))
        if unknown:
            raise ValueError(
                f"no section {', '.join(unknown)}; the sections are {', '.join(REVIEW_SECTIONS)}"
            )
        return [name for name in REVIEW_SECTIONS if name in value]

    @field_validator("categories")
    @classmethod
    def _distinct_categories(cls, value: list[str]) -> list[str]:
        repeated = sorted({c for c in value if value.count(c) > 1})
        if repeated:
            raise ValueError(f"each category once; repeated: {', '.join(repeated)}")
        return value

    @field_validator("action_due_days")
    @classmethod
    def _every_priority(cls, value: dict[PriorityLabel, int]) -> dict[PriorityLabel, int]:
        missing = [p for p in PRIORITY_LABELS if p not in value]
        if missing:
            raise ValueError(f"give the due days for every priority; missing: {', '.join(missing)}")
        return {p: value[p] for p in PRIORITY_LABELS}


class ProblemSettings(SettingsDoc, Stamp):
    """The settings as GET returns them and PUT takes them back: with the version read, and
    who changed them last and when."""

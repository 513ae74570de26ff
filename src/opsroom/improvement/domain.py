"""The rules problem management, reviews and action items follow, as one set of settings an
operations manager tunes: pure, with the shipped defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from opsroom.incidents.domain import Priority
from opsroom.infra.events import Event

# The sections of a post-incident review people write, in the order the review reads; the
# wording keeps to systems and decisions, not to who was at fault.
REVIEW_SECTIONS: dict[str, str] = {
    "summary": "Summary",
    "what_happened": "What happened",
    "contributing_factors": "Contributing factors",
    "went_well": "What went well",
    "went_poorly": "What went poorly",
    "got_lucky": "Where we got lucky",
}


@dataclass(frozen=True)
class ReviewPolicy:
    """Which priorities need a post-incident review, how soon it is due, and what such a
    review needs before it is published: its required sections written, an action item
    agreed, and the approval of someone who did not write it (who publishes it)."""

    required_for: frozenset[Priority] = frozenset({Priority.P1, Priority.P2})
    due_business_days: int = 5
    required_sections: frozenset[str] = frozenset(
        {"summary", "what_happened", "contributing_factors"}
    )
    needs_actions: bool = True
    second_approval: bool = True


DEFAULT_REVIEW_POLICY = ReviewPolicy()


@dataclass(frozen=True)
class ActionPolicy:
    """When an action item is due by its source's priority, and when overdue ones escalate."""

    due_in: Mapping[Priority, timedelta] = field(
        default_factory=lambda: {
            Priority.P1: timedelta(days=14),
            Priority.P2: timedelta(days=30),
            Priority.P3: timedelta(days=60),
            Priority.P4: timedelta(days=90),
            Priority.P5: timedelta(days=180),
        }
    )
    escalate_after: timedelta = timedelta(days=7)  # overdue this long: the squad lead hears


DEFAULT_ACTION_POLICY = ActionPolicy()


@dataclass(frozen=True)
class Recurrence:
    """What counts as recurring: `count` incidents on a service within `window` whose titles
    are at least `similarity` (0-100, rapidfuzz token-set ratio) alike."""

    count: int = 3
    window: timedelta = timedelta(days=30)
    similarity: float = 70.0


DEFAULT_RECURRENCE = Recurrence()


DEFAULT_CATEGORIES = (
    "change",
    "capacity",
    "dependency",
    "vendor",
    "configuration",
    "code",
    "process",
    "monitoring gap",
    "human factors",
)


@dataclass(frozen=True)
class Settings:
    reviews: ReviewPolicy = DEFAULT_REVIEW_POLICY
    actions: ActionPolicy = DEFAULT_ACTION_POLICY
    recurrence: Recurrence = DEFAULT_RECURRENCE
    categories: tuple[str, ...] = DEFAULT_CATEGORIES


DEFAULT_SETTINGS = Settings()


def removed_in_use(
    before: Iterable[str], after: Iterable[str], usage: Mapping[str, int]
) -> dict[str, int]:
    """Categories a change would remove although contributing factors still name them."""
    kept = set(after)
    return {c: usage[c] for c in before if c not in kept and usage.get(c, 0) > 0}


@dataclass(frozen=True)
class CategoriesReplaced(Event):
    """The categories of contributing factors are being replaced: a domain whose records
    name a category refuses to lose one still in use."""

    before: tuple[str, ...]
    after: tuple[str, ...]

"""The rules problem management, reviews and action items follow, as one set of settings an
operations manager tunes: pure, with the shipped defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from opsroom.actions import domain as action_rules
from opsroom.problems import domain as problem_rules
from opsroom.reviews import domain as review_rules


@dataclass(frozen=True)
class Settings:
    reviews: review_rules.Policy = review_rules.DEFAULT_POLICY
    actions: action_rules.Policy = action_rules.DEFAULT_POLICY
    recurrence: problem_rules.Recurrence = problem_rules.DEFAULT_RECURRENCE
    categories: tuple[str, ...] = problem_rules.DEFAULT_CATEGORIES


DEFAULT_SETTINGS = Settings()


def removed_in_use(
    before: Iterable[str], after: Iterable[str], usage: Mapping[str, int]
) -> dict[str, int]:
    """Categories a change would remove although contributing factors still name them."""
    kept = set(after)
    return {c: usage[c] for c in before if c not in kept and usage.get(c, 0) > 0}

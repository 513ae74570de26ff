"""The settings document: field-level validation, and the round trip to the rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from opsroom.improvement import domain
from opsroom.improvement import service as settings
from opsroom.improvement.schemas import SettingsDoc
from opsroom.incidents.domain import Priority


def _defaults(**changes: Any) -> dict[str, Any]:
    return settings.to_doc(domain.DEFAULT_SETTINGS).model_dump() | changes


def _refused_fields(**changes: Any) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        SettingsDoc.model_validate(_defaults(**changes))
    return {str(e["loc"][0]) for e in refused.value.errors()}


def test_the_shipped_defaults_are_the_documented_ones() -> None:
    doc = settings.to_doc(domain.DEFAULT_SETTINGS)
    assert (doc.review_priorities, doc.review_due_business_days) == (["P1", "P2"], 5)
    assert (doc.recurrence_incidents, doc.recurrence_days, doc.recurrence_similarity) == (3, 30, 70)
    assert doc.action_due_days == {"P1": 14, "P2": 30, "P3": 60, "P4": 90, "P5": 180}
    assert doc.escalate_after_days == 7
    assert doc.categories[-2:] == ["monitoring gap", "human factors"]


def test_a_document_becomes_the_rules_the_services_apply() -> None:
    doc = SettingsDoc.model_validate(
        _defaults(review_priorities=["P3", "P1", "P1"], recurrence_days=14, escalate_after_days=3)
    )
    rules = settings.from_doc(doc)
    assert rules.reviews.required_for == {Priority.P1, Priority.P3}
    assert rules.recurrence.window == timedelta(days=14)
    assert rules.actions.escalate_after == timedelta(days=3)
    assert settings.to_doc(rules) == doc


def test_categories_are_trimmed_lower_case_and_each_given_once() -> None:
    doc = SettingsDoc.model_validate(_defaults(categories=["  Network ", "code"]))
    assert doc.categories == ["network", "code"]
    assert _refused_fields(categories=["code", "Code"]) == {"categories"}
    assert _refused_fields(categories=[]) == {"categories"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("review_priorities", ["P6"]),
        ("review_due_business_days", 0),
        ("recurrence_incidents", 1),
        ("recurrence_days", 400),
        ("recurrence_similarity", 10),
        ("action_due_days", {"P1": 14}),
        ("action_due_days", {"P1": 0, "P2": 1, "P3": 1, "P4": 1, "P5": 1}),
        ("escalate_after_days", -1),
        ("unknown_setting", 1),
    ],
)
def test_each_bad_value_is_refused_by_its_field(field: str, value: Any) -> None:
    assert _refused_fields(**{field: value}) == {field}


def test_only_removed_categories_still_in_use_block_a_change() -> None:
    usage = {"vendor": 2, "code": 1, "capacity": 0}
    before = ["vendor", "code", "capacity", "process"]
    assert domain.removed_in_use(before, ["code"], usage) == {"vendor": 2}
    assert domain.removed_in_use(before, ["vendor", "code"], usage) == {}

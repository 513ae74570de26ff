"""Keys people say aloud, read back from what they typed."""

from __future__ import annotations

import pytest

from opsroom.infra.keys import LARGEST_NUMBER, parse


@pytest.mark.parametrize(
    ("typed", "number"),
    [("INC-42", 42), ("inc-7", 7), (f"INC-{LARGEST_NUMBER}", LARGEST_NUMBER)],
)
def test_a_key_names_its_number(typed: str, number: int) -> None:
    assert parse(typed, "INC") == number


@pytest.mark.parametrize(
    "typed",
    ["PRB-42", "INC42", "INC-", "INC-4a", "INC--4", "INC-²", f"INC-{LARGEST_NUMBER + 1}"],
)
def test_what_is_not_a_key_names_nothing(typed: str) -> None:
    """A number no record can have (beyond SQL INTEGER) is no key: a lookup finds nothing
    rather than failing in the database."""
    assert parse(typed, "INC") is None

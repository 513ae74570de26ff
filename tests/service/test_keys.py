"""Keys people say aloud never repeat, even when the first two of a new kind are made at once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from opsroom.infra import keys
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import NotFound


def test_numbers_count_up_per_prefix(settings: Settings) -> None:
    with session_scope(settings) as session:
        taken = [keys.next_number(session, "TST") for _ in range(3)]
        other = keys.next_number(session, "OTH")
    with session_scope(settings) as session:
        assert keys.current(session, "TST") == 3
    assert (taken, other) == ([1, 2, 3], 1)


def test_two_first_callers_of_a_new_prefix_both_get_a_number(settings: Settings) -> None:
    """Both transactions start before either has created the counter row; the second waits
    for the first and then takes the next number instead of failing on a duplicate row."""
    started = threading.Barrier(2)
    numbers: list[int] = []
    failures: list[BaseException] = []

    def take() -> None:
        try:
            with session_scope(settings) as session:
                started.wait(timeout=10)
                numbers.append(keys.next_number(session, "NEW"))
        except BaseException as exc:  # collected: the test reports it below
            failures.append(exc)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert sorted(numbers) == [1, 2]


def test_find_takes_a_key_in_any_case_and_refuses_what_is_not_there(settings: Settings) -> None:
    with session_scope(settings) as session:
        for _ in range(2):
            keys.next_number(session, "TST")
    query = select(keys.KeySequence).with_only_columns(keys.KeySequence.prefix)
    with session_scope(settings) as session:
        assert keys.find(session, query, keys.KeySequence.last, "tst-2", "TST", "counter") == "TST"
        for wrong in ("TST-3", "TST-x", "OTH-2", "TST2"):
            with pytest.raises(NotFound, match=f"^no counter {wrong}$"):
                keys.find(session, query, keys.KeySequence.last, wrong, "TST", "counter")

from __future__ import annotations

from opsroom.infra.wording import counted


def test_a_count_takes_its_noun_in_the_right_number() -> None:
    assert [counted(n, "alert") for n in (0, 1, 2)] == ["0 alerts", "1 alert", "2 alerts"]
    assert counted(1, "entry", "entries") == "1 entry"
    assert counted(3, "person", "people") == "3 people"

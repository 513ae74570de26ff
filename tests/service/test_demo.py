"""The whole demo, as `make run` loads it: every story, and nothing it tells of sent for real."""

from __future__ import annotations

from opsroom import demo
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify


def test_the_demo_records_what_its_stories_told_people_and_sends_none_of_it(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        loaded = demo.load(s)
    with session_scope(settings) as s:
        deliveries = notify.delivery_counts(s)

    assert loaded["created"]["incidents"] > 0 and loaded["created"]["tickets"] > 0
    assert deliveries["sent"] > 0
    assert "pending" not in deliveries

from __future__ import annotations

from opsroom.actions import service as actions
from opsroom.demo import problems as demo_history
from opsroom.infra.db import session_scope
from opsroom.problems import recurrence
from opsroom.problems import service as problems
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Status
from tests.conftest import ADMIN, TEST_NOW, DemoHistory

NOW = TEST_NOW


def test_demo_shows_reviews_problems_and_action_items_across_squads(history: DemoHistory) -> None:
    """On the demo catalog and its incident history up to NOW."""
    settings = history.settings
    with session_scope(settings) as session:
        counts = demo_history.load(session, actor=ADMIN, now=NOW)
        assert demo_history.load(session, actor=ADMIN, now=NOW) == {}
    with session_scope(settings, write=False) as session:
        found = [reviews.summary(r) for r in reviews.search(session, actor=ADMIN, limit=500).items]
        items = [actions.read(i) for i in actions.search(session, actor=ADMIN, limit=500).items]
        board = [problems.summary(p) for p in problems.search(session, actor=ADMIN).items]
        assert counts["reviews"] == len(found) >= 5
        assert sum(r.status is Status.PUBLISHED for r in found) >= len(found) - 2
        assert any(r.overdue for r in found)
        assert len({i.owner_squad for i in items}) >= 4
        assert 0 < sum(i.overdue for i in items) < len(items) / 2
        assert {"verified", "wont_do_requested"} <= {i.status.value for i in items}
        assert sum(p.known_error for p in board) == 2 and all(p.incident_count for p in board)
        assert recurrence.proposals(session, actor=ADMIN)

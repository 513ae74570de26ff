from __future__ import annotations

from datetime import UTC, date, datetime

from opsroom.changes import governance, reports
from opsroom.changes import service as changes
from opsroom.changes.domain import Status
from opsroom.demo import changes as demo_changes
from opsroom.incidents import service as incidents
from opsroom.infra.db import session_scope
from tests.conftest import ADMIN, TEST_NOW, DemoHistory

NOW = TEST_NOW


def test_the_coming_peak_is_found_whatever_the_day() -> None:
    assert demo_changes.peak(date(2026, 11, 2)) == (date(2026, 12, 14), date(2027, 1, 4))
    assert demo_changes.peak(date(2026, 12, 20)) == (date(2026, 12, 14), date(2027, 1, 4))
    assert demo_changes.peak(date(2027, 1, 3)) == (date(2026, 12, 14), date(2027, 1, 4))
    assert demo_changes.peak(date(2027, 1, 5)) == (date(2027, 12, 14), date(2028, 1, 4))


def test_the_demo_calendar(history: DemoHistory) -> None:
    """On the demo catalog and its incident history up to NOW."""
    settings = history.settings
    with session_scope(settings) as session:
        created = demo_changes.load(session, now=NOW)
    with session_scope(settings) as session:
        all_changes = [
            changes.read(c) for c in changes.search(session, actor=ADMIN, limit=500).items
        ]
        assert len(all_changes) == created
        [freeze] = governance.list_freezes(session, actor=ADMIN)
        assert (freeze.name, freeze.starts_on) == ("Year-end peak 2026", date(2026, 12, 14))
        statuses = {c.status for c in all_changes}
        assert {
            Status.COMPLETED,
            Status.FAILED,
            Status.ROLLED_BACK,
            Status.SCHEDULED,
            Status.SUBMITTED,
            Status.DRAFT,
        } <= statuses
        assert any(c.planned_start > NOW for c in all_changes) and any(
            c.planned_start < NOW for c in all_changes
        )
        caused = [c for c in all_changes if c.incidents]
        assert len(caused) == 3 and all(c.status == Status.FAILED for c in caused)
        month = reports.calendar(
            session,
            actor=ADMIN,
            start=datetime(2026, 11, 1, tzinfo=UTC),
            end=datetime(2026, 12, 1, tzinfo=UTC),
        )
        assert month.collisions  # two upcoming changes overlap on a dependency
        [open_major] = incidents.open_major(session)
        assert changes.suspects(session, actor=ADMIN, incident_key=open_major.key)
    with session_scope(settings) as session:
        assert demo_changes.load(session, now=NOW) == 0

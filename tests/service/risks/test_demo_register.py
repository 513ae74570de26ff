from __future__ import annotations

from opsroom.demo import risks as demo_register
from opsroom.infra.db import session_scope
from opsroom.risks import issues, reports
from opsroom.risks.domain import Status
from tests.conftest import ADMIN, TEST_NOW, DemoHistory


def test_the_demo_register_has_materialised_accepted_and_overdue_risks(
    history: DemoHistory,
) -> None:
    with session_scope(history.settings) as session:
        counts = demo_register.load(session, actor=ADMIN, now=TEST_NOW)
        assert demo_register.load(session, actor=ADMIN, now=TEST_NOW) == {}
    with session_scope(history.settings, write=False) as session:
        register = [reports.summary(session, r) for r in reports.register(session, actor=ADMIN)]
        found = [issues.read(i) for i in issues.search(session, actor=ADMIN)]
        ranked = reports.ranking(session, actor=ADMIN)
    assert counts["risks"] == len(register) >= 5 and counts["risk links"] > 0
    assert len({r.category for r in register}) >= 5
    assert sum(r.materialised > 0 for r in register) >= 2
    assert [r.status for r in register].count(Status.ACCEPTED) == 1
    assert [r.key for r in register if r.review_overdue] == ["RSK-4"]
    assert any(r.above_appetite for r in register)
    assert ranked[0].exposure.from_history
    assert {i.status.value for i in found} == {"open", "escalated"} and any(
        i.overdue for i in found
    )

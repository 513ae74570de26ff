from __future__ import annotations

import pytest

from opsroom.changes import service as changes
from opsroom.demo import slos as demo_slos
from opsroom.infra.db import session_scope
from opsroom.slos import service as slos
from tests.conftest import ADMIN, TEST_NOW, DemoHistory


def test_the_demo_has_a_spent_budget_holding_a_change_and_budgets_with_room(
    history: DemoHistory,
) -> None:
    with session_scope(history.settings) as session:
        counts = demo_slos.load(session, actor=ADMIN, now=TEST_NOW)
        assert demo_slos.load(session, actor=ADMIN, now=TEST_NOW) == {}
    with session_scope(history.settings, write=False) as session:
        read = {
            s.service_slug or s.journey_slug: slos.read(session, s)
            for s in slos.search(session, actor=ADMIN)
        }
        (held,) = [
            c for c in changes.search(session, actor=ADMIN).items if c.title == demo_slos.HELD
        ]
        held_read = changes.read(held)
    assert counts == {"slos": 6, "changes held by a spent budget": 1}
    assert [k for k, r in read.items() if r.exhausted] == ["pricing-service"]
    partly = [k for k, r in read.items() if 0 < r.budget_remaining < 1]
    assert partly == ["checkout-service", "invoice-to-payment", demo_slos.PUSHED_SERVICE]
    assert all(read[k].spent_by for k in ("pricing-service", *partly[:2]))
    # 20 minutes of 3 % failed requests in a day of 1,000 a minute: 42 % of a 99.9 % budget.
    assert read[demo_slos.PUSHED_SERVICE].budget_remaining == pytest.approx(
        1 - (600 / 1_440_000) / 0.001
    )
    assert read["tax-engine"].budget_remaining == 1.0
    assert "operations_manager" in held_read.outstanding_approvals
    assert any(f.name == "error budget" and f.points for f in held_read.risk_factors)

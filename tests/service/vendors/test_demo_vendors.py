from __future__ import annotations

from datetime import timedelta

from opsroom.demo import vendors as demo_vendors
from opsroom.infra.db import session_scope
from opsroom.risks import issues
from opsroom.vendors import contracts, reports
from opsroom.vendors.domain import ContractState
from tests.conftest import ADMIN, TEST_NOW, DemoHistory


def test_demo_payflow_breached_a_p1_and_owes_a_credit_and_its_contract_is_up_for_renewal(
    history: DemoHistory,
) -> None:
    with session_scope(history.settings) as s:
        created = demo_vendors.load(s, now=TEST_NOW)
        again = demo_vendors.load(s, now=TEST_NOW)
    day = TEST_NOW.date()
    with session_scope(history.settings, write=False) as s:
        card = reports.scorecard(
            s, actor=ADMIN, slug="payflow", since=day - timedelta(days=90), until=day
        )
        payflow = contracts.read(contracts.get(s, actor=ADMIN, slug="payflow"))
        nimbus = contracts.read(contracts.get(s, actor=ADMIN, slug="nimbus-cloud"))
    assert created == {"vendor engagements": 2, "vendor contracts": 2}
    assert again == {"vendor engagements": 0, "vendor contracts": 0}
    assert (card.engagements, card.response.percent, card.resolution.percent) == (2, 50.0, 50.0)
    assert (card.credits_owed, card.currency) == (3500, "EUR")
    breached = card.rows[1]
    assert (breached.priority, breached.response.minutes_over) == ("P1", 40)
    assert (breached.resolution.minutes_over, breached.credit_status.value) == (120, "owed")
    assert (payflow.state, nimbus.state) == (ContractState.RENEWAL_DUE, ContractState.ACTIVE)
    assert (card.changes_made, card.changes_failed) == (2, 1)
    assert card.incidents_caused == [breached.incident]


def test_demo_payflows_sdk_out_of_support_is_an_open_issue(history: DemoHistory) -> None:
    with session_scope(history.settings) as s:
        demo_vendors.load(s, now=TEST_NOW)
    with session_scope(history.settings, write=False) as s:
        [issue] = [issues.read(i) for i in issues.search(s, actor=ADMIN, open_only=True)]
    assert (issue.title, issue.status.value) == (
        "Payflow SDK 2.x is out of Payflow's support",
        "open",
    )
    assert issue.due_on == TEST_NOW.date() + timedelta(days=demo_vendors.SDK_SUPPORT_ENDS)

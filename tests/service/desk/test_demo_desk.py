from __future__ import annotations

from datetime import date, timedelta

from opsroom.demo import desk as demo_desk
from opsroom.desk import organisations, sla, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Status
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.db import session_scope
from opsroom.runtime.worker import run_once
from opsroom.statuspage import service as status
from opsroom.statuspage.domain import ComponentState
from tests.conftest import ADMIN, TEST_NOW, DemoHistory


def test_demo_desk_has_open_breached_and_fulfilled_tickets_during_the_open_p1(
    history: DemoHistory, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(history.settings) as s:
        demo_desk.customers(s)
        created = demo_desk.load(s, now=TEST_NOW)
        assert demo_desk.load(s, now=TEST_NOW) == 0
    frozen_clock.advance(timedelta(seconds=1))
    run_once(history.settings, owner="w")  # the targets already passed breach
    with session_scope(history.settings, write=False) as s:
        tickets = [desk.read(t, ADMIN) for t in desk.search(s, actor=ADMIN, limit=500).items]
        (major,) = incidents.open_major(s, actor=ADMIN)
        page = status.status_page(s, platform=major.platform_slug)
        figures = surveys.csat(s, actor=ADMIN)
        known = organisations.all_organisations(s, actor=ADMIN)
        calendar = sla.settings_of(s, "procurement")
        sender = organisations.sender(s, "new.person@globex-logistics.example")
    assert created == len(tickets) == 11
    assert sum(t.status is Status.RESOLVED for t in tickets) == 5
    assert any(t.first_response_breached for t in tickets if t.status is not Status.RESOLVED)
    assert sum(t.incident == major.key for t in tickets) == 2
    assert (figures.sent, figures.answered, figures.csat) == (5, 4, 75.0)
    requested = [t for t in tickets if t.request_type == "new-cost-centre"]
    assert sorted([a.decision.value for a in t.approvals] for t in requested) == [
        ["approved", "approved"],
        ["pending", "pending"],
    ]
    assert page.state is ComponentState.MAJOR_OUTAGE
    assert major.key in [i.key for i in page.open_incidents]
    assert {o.name: [d.domain for d in o.domains] for o in known}["Acme"] == ["acme.example"]
    assert sender is not None and sender.organisation == "Globex"
    assert date(TEST_NOW.year, 12, 25) in calendar.hours.holidays
    assert [c.title for c in calendar.canned] == ["Looking into it", "Need a screenshot"]
    written = [m for t in tickets for m in t.messages if m.author == t.requester]
    assert [m.body for m in written] == ["It also fails for part numbers with a dash."]

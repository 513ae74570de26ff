"""Burn-rate alerts from the worker's durable timer, through opsroom's own alert pipeline."""

from __future__ import annotations

from datetime import timedelta

from opsroom.alerts import reports as alert_reports
from opsroom.alerts.domain import AlertStatus
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs import service as jobs
from opsroom.runtime.worker import run_once
from opsroom.slos import service as slos
from tests.improvement import RESPONDER, two_squads
from tests.service.slos.test_slos import set_slo

EVERY = slos.EVALUATE_EVERY


def alerts_by_condition(settings: Settings) -> dict[str, str]:
    with session_scope(settings, write=False) as s:
        page = alert_reports.search(s, actor=RESPONDER, integration="slo-burn-rates")
        return {a.labels["condition"]: a.status for a in page.items}


def test_a_fast_burn_pages_through_the_alert_pipeline_and_resolves_when_it_stops(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        set_slo(s, objective=99)
        data = incident_schemas.IncidentCreate(
            title="Checkout down", services=["checkout"], impact=1, urgency=1
        )
        key = incidents.declare(s, actor=RESPONDER, data=data).key
    frozen_clock.advance(EVERY)
    run_once(settings, owner="w")
    assert alerts_by_condition(settings) == {}  # 5 minutes down: 8.3x over the hour
    frozen_clock.advance(EVERY)
    run_once(settings, owner="w")
    assert alerts_by_condition(settings) == {"14.4x over 1h and 5m": AlertStatus.FIRING}
    with session_scope(settings, write=False) as s:
        (alert,) = alert_reports.search(s, actor=RESPONDER, integration="slo-burn-rates").items
        assert (alert.service_slug, alert.severity) == ("checkout", "critical")
        assert "SLO-1 Checkout answers" in alert.summary

    frozen_clock.advance(timedelta(minutes=20))  # half an hour down: 8.3x over 6 h
    run_once(settings, owner="w")  # the evaluation due 15 minutes ago runs once, late
    assert alerts_by_condition(settings) == {
        "14.4x over 1h and 5m": AlertStatus.FIRING,
        "6x over 6h and 30m": AlertStatus.FIRING,
    }
    with session_scope(settings) as s:
        incidents.transition(
            s,
            actor=RESPONDER,
            key=key,
            move=Transition.RESOLVE,
            data=incident_schemas.TransitionIn(),
        )
    frozen_clock.advance(EVERY)
    run_once(settings, owner="w")
    # Five minutes of no burn clears the fast condition; the 30-minute one still burns.
    assert alerts_by_condition(settings) == {
        "14.4x over 1h and 5m": AlertStatus.RESOLVED,
        "6x over 6h and 30m": AlertStatus.FIRING,
    }
    frozen_clock.advance(timedelta(minutes=30))
    run_once(settings, owner="w")
    assert set(alerts_by_condition(settings).values()) == {AlertStatus.RESOLVED}
    with session_scope(settings, write=False) as s:
        found = incidents.search(s, actor=RESPONDER).items
        paged = [i for i in found if i.source == "integration:slo-burn-rates"]
        read = slos.read(s, slos.get(s, actor=RESPONDER, key="SLO-1"))
    # The burn alert opened an incident of its own; only the outage spent the budget.
    assert len(paged) == 1 and [x.incident for x in read.spent_by] == [key]


def test_each_slo_is_evaluated_by_one_pending_timer(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        set_slo(s)
    for _ in range(3):
        frozen_clock.advance(EVERY)
        run_once(settings, owner="w")
    with session_scope(settings, write=False) as s:
        (timer,) = jobs.pending(s, subject="SLO-1")
        assert timer.kind == slos.EVALUATE_TIMER
        assert timer.due_at == clock.now() + EVERY
    assert alerts_by_condition(settings) == {}

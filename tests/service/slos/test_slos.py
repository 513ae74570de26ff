from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, Forbidden, ValidationFailed
from opsroom.slos import schemas
from opsroom.slos import service as slos
from tests import factories
from tests.improvement import MANAGER, PAYMENTS_LEAD, RESPONDER, two_squads


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def set_slo(session: Session, **fields: Any) -> Any:
    data = schemas.SloCreate(
        **{
            "name": "Checkout answers",
            "service": "checkout",
            "objective": 99.9,
            "owner_squad": "payments",
            **fields,
        }
    )
    return slos.create(session, actor=PAYMENTS_LEAD, data=data)


def outage(
    session: Session,
    frozen_clock: clock.FrozenClock,
    minutes: float,
    services: list[str] | None = None,
    impact: int = 1,
) -> str:
    """An incident declared now and resolved `minutes` later (the clock moves on)."""
    data = incident_schemas.IncidentCreate(
        title="Checkout fails", services=services or ["checkout"], impact=impact, urgency=1
    )
    incident = incidents.declare(session, actor=RESPONDER, data=data)
    frozen_clock.advance(timedelta(minutes=minutes))
    incidents.transition(
        session,
        actor=RESPONDER,
        key=incident.key,
        move=Transition.RESOLVE,
        data=incident_schemas.TransitionIn(),
    )
    return str(incident.key)


def test_an_slo_with_no_incidents_has_its_whole_budget(platform: Session) -> None:
    slo = set_slo(platform)
    read = slos.read(platform, slo)
    assert read.key == "SLO-1" and read.platform == "procurement"
    assert read.allowed_minutes == pytest.approx(43.2)
    assert read.budget_remaining == 1.0 and not read.exhausted
    assert read.spent_by == [] and not any(b.firing for b in read.burn)
    assert read.time_to_exhaustion_hours is None
    assert [e.kind for e in audit.timeline(platform, subject_type="slo", subject_key="SLO-1")] == [
        "set"
    ]


def test_customer_impacting_incidents_spend_the_budget_and_are_named(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(platform)
    key = outage(platform, frozen_clock, 21.6)
    outage(platform, frozen_clock, 60, impact=3)  # P3+: not customer-impacting by default
    outage(platform, frozen_clock, 60, services=["search"])
    read = slos.read(platform, slo)
    assert read.spent_minutes == pytest.approx(21.6)
    assert read.budget_remaining == pytest.approx(0.5)
    assert [(s.incident, round(s.minutes, 1)) for s in read.spent_by] == [(key, 21.6)]


def test_a_long_outage_exhausts_the_budget_and_fires_the_slow_burn_conditions(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(platform)
    outage(platform, frozen_clock, 90)
    read = slos.read(platform, slo)
    assert read.exhausted and read.budget_remaining == 0.0
    assert read.time_to_exhaustion_hours == 0.0
    firing = {b.condition: b.firing for b in read.burn}
    # Resolved just now: the hour and six hours burnt, the last five minutes too.
    assert firing["14.4x over 1h and 5m"] and firing["6x over 6h and 30m"]
    frozen_clock.advance(timedelta(minutes=10))
    quieter = slos.read(platform, slo)
    assert not quieter.burn[0].firing and quieter.exhausted


def test_a_journey_slo_counts_incidents_on_any_of_its_services_once(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(platform, service=None, journey="login", owner_squad="identity")
    outage(platform, frozen_clock, 10, services=["gateway", "auth"])
    assert slos.read(platform, slo).spent_minutes == pytest.approx(10)
    found = slos.search(platform, actor=RESPONDER, service="auth")
    assert [s.key for s in found] == [slo.key]


def test_an_slo_is_on_one_service_or_one_journey(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as both:
        set_slo(platform, journey="login")
    assert set(both.value.fields) == {"service", "journey"}
    with pytest.raises(ValidationFailed) as unknown:
        set_slo(platform, service="nowhere")
    assert unknown.value.fields == {"service": "unknown service"}
    with pytest.raises(ValidationFailed) as squad:
        set_slo(platform, owner_squad="ghosts")
    assert squad.value.fields == {"owner_squad": "unknown owner_squad"}
    assert slos.search(platform, actor=RESPONDER) == []


def test_responders_read_slos_but_do_not_set_them(platform: Session) -> None:
    data = schemas.SloCreate(
        name="Checkout", service="checkout", objective=99, owner_squad="payments"
    )
    with pytest.raises(Forbidden):
        slos.create(platform, actor=RESPONDER, data=data)


def test_editing_needs_the_current_version_and_changes_the_budget(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(platform)
    outage(platform, frozen_clock, 21.6)
    loosened = slos.update(
        platform, actor=MANAGER, key=slo.key, data=schemas.SloUpdate(version=1, objective=99.8)
    )
    assert loosened.version == 2
    assert slos.read(platform, loosened).budget_remaining == pytest.approx(0.75)
    with pytest.raises(Conflict):
        slos.update(platform, actor=MANAGER, key=slo.key, data=schemas.SloUpdate(version=1))


def test_a_calendar_month_counts_from_the_first_of_the_month(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    factories.service(platform, "ledger", owner="payments")
    slo = set_slo(platform, service="ledger", window="month")
    read = slos.read(platform, slo)
    assert read.window_start.day == 1 and read.window_end.month == read.window_start.month + 1
    assert read.allowed_minutes == pytest.approx(30 * 24 * 60 * 0.001)

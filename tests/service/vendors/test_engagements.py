"""A vendor engaged on an incident: its contract clock, its ladder climbed on durable
timers, its acknowledgement, the clock stopped on resolution, and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import vendors as catalog_vendors
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from opsroom.vendors import schemas, service
from opsroom.vendors.domain import CreditStatus
from tests import factories
from tests.conftest import TEST_NOW
from tests.factories import ACTOR
from tests.improvement import RESPONDER

LADDER = [
    ("Support desk", "desk@payflow.example.com", 15),
    ("Duty manager", "duty@payflow.example.com", 30),
    ("Account manager", "am@payflow.example.com", 60),
]


DISPUTE = schemas.DisputeIn(note="Our status page showed the fault was upstream")
WAIVED = schemas.SettlementIn(outcome=CreditStatus.WAIVED, note="Upstream fault confirmed")


def vendor_platform(session: Session) -> None:
    factories.small_platform(session)
    data = catalog_schemas.VendorCreate(
        slug="payflow",
        name="Payflow",
        escalation=[
            catalog_schemas.EscalationLevelIn(
                level=n, contact=contact, email=email, response_minutes=minutes
            )
            for n, (contact, email, minutes) in enumerate(LADDER, start=1)
        ],
        sla_terms={
            "response_minutes": {"P1": 20},
            "resolution_minutes": {"P1": 120},
            "breach_credits": [
                {"over_minutes": 0, "amount": 500},
                {"over_minutes": 60, "amount": 1500},
            ],
            "currency": "EUR",
        },
        services=[catalog_schemas.VendorServiceIn(service="auth")],
    )
    catalog_vendors.create_vendor(session, actor=ACTOR, data=data)
    data2 = catalog_schemas.VendorCreate(
        slug="cloudco", name="CloudCo", services=[catalog_schemas.VendorServiceIn(service="db")]
    )
    catalog_vendors.create_vendor(session, actor=ACTOR, data=data2)


def declared(session: Session, services: list[str] | None = None) -> str:
    data = incident_schemas.IncidentCreate(
        title="Sign-in fails", impact=1, urgency=1, services=services or ["auth"]
    )
    return incidents.declare(session, actor=ACTOR, data=data).key


def resolve(session: Session, key: str) -> None:
    move = incident_schemas.TransitionIn()
    incidents.transition(session, actor=ACTOR, key=key, move=Transition.RESOLVE, data=move)


def engage(session: Session, key: str, vendor: str = "payflow") -> schemas.EngagementRead:
    found = service.engage(session, actor=ACTOR, key=key, data=schemas.EngagementIn(vendor=vendor))
    return service.read(found)


def notified(session: Session, address: str) -> int:
    return len(notify.log(session, actor=ACTOR, person=address).items)


@pytest.fixture
def incident(settings: Settings) -> str:
    with session_scope(settings) as s:
        vendor_platform(s)
        return declared(s)


def test_engaging_starts_the_contract_clock_and_calls_the_first_level(
    settings: Settings, incident: str
) -> None:
    with session_scope(settings) as s:
        read = engage(s, incident)
    assert (read.priority, read.status.value, read.level) == ("P1", "engaged", 1)
    assert read.response.due_at == TEST_NOW + timedelta(minutes=20)
    assert read.resolution.due_at == TEST_NOW + timedelta(minutes=120)
    with session_scope(settings) as s:
        assert notified(s, "desk@payflow.example.com") == 1
        assert notified(s, "duty@payflow.example.com") == 0
        texts = [e.text for e in incidents.timeline(s, actor=ACTOR, key=incident)]
        assert any(t.startswith("Payflow engaged at level 1 (Support desk)") for t in texts)
        (timer,) = jobs.pending(s, subject=f"vendor-engagement:{read.id}")
        assert timer.due_at == TEST_NOW + timedelta(minutes=15)
        participants = incidents.get(s, actor=ACTOR, key=incident).participants
        assert ("vendor", "payflow") in [(p.kind, p.ref) for p in participants]
        (entry,) = audit.list_entries(s, subject_type="vendor", subject_key="payflow").items[:1]
        assert entry.action == "vendor.engaged"


def test_unanswered_the_ladder_climbs_to_the_account_manager_and_no_further(
    settings: Settings, incident: str, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        engagement = engage(s, incident).id
    for minutes in (15, 30, 60):
        frozen_clock.advance(timedelta(minutes=minutes, seconds=1))
        run_once(settings, owner="w")
    with session_scope(settings) as s:
        read = service.read(service.get(s, actor=ACTOR, engagement_id=engagement))
        assert [notified(s, email) for _, email, _ in LADDER] == [1, 1, 1]
        assert jobs.pending(s, subject=f"vendor-engagement:{engagement}") == []
    assert read.level == 3
    assert (read.response.met, read.response.minutes_over) == (False, 86)


def test_acknowledging_stops_the_response_clock_and_the_ladder(
    settings: Settings, incident: str, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        engagement = engage(s, incident).id
    frozen_clock.advance(timedelta(minutes=10))
    with session_scope(settings) as s:
        read = service.read(service.acknowledge(s, actor=ACTOR, engagement_id=engagement))
        with pytest.raises(Conflict):
            service.acknowledge(s, actor=ACTOR, engagement_id=engagement)
    assert (read.status.value, read.response.met, read.acknowledged_by) == (
        "acknowledged",
        True,
        str(ACTOR),
    )
    frozen_clock.advance(timedelta(hours=2))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert notified(s, "duty@payflow.example.com") == 0
        texts = [e.text for e in incidents.timeline(s, actor=ACTOR, key=incident)]
    assert "payflow responded within the contract's response time" in texts


def test_resolving_the_incident_stops_the_resolution_clock(
    settings: Settings, incident: str, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        engagement = engage(s, incident).id
    frozen_clock.advance(timedelta(minutes=150))
    with session_scope(settings) as s:
        resolve(s, incident)
    frozen_clock.advance(timedelta(hours=1))
    with session_scope(settings) as s:
        read = service.read(service.get(s, actor=ACTOR, engagement_id=engagement))
        assert jobs.pending(s, subject=f"vendor-engagement:{engagement}") == []
    assert (read.status.value, read.resolved_at) == ("closed", TEST_NOW + timedelta(minutes=150))
    assert (read.resolution.met, read.resolution.minutes_over) == (False, 30)
    assert (read.response.met, read.response.minutes_over) == (False, 130)
    assert (read.credit, read.currency, read.credit_status.value) == (2000, "EUR", "owed")


def test_a_credit_is_disputed_with_a_note_and_settled_audited(
    settings: Settings, incident: str, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        engagement = engage(s, incident).id
        with pytest.raises(InvalidTransition):
            service.dispute(s, actor=ACTOR, engagement_id=engagement, data=DISPUTE)
    frozen_clock.advance(timedelta(minutes=30))
    with session_scope(settings) as s:
        resolve(s, incident)
    with session_scope(settings) as s:
        service.dispute(s, actor=ACTOR, engagement_id=engagement, data=DISPUTE)
        with pytest.raises(Forbidden):
            service.settle(s, actor=RESPONDER, engagement_id=engagement, data=WAIVED)
    with session_scope(settings) as s:
        read = service.read(service.settle(s, actor=ACTOR, engagement_id=engagement, data=WAIVED))
        actions = [
            e.action
            for e in audit.list_entries(s, subject_type="vendor", subject_key="payflow").items
        ]
    assert (read.credit, read.credit_status.value) == (500, "waived")
    assert (read.dispute_note, read.settlement_note) == (DISPUTE.note, WAIVED.note)
    assert {"vendor.credit_disputed", "vendor.credit_settled"} <= set(actions)


def test_refusals_change_nothing(settings: Settings, incident: str) -> None:
    with session_scope(settings) as s:
        with pytest.raises(ValidationFailed) as outside:
            engage(s, incident, vendor="cloudco")
        with pytest.raises(ValidationFailed) as unknown:
            engage(s, incident, vendor="nobody")
        engage(s, incident)
    assert outside.value.fields == {"vendor": "CloudCo supports none of the incident's services"}
    assert "vendor" in unknown.value.fields
    with session_scope(settings) as s:
        with pytest.raises(Conflict) as twice:
            engage(s, incident)
        resolve(s, incident)
    assert "already engaged" in twice.value.message
    with session_scope(settings) as s:
        with pytest.raises(Conflict) as resolved:
            engage(s, incident)
        assert len(service.engagements(s, actor=ACTOR, key=incident)) == 1
    assert "resolved" in resolved.value.message


def test_a_cancelled_incident_climbs_no_further(
    settings: Settings, incident: str, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        engage(s, incident)
        move = incident_schemas.TransitionIn()
        incidents.transition(s, actor=ACTOR, key=incident, move=Transition.CANCEL, data=move)
    frozen_clock.advance(timedelta(minutes=16))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert notified(s, "duty@payflow.example.com") == 0
        with pytest.raises(Conflict, match="cancelled"):
            engage(s, incident, vendor="payflow")


def test_engagements_are_found_by_platform_and_vendor(settings: Settings) -> None:
    with session_scope(settings) as s:
        vendor_platform(s)
        factories.platform(s, "commerce")
        factories.squad(s, "shop", platform="commerce")
        factories.service(s, "cart", platform="commerce", owner="shop")
        on_auth = engage(s, declared(s)).id
        on_db = engage(s, declared(s, ["db"]), "cloudco").id
        found = service.search(s, actor=ACTOR, platform="procurement")
        assert [e.id for e in found.items] == [on_db, on_auth]
        assert service.search(s, actor=ACTOR, platform="commerce").items == []
        by_vendor = service.search(s, actor=ACTOR, vendor="cloudco", platform="procurement")
        assert [e.id for e in by_vendor.items] == [on_db]
        with pytest.raises(ValidationFailed) as unknown:
            service.search(s, actor=ACTOR, vendor="nobody")
        assert unknown.value.fields == {"vendor": "unknown vendor"}

"""A vendor's contract: its term and support level, and the reminder to renew it, a durable
timer that tells its owner or the operations managers when the notice period starts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from opsroom.vendors import contracts, schemas
from opsroom.vendors.domain import ContractState, SupportLevel
from tests.conftest import TEST_NOW
from tests.factories import ACTOR
from tests.improvement import RESPONDER
from tests.service.vendors.test_engagements import vendor_platform

TODAY = TEST_NOW.date()


def term(**fields: Any) -> schemas.ContractIn:
    values: dict[str, Any] = {
        "starts_on": date(2026, 1, 1),
        "ends_on": TODAY + timedelta(days=40),
        "support_level": SupportLevel.PREMIUM,
        "notice_days": 30,
        **fields,
    }
    return schemas.ContractIn(**values)


def told(session: Session, person: str) -> list[str]:
    return [m.kind for m in notify.log(session, actor=ACTOR, person=person).items]


@pytest.fixture
def platform(settings: Settings) -> Settings:
    with session_scope(settings) as s:
        vendor_platform(s)
        manager = catalog_schemas.PlatformUpdate(
            version=1, operations_manager_email="om@example.com"
        )
        catalog.update_platform(s, actor=ACTOR, slug="procurement", data=manager)
    return settings


def test_the_operations_manager_is_reminded_when_the_notice_period_starts(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(platform) as s:
        read = contracts.read(contracts.set_contract(s, actor=ACTOR, slug="payflow", data=term()))
    assert (read.reminder_on, read.state, read.version) == (
        TODAY + timedelta(days=10),
        ContractState.ACTIVE,
        1,
    )
    frozen_clock.advance(timedelta(days=9))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert told(s, "om@example.com") == []
    frozen_clock.advance(timedelta(days=1))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert told(s, "om@example.com") == ["vendor.contract_renewal"]
        read = contracts.read(contracts.get(s, actor=ACTOR, slug="payflow"))
        actions = [e.action for e in audit.list_entries(s, subject_type="vendor").items]
    assert read.state is ContractState.RENEWAL_DUE
    assert "vendor.contract_renewal_due" in actions


def test_a_renewal_moves_the_reminder_to_its_owner(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(platform) as s:
        contracts.set_contract(s, actor=ACTOR, slug="payflow", data=term())
    later = term(version=1, ends_on=TODAY + timedelta(days=400), owner="buyer@example.com")
    with session_scope(platform) as s:
        contracts.set_contract(s, actor=ACTOR, slug="payflow", data=later)
        (timer,) = jobs.pending(s, subject="vendor-contract:payflow")
    assert timer.due_at.date() == TODAY + timedelta(days=370)
    frozen_clock.advance(timedelta(days=370))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert told(s, "om@example.com") == []
        assert told(s, "buyer@example.com") == ["vendor.contract_renewal"]


def test_refusals_change_nothing(platform: Settings) -> None:
    with session_scope(platform) as s:
        with pytest.raises(NotFound, match="no contract"):
            contracts.get(s, actor=ACTOR, slug="payflow")
        with pytest.raises(ValidationFailed) as backwards:
            contracts.set_contract(
                s, actor=ACTOR, slug="payflow", data=term(ends_on=date(2025, 1, 1))
            )
        with pytest.raises(Forbidden):
            contracts.set_contract(s, actor=RESPONDER, slug="payflow", data=term())
        contracts.set_contract(s, actor=ACTOR, slug="payflow", data=term())
    assert backwards.value.fields == {"ends_on": "after starts_on"}
    with session_scope(platform) as s:
        with pytest.raises(StaleVersion):
            contracts.set_contract(s, actor=ACTOR, slug="payflow", data=term(version=7))
        assert contracts.get(s, actor=ACTOR, slug="payflow").version == 1

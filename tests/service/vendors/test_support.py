"""Components a vendor's contract no longer supports: each an issue in the issue register,
owned by the squad of the vendor's service and due the day support ends, until the contract
is recorded without it (support renewed). Recording the same contract again changes
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import vendors as catalog_vendors
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.risks import issues
from opsroom.risks.schemas import IssueRead
from opsroom.runtime.worker import run_once
from opsroom.vendors import contracts, schemas
from tests.factories import ACTOR
from tests.service.vendors.test_contracts import TODAY, platform, term

__all__ = ["platform"]

SDK = schemas.OutOfSupportIn(component="Payflow SDK 2.x", ends_on=TODAY + timedelta(days=20))
HSM = schemas.OutOfSupportIn(component="Payflow HSM firmware 4", ends_on=date(2026, 6, 30))


def recorded(settings: Settings, *components: schemas.OutOfSupportIn, version: int | None) -> None:
    with session_scope(settings) as s:
        data = term(version=version, owner="buyer@example.com", out_of_support=list(components))
        contracts.set_contract(s, actor=ACTOR, slug="payflow", data=data)


def register(session: Session) -> list[IssueRead]:
    return [issues.read(i) for i in issues.search(session, actor=ACTOR)]


def test_each_component_out_of_support_is_one_issue_until_support_is_renewed(
    platform: Settings,
) -> None:
    recorded(platform, SDK, HSM, version=None)
    recorded(platform, SDK, HSM, version=1)  # the same again: nothing new
    with session_scope(platform) as s:
        raised = register(s)
    assert [(i.title, i.due_on, i.owner_squad, i.owner) for i in raised] == [
        (
            "Payflow HSM firmware 4 is out of Payflow's support",
            HSM.ends_on,
            "identity",
            "buyer@example.com",
        ),
        (
            "Payflow SDK 2.x is out of Payflow's support",
            SDK.ends_on,
            "identity",
            "buyer@example.com",
        ),
    ]
    assert raised[0].overdue and not raised[1].overdue
    later = SDK.model_copy(update={"ends_on": SDK.ends_on + timedelta(days=30)})
    recorded(platform, later, version=2)  # the HSM is supported again; the SDK for longer
    with session_scope(platform) as s:
        now = {i.title.split(" is ")[0]: i for i in register(s)}
    assert (now["Payflow HSM firmware 4"].status.value, now["Payflow SDK 2.x"].due_on) == (
        "resolved",
        later.ends_on,
    )
    assert now["Payflow SDK 2.x"].status.value == "open"


def test_an_issue_escalates_once_support_has_ended(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    recorded(platform, SDK, version=None)
    frozen_clock.advance(timedelta(days=21))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        [issue] = register(s)
    assert (issue.status.value, issue.escalated_to) == ("escalated", "om@example.com")


def test_components_that_cannot_be_issues_are_refused_and_nothing_is_saved(
    platform: Settings,
) -> None:
    with pytest.raises(ValidationFailed) as twice:
        recorded(
            platform, SDK, SDK.model_copy(update={"component": "payflow sdk 2.X"}), version=None
        )
    assert list(twice.value.fields) == ["out_of_support"]
    with session_scope(platform) as s:
        data = catalog_schemas.VendorCreate(slug="lonely", name="Lonely")
        catalog_vendors.create_vendor(s, actor=ACTOR, data=data)
    with session_scope(platform) as s, pytest.raises(ValidationFailed) as unowned:
        contracts.set_contract(s, actor=ACTOR, slug="lonely", data=term(out_of_support=[SDK]))
    assert "supports no service" in unowned.value.fields["out_of_support"]
    with session_scope(platform) as s:
        assert register(s) == [] and contracts.find(s, "payflow") is None


def test_lines_from_a_form_or_the_terminal() -> None:
    read = term(out_of_support="Payflow SDK 2.x = 2026-11-22\n\n  HSM = fw = 2026-06-30 ")
    assert [(c.component, c.ends_on) for c in read.out_of_support] == [
        ("Payflow SDK 2.x", date(2026, 11, 22)),
        ("HSM = fw", date(2026, 6, 30)),
    ]
    with pytest.raises(ValueError, match="component = YYYY-MM-DD"):
        term(out_of_support="Payflow SDK 2.x until 2026")

"""Which status updates a stakeholder subscription hears, and the audience it gets when the
subscriber chooses none."""

from __future__ import annotations

import pytest

from opsroom.auth.domain import Role
from opsroom.incidents.domain import Audience
from opsroom.notify import domain


@pytest.mark.parametrize(
    ("subscribed", "update", "heard"),
    [
        (Audience.INTERNAL, Audience.INTERNAL, True),
        (Audience.INTERNAL, Audience.CUSTOMER, True),
        (Audience.CUSTOMER, Audience.CUSTOMER, True),
        (Audience.CUSTOMER, Audience.INTERNAL, False),
    ],
)
def test_internal_updates_reach_internal_subscribers_only(
    subscribed: Audience, update: Audience, heard: bool
) -> None:
    assert domain.hears(subscribed, update) is heard


def test_people_who_work_incidents_default_to_internal_everyone_else_to_customer() -> None:
    defaults = {role: domain.default_audience(role) for role in Role}
    assert defaults == {
        Role.VIEWER: Audience.CUSTOMER,
        Role.RESPONDER: Audience.INTERNAL,
        Role.SQUAD_LEAD: Audience.INTERNAL,
        Role.OPERATIONS_MANAGER: Audience.INTERNAL,
        Role.GUILD_LEAD: Audience.INTERNAL,
        Role.ADMIN: Audience.INTERNAL,
        Role.VENDOR_CONTACT: Audience.CUSTOMER,
        Role.REQUESTER: Audience.CUSTOMER,
    }
    assert domain.default_audience(None) is Audience.CUSTOMER  # a bare email address

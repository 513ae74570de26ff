"""The permission rule as a table: role x action x scope."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.auth.domain import (
    ALL_SCOPES,
    EVERY_PLATFORM,
    LADDER,
    Action,
    Principal,
    Role,
    Scope,
    decide,
    integration_principal,
    password_problem,
    throttled,
)

EXPECTED = {
    # action:                 viewer responder lead   om    guild  admin
    Action.READ: (True, True, True, True, True, True),
    Action.SELF_SERVICE: (True, True, True, True, True, True),
    Action.WORK_INCIDENTS: (False, True, True, True, True, True),
    Action.EDIT_SQUAD_ITEMS: (False, False, True, True, True, True),
    Action.GOVERN: (False, False, False, True, True, True),
    Action.ADMINISTER: (False, False, False, False, False, True),
    Action.INGEST: (True, True, True, True, True, True),
}


def person(
    role: Role,
    *,
    squads: set[str] | None = None,
    platforms: set[str] | None = None,
    scopes: frozenset[Scope] = ALL_SCOPES | {Scope.INGEST},
) -> Principal:
    return Principal(
        name=f"{role}@example.com",
        role=role,
        squads=frozenset(squads or {"identity"}),
        platforms=frozenset(platforms or {"procurement"}),
        scopes=scopes,
    )


@pytest.mark.parametrize("action", list(EXPECTED))
@pytest.mark.parametrize("role", LADDER)
def test_role_ladder(role: Role, action: Action) -> None:
    expected = EXPECTED[action][LADDER.index(role)]
    assert decide(person(role), action, squads=["identity"]).allowed is expected


# Governing something on a platform: (the manager's own, another's, several with another,
# every platform at once).
ON_PLATFORMS = {
    "own": ["procurement"],
    "another": ["commerce"],
    "own and another": ["procurement", "commerce"],
    "everything": [EVERY_PLATFORM],
}
GOVERNS = {
    # role:                   own    another  both   everything
    Role.SQUAD_LEAD: (False, False, False, False),
    Role.OPERATIONS_MANAGER: (True, False, False, False),
    Role.GUILD_LEAD: (True, True, True, True),
    Role.ADMIN: (True, True, True, True),
}


@pytest.mark.parametrize("subject", list(ON_PLATFORMS))
@pytest.mark.parametrize("role", list(GOVERNS))
def test_governing_by_role_and_platform(role: Role, subject: str) -> None:
    expected = GOVERNS[role][list(ON_PLATFORMS).index(subject)]
    decision = decide(person(role), Action.GOVERN, platforms=ON_PLATFORMS[subject])
    assert decision.allowed is expected


def test_an_operations_managers_refusal_names_the_platforms_outside_theirs() -> None:
    manager = person(Role.OPERATIONS_MANAGER, platforms={"procurement"})
    refused = decide(manager, Action.GOVERN, platforms=["commerce", "finance", "procurement"])
    assert refused.reason == (
        "operations managers govern their own platforms only; not assigned to commerce, finance"
    )
    everything = decide(manager, Action.GOVERN, platforms=[EVERY_PLATFORM])
    assert "every platform" in everything.reason


# Working another platform's alerts, SLOs and squad items, by role: (own, another).
WORKS_ON = {
    Role.RESPONDER: (True, True),
    Role.SQUAD_LEAD: (True, True),
    Role.OPERATIONS_MANAGER: (True, False),
    Role.GUILD_LEAD: (True, True),
    Role.ADMIN: (True, True),
}


@pytest.mark.parametrize("subject", ["own", "another"])
@pytest.mark.parametrize("role", list(WORKS_ON))
def test_triaging_alerts_by_role_and_platform(role: Role, subject: str) -> None:
    expected = WORKS_ON[role][["own", "another"].index(subject)]
    decision = decide(person(role), Action.WORK_INCIDENTS, platforms=ON_PLATFORMS[subject])
    assert decision.allowed is expected


@pytest.mark.parametrize("subject", ["own", "another"])
@pytest.mark.parametrize("role", [Role.SQUAD_LEAD, Role.OPERATIONS_MANAGER, Role.GUILD_LEAD])
def test_setting_slos_by_role_and_platform(role: Role, subject: str) -> None:
    expected = WORKS_ON[role][["own", "another"].index(subject)]
    decision = decide(
        person(role), Action.EDIT_SQUAD_ITEMS, squads=["identity"], platforms=ON_PLATFORMS[subject]
    )
    assert decision.allowed is expected


def test_an_operations_managers_platforms_never_limit_reading() -> None:
    manager = person(Role.OPERATIONS_MANAGER, platforms={"procurement"})
    assert decide(manager, Action.READ, platforms=["commerce"]).allowed
    refused = decide(manager, Action.WORK_INCIDENTS, platforms=["commerce"])
    assert "not assigned to commerce" in refused.reason


def test_squad_lead_edits_own_squads_items_only() -> None:
    lead = person(Role.SQUAD_LEAD, squads={"identity"})
    assert decide(lead, Action.EDIT_SQUAD_ITEMS, squads=["identity"]).allowed
    refused = decide(lead, Action.EDIT_SQUAD_ITEMS, squads=["identity", "payments"])
    assert not refused.allowed
    assert "payments" in refused.reason


def test_operations_manager_edits_any_squads_items() -> None:
    assert decide(
        person(Role.OPERATIONS_MANAGER, squads=set()), Action.EDIT_SQUAD_ITEMS, squads=["payments"]
    ).allowed


def test_vendor_contact_reads_only_their_vendor() -> None:
    contact = Principal(name="v@cloudco.example", role=Role.VENDOR_CONTACT, vendor="cloudco")
    assert decide(contact, Action.READ, vendor="cloudco").allowed
    assert not decide(contact, Action.READ, vendor="other").allowed
    assert not decide(contact, Action.READ).allowed
    assert not decide(contact, Action.WORK_INCIDENTS, vendor="cloudco").allowed


def test_vendor_contact_posts_updates_only_where_their_vendor_is_engaged() -> None:
    contact = Principal(name="v@cloudco.example", role=Role.VENDOR_CONTACT, vendor="cloudco")
    assert decide(contact, Action.POST_UPDATES, vendor="cloudco").allowed
    assert not decide(contact, Action.POST_UPDATES).allowed
    assert not decide(person(Role.VIEWER), Action.POST_UPDATES).allowed
    assert decide(person(Role.RESPONDER), Action.POST_UPDATES).allowed


def test_requester_reads_only_their_organisations_tickets() -> None:
    requester = Principal(name="r@acme.example", role=Role.REQUESTER, organisation="Acme")
    assert decide(requester, Action.READ, organisation="Acme").allowed
    assert decide(requester, Action.SELF_SERVICE).allowed
    refused = decide(requester, Action.READ, organisation="Globex")
    assert refused.reason == "requesters see only their organisation's tickets"
    assert not decide(requester, Action.READ).allowed
    assert not decide(requester, Action.WORK_INCIDENTS, organisation="Acme").allowed
    stray = Principal(name="s@nowhere.example", role=Role.REQUESTER)
    assert not decide(stray, Action.READ, organisation=None).allowed


def test_token_scope_limits_even_an_admin() -> None:
    read_only = person(Role.ADMIN, scopes=frozenset({Scope.READ}))
    refused = decide(read_only, Action.GOVERN)
    assert not refused.allowed
    assert refused.reason == "this token lacks the 'write' scope"
    assert not decide(person(Role.ADMIN, scopes=ALL_SCOPES), Action.INGEST).allowed


def test_refusal_names_the_role_needed() -> None:
    assert (
        decide(person(Role.VIEWER), Action.GOVERN).reason
        == "you need the operations manager role for this"
    )


@given(st.sampled_from(LADDER), st.sampled_from(LADDER), st.sampled_from(list(Action)))
def test_a_higher_role_can_do_whatever_a_lower_one_can(
    low: Role, high: Role, action: Action
) -> None:
    if (
        LADDER.index(low) <= LADDER.index(high)
        and decide(person(low), action, squads=["identity"]).allowed
    ):
        assert decide(person(high), action, squads=["identity"]).allowed


def test_password_policy() -> None:
    assert password_problem("short", email="ann@example.com") == "use at least 12 characters"
    assert (
        password_problem("ann-is-great-2026", email="ann@example.com")
        == "do not put your email name in your password"
    )
    assert password_problem("correct horse battery", email="ann@example.com") is None


def test_throttling_thresholds() -> None:
    assert not throttled(4, 19)
    assert throttled(5, 0)
    assert throttled(0, 20)


def test_an_integration_ingests_and_works_incidents_but_governs_nothing() -> None:
    bot = integration_principal("prom")
    assert (bot.name, bot.via) == ("integration:prom", "integration")
    allowed = {action for action in Action if decide(bot, action, squads=["identity"]).allowed}
    assert allowed == {
        Action.INGEST,
        Action.READ,
        Action.SELF_SERVICE,
        Action.WORK_INCIDENTS,
        Action.POST_UPDATES,
    }

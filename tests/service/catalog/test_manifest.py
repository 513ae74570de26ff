from __future__ import annotations

import textwrap

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.catalog import manifest, vendors
from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import NotFound, ValidationFailed
from tests.factories import ACTOR

CATALOG = textwrap.dedent(
    """\
    version: 1
    platforms:
      - slug: procurement
        name: Procurement
        operations_manager_name: Olga Ops
    squads:
      - slug: identity
        name: Identity
        platform: procurement
        members:
          - {name: Ann Lee, email: ann@example.com}
    services:
      - slug: gateway
        name: API Gateway
        platform: procurement
        owner: identity
        tier: 1
        depends_on: [auth]
      - slug: auth
        name: Auth
        platform: procurement
        owner: identity
        tier: 1
    journeys:
      - slug: login
        name: Login
        platform: procurement
        owner: identity
        services: [gateway, auth]
    vendors:
      - slug: cloudco
        name: CloudCo
        escalation:
          - {level: 1, contact: Desk, response_minutes: 30}
        services: [{service: auth, relation: runs}]
    raci:
      - squad: identity
        letter: A
        activities: [incident_response]
        services: [gateway, auth]
    """
)


def _apply(session: Session, text: str) -> dict[str, dict[str, int]]:
    return manifest.apply_text(session, actor=ACTOR, text=text).as_dict()


def test_a_catalog_file_creates_everything(session: Session) -> None:
    result = _apply(session, CATALOG)
    assert result["created"] == {
        "platforms": 1,
        "squads": 1,
        "services": 2,
        "journeys": 1,
        "vendors": 1,
    }
    assert [r.slug for r in catalog.dependencies(session, "gateway").depends_on] == ["auth"]
    assert catalog.get_journey(session, "login").services == ["gateway", "auth"]
    assert [m.email for m in catalog.get_squad(session, "identity").members] == ["ann@example.com"]


def test_applying_the_same_file_again_changes_nothing(session: Session) -> None:
    _apply(session, CATALOG)
    entries_before = audit.verify(session)[0]
    result = _apply(session, CATALOG)
    assert result["created"] == {} and result["updated"] == {}
    assert audit.verify(session)[0] == entries_before


def test_a_changed_file_updates_only_what_changed(session: Session) -> None:
    _apply(session, CATALOG)
    changed = CATALOG.replace(
        "    tier: 1\n    depends_on: [auth]", "    tier: 2\n    depends_on: []"
    )
    result = _apply(session, changed)
    assert result["updated"] == {"services": 1, "dependencies": 1}
    gateway = catalog.get_service(session, "gateway")
    assert (gateway.tier, gateway.version) == (2, 2)
    assert catalog.dependencies(session, "gateway").depends_on == []


def test_export_applied_back_is_a_no_op(session: Session) -> None:
    _apply(session, CATALOG)
    exported = manifest.dump(manifest.export(session))
    result = _apply(session, exported)
    assert result["created"] == {} and result["updated"] == {}
    assert manifest.export(session) == manifest.parse(exported)[0].model_dump(
        mode="json", exclude_defaults=True
    ) | {"version": 1}


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            CATALOG.replace("    tier: 1\n    depends_on", "    tier: 7\n    depends_on"),
            "line 17: services[0].tier: ",
        ),
        (
            CATALOG.replace(
                "owner: identity\n    tier: 1\njourneys", "owner: nobody\n    tier: 1\njourneys"
            ),
            "line 22: services[1].owner: ",
        ),
        (
            CATALOG.replace("depends_on: [auth]", "depends_on: [nothing]"),
            "services[0].depends_on: ",
        ),
        (
            CATALOG.replace("name: Auth\n", "name: Auth\n    colour: blue\n"),
            "services[1].colour: Extra inputs are not permitted",
        ),
        (CATALOG.replace("version: 1", "version: 2"), "line 1: version: "),
        ("version: 1\nservices: [\n", "not valid YAML"),
        ("- just\n- a list\n", "a catalog file is a YAML mapping"),
    ],
)
def test_a_bad_file_is_refused_with_line_and_field(
    settings: Settings, broken: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused, session_scope(settings) as s:
        _apply(s, broken)
    assert message in refused.value.message
    with session_scope(settings) as s, pytest.raises(NotFound):
        catalog.get_platform(s, "procurement")


def test_a_loop_in_the_file_applies_nothing(settings: Settings) -> None:
    looped = CATALOG.replace(
        "    tier: 1\njourneys", "    tier: 1\n    depends_on: [gateway]\njourneys"
    )
    with pytest.raises(ValidationFailed) as refused, session_scope(settings) as s:
        _apply(s, looped)
    assert "closes the loop" in refused.value.message
    assert refused.value.message.startswith("line 2")
    with session_scope(settings) as s:
        assert catalog.list_platforms(s) == []
        assert audit.verify(s) == (0, None)


def test_a_record_does_not_move_between_platforms(session: Session) -> None:
    _apply(session, CATALOG)
    moved = CATALOG.replace(
        "platforms:\n", "platforms:\n  - {slug: commerce, name: Commerce}\n"
    ).replace("    name: Auth\n    platform: procurement", "    name: Auth\n    platform: commerce")
    with pytest.raises(ValidationFailed) as refused:
        _apply(session, moved)
    assert refused.value.fields == {
        "services[1].platform": "line 22: 'auth' belongs to platform 'procurement'; records do not move between platforms"
    }


def test_a_slug_repeated_in_a_section_is_refused(session: Session) -> None:
    repeated = CATALOG.replace(
        "journeys:\n",
        "  - {slug: auth, name: Auth two, platform: procurement, owner: identity, tier: 3}\njourneys:\n",
    )
    with pytest.raises(ValidationFailed) as refused:
        _apply(session, repeated)
    assert "services: 'auth' appears twice" in refused.value.message


def test_unstorable_sla_terms_are_a_field_error_and_dates_become_text(session: Session) -> None:
    with_date = CATALOG.replace(
        "    name: CloudCo\n", "    name: CloudCo\n    sla_terms: {renewal: 2027-03-31}\n"
    )
    _apply(session, with_date)
    assert vendors.get_vendor(session, "cloudco").sla_terms == {"renewal": "2027-03-31"}
    huge = CATALOG.replace(
        "    name: CloudCo\n",
        "    name: CloudCo\n    sla_terms: {credits: 99999999999999999999999}\n",
    )
    with pytest.raises(ValidationFailed) as refused:
        _apply(session, huge)
    assert "vendors[0].sla_terms" in refused.value.message


def test_raci_with_mixed_case_roles_settles_after_one_apply(session: Session) -> None:
    mixed = (
        CATALOG
        + "  - {role: Operations manager, letter: I, activities: [capacity], services: [auth]}\n  - {role: incident commander, letter: I, activities: [capacity], services: [auth]}\n"
    )
    _apply(session, mixed)
    assert _apply(session, mixed)["updated"] == {}

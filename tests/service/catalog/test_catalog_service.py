from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.catalog import domain, schemas, vendors
from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from tests import factories
from tests.factories import ACTOR


def test_service_is_created_with_owner_platform_and_dependencies(session: Session) -> None:
    factories.small_platform(session)
    auth = catalog.get_service(session, "auth")
    assert (auth.owner.slug, auth.platform.slug, auth.tier) == ("identity", "procurement", 1)
    deps = catalog.dependencies(session, "auth")
    assert [r.slug for r in deps.depends_on] == ["db"]
    assert [r.slug for r in deps.depended_on_by] == ["gateway"]


def test_transitive_upstream_and_downstream(session: Session) -> None:
    factories.small_platform(session)
    assert {r.slug for r in catalog.dependencies(session, "gateway").upstream} == {"auth", "db"}
    assert {r.slug for r in catalog.dependencies(session, "db").downstream} == {
        "auth",
        "gateway",
        "search",
    }


def test_blast_radius_lists_dependants_by_distance_and_journeys(session: Session) -> None:
    factories.small_platform(session)
    radius = catalog.blast_radius(session, "db")
    assert [(s.slug, s.hops) for s in radius.services] == [
        ("auth", 1),
        ("search", 1),
        ("gateway", 2),
    ]
    assert [j.slug for j in radius.journeys] == ["login"]
    assert radius.platforms == ["procurement"]


def test_blast_radius_reaches_across_platforms(session: Session) -> None:
    factories.small_platform(session)
    factories.platform(session, "commerce")
    factories.squad(session, "checkout-team", platform="commerce")
    factories.service(
        session, "checkout", platform="commerce", owner="checkout-team", depends_on=["auth"]
    )
    assert catalog.blast_radius(session, "db").platforms == ["commerce", "procurement"]


def test_dependency_that_closes_a_loop_is_refused_and_named(session: Session) -> None:
    factories.small_platform(session)
    with pytest.raises(Conflict) as refused:
        catalog.add_dependency(session, actor=ACTOR, slug="db", depends_on="gateway")
    assert "db -> gateway -> auth -> db" in refused.value.message
    assert "depends_on" in refused.value.fields


def test_duplicate_dependency_and_self_dependency_are_refused(session: Session) -> None:
    factories.small_platform(session)
    with pytest.raises(Conflict):
        catalog.add_dependency(session, actor=ACTOR, slug="auth", depends_on="db")
    with pytest.raises(Conflict):
        catalog.add_dependency(session, actor=ACTOR, slug="db", depends_on="db")


def test_removing_a_dependency_and_removing_a_missing_one(session: Session) -> None:
    factories.small_platform(session)
    catalog.remove_dependency(session, actor=ACTOR, slug="search", depends_on="db")
    assert catalog.dependencies(session, "search").depends_on == []
    with pytest.raises(NotFound):
        catalog.remove_dependency(session, actor=ACTOR, slug="search", depends_on="db")


def test_duplicate_names_and_slugs_are_conflicts(session: Session) -> None:
    factories.small_platform(session)
    with pytest.raises(Conflict) as by_slug:
        factories.service(session, "db", name="Another")
    assert by_slug.value.fields == {"slug": "already taken"}
    with pytest.raises(Conflict) as by_name:
        factories.service(session, "db2", name="DB")
    assert by_name.value.fields == {"name": "already taken"}


def test_unknown_owner_is_a_field_error(session: Session) -> None:
    factories.platform(session)
    with pytest.raises(ValidationFailed) as failed:
        factories.service(session, "orphan", owner="nobody")
    assert failed.value.fields == {"owner": "unknown squad 'nobody'"}


def test_update_bumps_version_and_a_stale_update_is_refused(session: Session) -> None:
    factories.small_platform(session)
    updated = catalog.update_service(
        session, actor=ACTOR, slug="db", data=schemas.ServiceUpdate(version=1, tier=1)
    )
    assert (updated.tier, updated.version) == (1, 2)
    with pytest.raises(StaleVersion):
        catalog.update_service(
            session, actor=ACTOR, slug="db", data=schemas.ServiceUpdate(version=1, tier=3)
        )
    assert catalog.get_service(session, "db").tier == 1


def test_service_list_filters_and_pages(session: Session) -> None:
    factories.small_platform(session)
    assert [s.slug for s in catalog.list_services(session, tier=1).items] == ["auth", "gateway"]
    first = catalog.list_services(session, limit=2)
    assert [s.slug for s in first.items] == ["auth", "db"]
    second = catalog.list_services(session, limit=2, cursor=first.next_cursor)
    assert [s.slug for s in second.items] == ["gateway", "search"]
    assert second.next_cursor is None
    assert [s.slug for s in catalog.list_services(session, text="gate").items] == ["gateway"]


def test_service_list_filters_by_tag(session: Session) -> None:
    factories.platform(session)
    factories.squad(session)
    factories.service(session, "ledger", tags=["pci", "finance"])
    factories.service(session, "wiki", tags=["docs"])
    assert [s.slug for s in catalog.list_services(session, tag="PCI").items] == ["ledger"]


def test_journey_keeps_service_order_and_rejects_repeats(session: Session) -> None:
    factories.small_platform(session)
    assert catalog.get_journey(session, "login").services == ["gateway", "auth"]
    with pytest.raises(ValidationFailed):
        factories.journey(session, "loop", ["auth", "db", "auth"])
    updated = catalog.update_journey(
        session,
        actor=ACTOR,
        slug="login",
        data=schemas.JourneyUpdate(version=1, services=["auth", "db"]),
    )
    assert updated.services == ["auth", "db"]


def test_members_can_be_added_once_and_removed(session: Session) -> None:
    factories.platform(session)
    factories.squad(session)
    member = schemas.MemberIn(name="Ann Lee", email="ann@example.com", phone="+31 20 555 0101")
    squad = catalog.add_member(session, actor=ACTOR, slug="identity", member=member)
    assert [(m.name, m.phone) for m in squad.members] == [("Ann Lee", "+31 20 555 0101")]
    with pytest.raises(Conflict):
        catalog.add_member(session, actor=ACTOR, slug="identity", member=member)
    assert (
        catalog.remove_member(
            session, actor=ACTOR, slug="identity", email="ANN@example.com"
        ).members
        == []
    )


def test_vendor_with_escalation_ladder_and_services(session: Session) -> None:
    factories.small_platform(session)
    data = schemas.VendorCreate(
        slug="cloudco",
        name="CloudCo",
        escalation=[
            schemas.EscalationLevelIn(level=1, contact="Service desk", response_minutes=30),
            schemas.EscalationLevelIn(level=2, contact="Duty manager", response_minutes=60),
        ],
        services=[schemas.VendorServiceIn(service="db", relation="runs")],
        sla_terms={"availability": 99.95},
    )
    vendors.create_vendor(session, actor=ACTOR, data=data)
    vendor = vendors.list_vendors(session, service="db")[0]
    assert [(lvl.level, lvl.response_minutes) for lvl in vendor.escalation] == [(1, 30), (2, 60)]
    assert vendors.list_vendors(session, service="auth") == []


def test_raci_gaps_and_set_raci(session: Session) -> None:
    factories.small_platform(session)
    activity = domain.Activity.INCIDENT_RESPONSE
    parties = [
        schemas.RaciPartyIn(letter=domain.Raci.ACCOUNTABLE, role="operations manager"),
        schemas.RaciPartyIn(letter=domain.Raci.RESPONSIBLE, squad="identity"),
    ]
    assert (
        vendors.set_raci(session, actor=ACTOR, service="db", activity=activity, parties=parties)
        is True
    )
    assert (
        vendors.set_raci(session, actor=ACTOR, service="db", activity=activity, parties=parties)
        is False
    )
    matrix = vendors.raci_matrix(session, service="db")
    assert [(c.letter, c.party) for c in matrix.rows["db"]["incident_response"]] == [
        ("A", "role:operations manager"),
        ("R", "squad:identity"),
    ]
    gap_activities = {g.activity for g in matrix.gaps}
    assert "incident_response" not in gap_activities
    assert len(matrix.gaps) == 2 * (len(domain.Activity) - 1)


def test_every_change_is_audited_with_what_changed(session: Session) -> None:
    factories.small_platform(session)
    catalog.update_service(
        session,
        actor=replace(ACTOR, name="alice"),
        slug="db",
        data=schemas.ServiceUpdate(version=1, tier=1),
    )
    latest = audit.list_entries(session, subject_type="service", subject_key="db", limit=1).items[0]
    assert (latest.actor, latest.action, latest.before, latest.after) == (
        "alice",
        "service.updated",
        {"tier": 2, "version": 1},
        {"tier": 1, "version": 2},
    )


def test_a_failed_change_leaves_nothing_behind(settings: Settings) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
    with pytest.raises(Conflict), session_scope(settings) as s:
        factories.service(s, "cache", depends_on=["db"])
        catalog.add_dependency(s, actor=ACTOR, slug="db", depends_on="cache")
    with session_scope(settings) as s:
        with pytest.raises(NotFound):
            catalog.get_service(s, "cache")
        assert audit.verify(s)[1] is None


def test_platform_overview_counts_what_the_home_page_shows(session: Session) -> None:
    factories.small_platform(session)
    vendor = schemas.VendorCreate(
        slug="cloudco", name="CloudCo", services=[schemas.VendorServiceIn(service="db")]
    )
    vendors.create_vendor(session, actor=ACTOR, data=vendor)
    overview = catalog.platform_overview(session, catalog.get_platform(session, "procurement"))
    assert (overview.squads, overview.services, overview.journeys, overview.vendors) == (1, 4, 1, 1)
    assert overview.tiers == [(1, 2), (2, 1), (3, 1), (4, 0)]
    assert overview.raci_gaps == 4 * len(domain.Activity) * 2
    assert [s.slug for s in catalog.all_services(session, tier=1)] == ["auth", "gateway"]

"""Settings per platform: a platform overrides some settings and inherits the rest from the
installation's document, then the shipped defaults; the services apply the rules of their
subject's platform; overrides are governed per platform, refused whole when not valid,
cleared back to inherited, and their history is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.audit.schemas import Overrides
from opsroom.auth.domain import Principal, Role
from opsroom.changes import assessment as changes
from opsroom.changes import schemas as change_schemas
from opsroom.incidents import policy
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from opsroom.kpis import service as kpis
from opsroom.kpis.domain import parse_period
from opsroom.platforms import service as platforms
from opsroom.reviews import service as reviews
from tests import factories
from tests.improvement import GUILD_LEAD, MANAGER, RESPONDER, resolved, two_squads

COMMERCE_MANAGER = Principal(
    name="om.commerce@example.com",
    role=Role.OPERATIONS_MANAGER,
    platforms=frozenset({"commerce"}),
)
# Commerce answers a P2 within 15 minutes where the installation allows 30.
# A valid override sent along with a refused one: it is not kept either.
VALID: dict[str, dict[str, Any]] = {
    "incident-policy": {"major": [1]},
    "review-settings": {"escalate_after_days": 3},
    "working-hours": {"days": ["mon", "tue"]},
    "availability-targets": {"services": {"cart": 99.9}},
    "change-approval-policy": {"emergency_review": ["cab"]},
    "slo-burn-rates": {
        "conditions": [{"factor": 10, "long": "2h", "short": "10m", "severity": "page"}]
    },
}
FASTER = {"response_minutes": {"P1": 5, "P2": 15, "P3": 240, "P4": 1440, "P5": None}}


@pytest.fixture
def two_platforms(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    """procurement (two_squads) and commerce, whose squad shop owns cart."""
    two_squads(session)
    factories.platform(session, "commerce")
    factories.squad(session, "shop", platform="commerce")
    factories.service(session, "cart", owner="shop", platform="commerce", tier=1)
    return session


def override(
    session: Session, overrides: dict[str, Any], *, document: str = "incident-policy", **kw: Any
) -> Any:
    actor = kw.pop("actor", COMMERCE_MANAGER)
    held = platforms.show(session, actor=actor, platform="commerce", document=document).version
    data = Overrides(version=kw.pop("version", held), overrides=overrides)
    return platforms.override(
        session, actor=actor, platform="commerce", document=document, data=data
    )


def sources(read: Any) -> dict[str, str]:
    return {s.name: s.source for s in read.settings}


def test_a_platform_inherits_what_it_does_not_override_and_says_from_where(
    two_platforms: Session,
) -> None:
    session = two_platforms
    shown = platforms.show(
        session, actor=RESPONDER, platform="commerce", document="incident-policy"
    )
    assert set(sources(shown).values()) == {"defaults"} and shown.version == 0
    installation = policy.read(session)
    policy.replace(
        session,
        actor=GUILD_LEAD,
        doc=policy.PolicyDoc(
            **installation.model_dump(exclude={"version", "updated_by", "updated_at"})
            | {"major": [1]}
        ),
        version=0,
    )
    read = override(session, FASTER)
    assert sources(read) == {
        "matrix": "defaults",
        "major": "installation",
        "response_minutes": "platform",
        "resolution_minutes": "defaults",
        "update_cadence_minutes": "defaults",
    }
    assert [s.inherited for s in read.settings if s.name == "response_minutes"] == [False]
    assert (read.version, read.updated_by) == (1, "om.commerce@example.com")
    commerce = policy.current(session, "commerce")
    assert commerce.response_target[Priority.P2].total_seconds() == 15 * 60
    assert commerce.major == frozenset({Priority.P1})  # inherited from the installation
    assert (
        policy.current(session, "procurement").response_target[Priority.P2].total_seconds()
        == 30 * 60
    )


def test_an_incident_follows_the_policy_of_its_services_platform(two_platforms: Session) -> None:
    session = two_platforms
    override(session, FASTER | {"major": [1]})
    declared = {
        svc: incidents.read(
            session,
            incidents.declare(
                session,
                actor=RESPONDER,
                data=incident_schemas.IncidentCreate(
                    title="Slow", services=[svc], impact=2, urgency=1
                ),
            ),
        )
        for svc in ("cart", "checkout")
    }
    cart, checkout = declared["cart"], declared["checkout"]
    assert (cart.priority, checkout.priority) == ("P2", "P2")
    assert (cart.major, checkout.major) == (False, True)
    assert [s.target_minutes for s in cart.sla if s.kind == "response"] == [15]
    assert [s.target_minutes for s in checkout.sla if s.kind == "response"] == [30]


def test_a_review_is_required_by_the_rules_of_the_incidents_platform(
    two_platforms: Session,
) -> None:
    session = two_platforms
    override(session, {"review_priorities": ["P1"]}, document="review-settings")
    resolved(session, services=["cart"], impact=2, urgency=1)  # P2 on commerce
    resolved(session, services=["checkout"], impact=2, urgency=1)  # P2 on procurement
    assert reviews.of_incident(session, actor=RESPONDER, key="INC-1") is None
    procurement = reviews.of_incident(session, actor=RESPONDER, key="INC-2")
    assert procurement is not None and procurement.required


def test_an_override_is_cleared_back_to_inherited_and_every_version_is_kept(
    two_platforms: Session, frozen_clock: clock.FrozenClock
) -> None:
    session = two_platforms
    override(session, FASTER)
    override(session, {"major": [1]}, actor=GUILD_LEAD)
    cleared = platforms.clear(
        session,
        actor=COMMERCE_MANAGER,
        platform="commerce",
        document="incident-policy",
        names=["response_minutes"],
        version=2,
    )
    assert sources(cleared)["response_minutes"] == "defaults"
    assert sources(cleared)["major"] == "platform"
    history = platforms.history(
        session, actor=RESPONDER, platform="commerce", document="incident-policy"
    )
    assert [(v.version, v.actor, v.action) for v in history] == [
        (3, "om.commerce@example.com", "incident_policy.cleared"),
        (2, "guild.lead@example.com", "incident_policy.overridden"),
        (1, "om.commerce@example.com", "incident_policy.overridden"),
    ]
    assert (history[0].before, history[0].after) == (
        {"response_minutes": FASTER["response_minutes"]},
        {"response_minutes": None},
    )
    assert history[0].at == clock.now()
    entries = audit.list_entries(session, subject_type="policy", subject_key="commerce").items
    assert len(entries) == 3


@pytest.mark.parametrize(
    ("overrides", "document", "field"),
    [
        (
            {
                "matrix": {
                    "1": {"1": 1, "2": 1, "3": 2},
                    "2": {"1": 2, "2": 3, "3": 3},
                    "4": {"1": 3, "2": 4, "3": 5},
                }
            },
            "incident-policy",
            "matrix",
        ),
        ({"response_minutes": {"P1": 5}}, "incident-policy", "response_minutes"),
        ({"severity": {}}, "incident-policy", "severity"),
        ({"categories": ["people"]}, "review-settings", "categories"),
        ({"review_due_business_days": 0}, "review-settings", "review_due_business_days"),
        ({"time_zone": "Mars/Olympus"}, "working-hours", "time_zone"),
        ({"start": "18:00:00", "end": "09:00:00"}, "working-hours", "end"),
        ({"by_tier": {"1": 0, "2": 99, "3": 99, "4": 99}}, "availability-targets", "by_tier"),
        ({"by_tier": {"1": 101, "2": 99, "3": 99, "4": 99}}, "availability-targets", "by_tier"),
        ({"by_tier": {"1": 99, "2": 99, "3": 99, "9": 99}}, "availability-targets", "by_tier"),
        ({"journeys": {"login": 99.0}}, "availability-targets", "journeys"),
        ({"by_level": {"low": [], "medium": []}}, "change-approval-policy", "by_level"),
        (
            {"by_level": {"low": ["nobody"], "medium": [], "high": []}},
            "change-approval-policy",
            "by_level",
        ),
        ({"journey_criticalities": ["vital"]}, "change-approval-policy", "journey_criticalities"),
        ({"cab_members": ["chair"]}, "change-approval-policy", "cab_members"),
    ],
    ids=[
        "impact level 4",
        "priority missing",
        "unknown setting",
        "shared setting",
        "out of range",
        "not an IANA zone",
        "a day ending before it starts",
        "a target of 0",
        "a target over 100",
        "a tier that does not exist",
        "another platform's journey",
        "a risk level left out",
        "an approver that does not exist",
        "a criticality that does not exist",
        "a board member without an address",
    ],
)
def test_an_override_not_valid_is_refused_naming_the_setting_and_nothing_is_written(
    two_platforms: Session, overrides: dict[str, Any], document: str, field: str
) -> None:
    session = two_platforms
    with pytest.raises(ValidationFailed) as refused:
        override(session, VALID[document] | overrides, document=document)
    assert field in refused.value.fields
    shown = platforms.show(session, actor=RESPONDER, platform="commerce", document=document)
    assert shown.version == 0 and "platform" not in sources(shown).values()
    assert platforms.history(session, actor=RESPONDER, platform="commerce", document=document) == []


def test_a_stale_override_is_refused(two_platforms: Session) -> None:
    override(two_platforms, FASTER)
    with pytest.raises(StaleVersion):
        override(two_platforms, {"major": [1]}, version=0)


def test_only_those_governing_the_platform_change_its_overrides(two_platforms: Session) -> None:
    session = two_platforms
    with pytest.raises(Forbidden, match="not assigned to commerce"):
        override(session, FASTER, actor=MANAGER)
    with pytest.raises(Forbidden):
        override(session, FASTER, actor=RESPONDER)
    installation = policy.read(session)
    with pytest.raises(Forbidden, match="every platform"):
        policy.replace(session, actor=COMMERCE_MANAGER, doc=installation, version=0)
    assert override(session, FASTER, actor=GUILD_LEAD).version == 1


def test_unknown_platforms_and_documents_are_not_found(two_platforms: Session) -> None:
    with pytest.raises(NotFound, match="no platform 'retail'"):
        platforms.show(
            two_platforms, actor=RESPONDER, platform="retail", document="incident-policy"
        )
    with pytest.raises(NotFound, match="incident-policy, review-settings, working-hours"):
        platforms.show(two_platforms, actor=RESPONDER, platform="commerce", document="rota")


def test_the_kpi_report_holds_each_service_and_journey_to_its_platforms_targets(
    two_platforms: Session,
) -> None:
    session = two_platforms
    factories.journey(session, "buy", ["cart"], platform="commerce", owner="shop")
    targets = {"services": {"cart": 99.0}, "journeys": {"buy": 98.5}}
    override(session, targets, document="availability-targets")
    report = kpis.report(session, actor=GUILD_LEAD, period=parse_period("2026-10"))
    services = {u.key: u.target for u in report.services}
    assert (services["cart"], services["checkout"]) == (0.99, 0.9995)  # checkout: tier 1
    journeys = {u.key: u.target for u in report.journeys}
    assert (journeys["buy"], journeys["login"]) == (0.985, 0.9995)  # login: gateway, tier 1
    shown = platforms.show(
        session, actor=RESPONDER, platform="commerce", document="availability-targets"
    )
    assert sources(shown) == {"by_tier": "defaults", "services": "platform", "journeys": "platform"}


def test_a_change_needs_the_approvals_its_platforms_policy_asks_for(two_platforms: Session) -> None:
    session = two_platforms
    nobody = {"low": [], "medium": [], "high": ["squad_lead", "operations_manager"]}
    override(session, {"by_level": nobody}, document="change-approval-policy")
    start = clock.now() + timedelta(days=3)
    needed = {
        svc: changes.preview(
            session,
            actor=RESPONDER,
            fields=change_schemas.ChangeFields(
                services=[svc],
                squad=squad,
                planned_start=start,
                planned_end=start + timedelta(hours=1),
            ),
        )
        for svc, squad in (("cart", "shop"), ("checkout", "payments"))
    }
    assert needed["cart"].risk.level == needed["checkout"].risk.level == "medium"
    assert (needed["cart"].required_approvals, needed["checkout"].required_approvals) == (
        [],
        ["squad_lead"],
    )


@pytest.mark.parametrize("name", platforms.INSTALLATION_WIDE)
def test_the_installation_sets_what_every_platform_inherits(
    two_platforms: Session, name: str
) -> None:
    data = Overrides(version=0, overrides=VALID[name])
    with pytest.raises(Forbidden):
        platforms.override(two_platforms, actor=MANAGER, platform=None, document=name, data=data)
    own = platforms.override(
        two_platforms, actor=GUILD_LEAD, platform=None, document=name, data=data
    )
    (setting,) = VALID[name]
    assert {s.name: s.source for s in own.settings}[setting] == "installation"
    inherited = platforms.show(two_platforms, actor=RESPONDER, platform="commerce", document=name)
    assert {s.name: s.source for s in inherited.settings}[setting] == "installation"
    back = platforms.clear(
        two_platforms, actor=GUILD_LEAD, platform=None, document=name, names=[], version=1
    )
    assert {s.source for s in back.settings} == {"defaults"}

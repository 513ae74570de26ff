from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.auth.domain import Principal, Role
from opsroom.changes import approvals, domain
from opsroom.changes.approvals import Approver, Requirement
from opsroom.changes.domain import (
    ChangeType,
    RiskInputs,
    RiskLevel,
    Status,
    Transition,
    Window,
)
from opsroom.infra.errors import Conflict, InvalidTransition, ValidationFailed

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
QUIET = RiskInputs(
    change_type=ChangeType.STANDARD,
    tier=4,
    downstream_services=0,
    critical_journeys=0,
    recent_changes=0,
    recent_failures=0,
    recent_incidents=0,
    in_freeze=False,
    collisions=0,
)


def window(start_h: float, end_h: float) -> Window:
    return Window(T0 + timedelta(hours=start_h), T0 + timedelta(hours=end_h))


# --- lifecycle ------------------------------------------------------------------------------


def test_the_normal_path() -> None:
    status = Status.DRAFT
    for move in (
        Transition.SUBMIT,
        Transition.APPROVE,
        Transition.SCHEDULE,
        Transition.START,
        Transition.COMPLETE,
        Transition.CLOSE,
    ):
        status = domain.next_status(status, move, ChangeType.NORMAL)
    assert status is Status.CLOSED


def test_only_emergencies_start_before_approval() -> None:
    assert (
        domain.next_status(Status.SUBMITTED, Transition.START, ChangeType.EMERGENCY)
        is Status.IN_PROGRESS
    )
    with pytest.raises(InvalidTransition, match="allowed now: approve, reject"):
        domain.next_status(Status.SUBMITTED, Transition.START, ChangeType.NORMAL)


def test_a_closed_change_is_final() -> None:
    with pytest.raises(InvalidTransition, match="nothing \\(it is final\\)"):
        domain.next_status(Status.CLOSED, Transition.FAIL, ChangeType.NORMAL)


# --- risk -----------------------------------------------------------------------------------


def test_a_quiet_standard_change_scores_nothing() -> None:
    risk = domain.assess(QUIET)
    assert (risk.score, risk.level) == (0, RiskLevel.LOW)
    assert [f.name for f in risk.factors] == [
        "service tier",
        "change type",
        "blast radius",
        "critical journeys",
        "change failure rate",
        "recent incidents",
        "freeze",
        "collisions",
        "error budget",
    ]


def test_each_factor_shows_its_contribution() -> None:
    risky = RiskInputs(
        change_type=ChangeType.EMERGENCY,
        tier=1,
        downstream_services=3,
        critical_journeys=1,
        recent_changes=4,
        recent_failures=1,
        recent_incidents=2,
        in_freeze=True,
        collisions=1,
    )
    points = {f.name: (f.detail, f.points) for f in domain.assess(risky).factors}
    assert points == {
        "service tier": ("tier 1", 30),
        "change type": ("emergency", 20),
        "blast radius": ("3 downstream services", 6),
        "critical journeys": ("1 critical journey touched", 10),
        "change failure rate": ("1 of 4 recent changes failed (25%)", 8),
        "recent incidents": ("2 incidents in 90 days", 10),
        "freeze": ("inside a freeze window", 25),
        "collisions": ("1 overlapping change", 10),
        "error budget": ("no SLO on these services has spent its budget", 0),
    }
    assert domain.assess(risky).level is RiskLevel.HIGH


def test_too_few_changes_say_nothing_about_the_failure_rate() -> None:
    factor = domain.assess(replace(QUIET, recent_changes=2, recent_failures=2)).factors[4]
    assert (factor.detail, factor.points) == ("2 recent changes: too few to judge", 0)


inputs = st.builds(
    RiskInputs,
    change_type=st.sampled_from(ChangeType),
    tier=st.integers(1, 4),
    downstream_services=st.integers(0, 200),
    critical_journeys=st.integers(0, 20),
    recent_changes=st.integers(0, 100),
    recent_failures=st.just(0),
    recent_incidents=st.integers(0, 50),
    in_freeze=st.booleans(),
    collisions=st.integers(0, 10),
)


@given(inputs)
def test_the_score_is_the_sum_of_its_factors(i: RiskInputs) -> None:
    risk = domain.assess(i)
    assert risk.score == sum(f.points for f in risk.factors)
    assert risk.level is domain.level_of(risk.score)


@given(inputs, st.sampled_from(["collisions", "recent_incidents", "downstream_services"]))
def test_more_exposure_never_lowers_the_risk(i: RiskInputs, name: str) -> None:
    worse = replace(i, **{name: getattr(i, name) + 1})
    assert domain.assess(worse).score >= domain.assess(i).score


@given(inputs)
def test_a_freeze_never_lowers_the_level(i: RiskInputs) -> None:
    calm, frozen = (
        domain.assess(replace(i, in_freeze=False)),
        domain.assess(replace(i, in_freeze=True)),
    )
    order = list(RiskLevel)
    assert order.index(frozen.level) >= order.index(calm.level)


# --- collisions -----------------------------------------------------------------------------

NEIGHBOURS = {"auth": {"db", "gateway"}, "db": {"auth"}, "gateway": {"auth"}}


def planned(key: str, services: set[str], w: Window, squad: str = "identity") -> domain.Planned:
    return domain.Planned(key, frozenset(services), squad, w)


def test_collisions_name_their_reason() -> None:
    mine = planned("CHG-1", {"auth"}, window(0, 2))
    others = [
        planned("CHG-2", {"auth"}, window(1, 3), squad="other"),
        planned("CHG-3", {"db"}, window(1, 3), squad="other"),
        planned("CHG-4", {"search"}, window(1, 3)),
        planned("CHG-5", {"search"}, window(1, 3), squad="other"),
        planned("CHG-6", {"auth"}, window(2, 3)),  # starts as mine ends
    ]
    found = domain.collisions(mine, others, NEIGHBOURS)
    assert [(c.key, c.reason) for c in found] == [
        ("CHG-2", "same service: auth"),
        ("CHG-3", "auth and db depend on each other directly"),
        ("CHG-4", "same implementer squad: identity"),
    ]


def test_a_change_does_not_collide_with_itself() -> None:
    mine = planned("CHG-1", {"auth"}, window(0, 2))
    assert domain.collisions(mine, [mine], NEIGHBOURS) == []


windows = st.tuples(st.integers(0, 48), st.integers(1, 24)).map(lambda t: window(t[0], t[0] + t[1]))


@given(windows, windows)
def test_collisions_are_symmetric(a: Window, b: Window) -> None:
    one, two = planned("CHG-1", {"auth"}, a, "x"), planned("CHG-2", {"db"}, b, "y")
    assert bool(domain.collisions(one, [two], NEIGHBOURS)) == bool(
        domain.collisions(two, [one], NEIGHBOURS)
    )
    assert bool(domain.collisions(one, [two], NEIGHBOURS)) == a.overlaps(b)


def test_a_window_must_end_after_it_starts() -> None:
    with pytest.raises(ValidationFailed) as refused:
        domain.check_window(T0, T0)
    assert refused.value.fields == {"planned_end": "must be after planned_start"}


# --- freezes --------------------------------------------------------------------------------


def test_a_freeze_runs_from_midnight_to_midnight_in_its_zone() -> None:
    w = domain.freeze_window(date(2026, 12, 14), date(2027, 1, 4), "America/New_York")
    assert (w.start, w.end) == (
        datetime(2026, 12, 14, 5, 0, tzinfo=UTC),
        datetime(2027, 1, 5, 5, 0, tzinfo=UTC),
    )
    with pytest.raises(ValidationFailed):
        domain.freeze_window(date(2027, 1, 4), date(2026, 12, 14), "UTC")


def test_a_freeze_covers_its_services_or_everything() -> None:
    peak = domain.freeze_window(date(2026, 12, 1), date(2026, 12, 1), "UTC")
    scoped = domain.Freeze("Peak", peak, frozenset({"checkout"}))
    everything = domain.Freeze("All", peak, frozenset(), everything=True)
    assert scoped.covers({"checkout", "auth"}, window(0, 1))
    assert not scoped.covers({"auth"}, window(0, 1))
    assert everything.covers({"auth"}, window(0, 1))
    assert not everything.covers({"auth"}, window(24, 25))
    assert not domain.Freeze("Empty platform", peak, frozenset()).covers({"auth"}, window(0, 1))


@pytest.mark.parametrize(
    ("platforms", "services", "everything", "field"),
    [
        ([], [], False, "platforms"),
        (["procurement"], [], True, "everything"),
        ([], ["checkout"], True, "everything"),
    ],
)
def test_a_freeze_names_what_it_covers_or_says_everything(
    platforms: list[str], services: list[str], everything: bool, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        domain.check_freeze_scope(platforms, services, [], everything)
    assert field in refused.value.fields
    domain.check_freeze_scope(["procurement"], [], [], False)
    domain.check_freeze_scope([], [], [], True)


@pytest.mark.parametrize("change_type", [ChangeType.NORMAL, ChangeType.STANDARD])
def test_only_emergencies_or_exceptions_go_ahead_in_a_freeze(change_type: ChangeType) -> None:
    with pytest.raises(Conflict, match="inside the freeze 'Peak'"):
        domain.check_freeze(change_type, ["Peak"], exception=False)
    assert domain.check_freeze(change_type, ["Peak"], exception=True)
    assert domain.check_freeze(ChangeType.EMERGENCY, ["Peak"], exception=False)
    assert not domain.check_freeze(change_type, [], exception=False)


def test_a_standard_change_stays_within_its_template() -> None:
    assert domain.template_problems({"search"}, window(0, 1), {"search"}, 60) == {}
    assert domain.template_problems({"search", "db"}, window(0, 2), {"search"}, 60) == {
        "services": "not covered by the template: db",
        "planned_end": "the template allows at most 60 minutes",
    }


# --- approvals ------------------------------------------------------------------------------


def test_approvals_follow_risk_and_journeys() -> None:
    journeys = {"checkout": "critical", "reports": "low"}
    refs = lambda t, level: [r.ref for r in approvals.required_approvals(t, level, journeys)]  # noqa: E731
    assert refs(ChangeType.STANDARD, RiskLevel.HIGH) == []
    assert refs(ChangeType.NORMAL, RiskLevel.LOW) == ["squad_lead"]
    assert refs(ChangeType.NORMAL, RiskLevel.MEDIUM) == ["squad_lead", "journey_owner:checkout"]
    assert refs(ChangeType.NORMAL, RiskLevel.HIGH) == [
        "squad_lead",
        "journey_owner:checkout",
        "cab",
        "operations_manager",
    ]
    assert refs(ChangeType.EMERGENCY, RiskLevel.HIGH) == ["operations_manager"]


def test_approval_policy_is_data() -> None:
    policy = approvals.ApprovalPolicy(by_level=dict.fromkeys(RiskLevel, (Approver.CAB,)))
    required = approvals.required_approvals(ChangeType.NORMAL, RiskLevel.LOW, {}, policy)
    assert required == [Requirement(Approver.CAB)]


def approving(name: str, role: Role, squads: set[str]) -> approvals.Approving:
    person = Principal(name=name, role=role, squads=frozenset(squads))
    return approvals.Approving(person, "dev@x", "identity", {"checkout": "payments"})


REQUIRED = [Requirement(Approver.SQUAD_LEAD), Requirement(Approver.JOURNEY_OWNER, "checkout")]


def test_each_approver_fills_what_is_theirs() -> None:
    lead = approving("lead@x", Role.SQUAD_LEAD, {"identity"})
    owner = approving("pay@x", Role.SQUAD_LEAD, {"payments"})
    assert approvals.requirement_for(lead, REQUIRED, {}).ref == "squad_lead"
    assert approvals.requirement_for(owner, REQUIRED, {}).ref == "journey_owner:checkout"
    with pytest.raises(Conflict, match="may not give any"):
        approvals.requirement_for(owner, REQUIRED, {"journey_owner:checkout": "other@x"})


def test_nobody_approves_twice_or_their_own_change() -> None:
    manager = approving("om@x", Role.OPERATIONS_MANAGER, set())
    assert (
        approvals.requirement_for(manager, REQUIRED, {}, "journey_owner:checkout").scope
        == "checkout"
    )
    with pytest.raises(Conflict, match="already approved"):
        approvals.requirement_for(manager, REQUIRED, {"squad_lead": "om@x"})
    with pytest.raises(Conflict, match="own change"):
        approvals.requirement_for(approving("dev@x", Role.ADMIN, set()), REQUIRED, {})
    with pytest.raises(Conflict, match="no open approval 'cab'"):
        approvals.requirement_for(manager, REQUIRED, {}, "cab")


def test_cab_members_are_listed_in_the_policy() -> None:
    policy = approvals.ApprovalPolicy(cab_members=frozenset({"cab@x"}))
    member = approving("cab@x", Role.RESPONDER, set())
    assert approvals.may_fill(Requirement(Approver.CAB), member, policy)
    assert not approvals.may_fill(
        Requirement(Approver.CAB), approving("no@x", Role.SQUAD_LEAD, set()), policy
    )


# --- suspects and figures -------------------------------------------------------------------


def test_suspects_rank_direct_recent_and_failed_changes_first() -> None:
    impact = T0
    candidates = [
        domain.Candidate("CHG-1", frozenset({"db"}), impact - timedelta(hours=1), False),
        domain.Candidate("CHG-2", frozenset({"auth"}), impact - timedelta(hours=20), False),
        domain.Candidate("CHG-3", frozenset({"auth"}), impact - timedelta(hours=2), True),
        domain.Candidate("CHG-4", frozenset({"auth"}), impact - timedelta(hours=25), True),
        domain.Candidate("CHG-5", frozenset({"search"}), impact - timedelta(hours=1), True),
        domain.Candidate("CHG-6", frozenset({"auth"}), impact + timedelta(minutes=1), True),
    ]
    ranked = domain.rank_suspects(candidates, {"auth"}, {"db"}, impact)
    assert [s.key for s in ranked] == ["CHG-3", "CHG-2", "CHG-1"]
    assert ranked[0].reasons == ("on auth", "2.0 h before impact", "failed")


def test_figures_per_group() -> None:
    def outcome(group: str, status: Status, **extra: object) -> domain.Outcome:
        return domain.Outcome(
            group=group,
            status=status,
            change_type=extra.get("change_type", ChangeType.NORMAL),  # type: ignore[arg-type]
            in_freeze=bool(extra.get("in_freeze")),
            failed=bool(extra.get("failed")),
        )

    [auth, db] = domain.figures(
        [
            outcome("auth", Status.COMPLETED),
            outcome("auth", Status.CLOSED, failed=True),
            outcome(
                "auth",
                Status.ROLLED_BACK,
                failed=True,
                change_type=ChangeType.EMERGENCY,
                in_freeze=True,
            ),
            outcome("auth", Status.SCHEDULED),
            outcome("db", Status.SUBMITTED),
        ]
    )
    assert (auth.volume, auth.finished, auth.succeeded, auth.failed) == (4, 3, 1, 2)
    assert auth.change_failure_rate == pytest.approx(2 / 3)
    assert (auth.emergency_share, auth.during_freeze) == (0.25, 1)
    assert (db.success_rate, db.change_failure_rate) == (None, None)


def test_each_waiting_approval_names_who_may_give_it_and_whether_you_may() -> None:
    required = [*REQUIRED, Requirement(Approver.CAB), Requirement(Approver.OPERATIONS_MANAGER)]
    owner = approving("pay@x", Role.SQUAD_LEAD, {"payments"})
    waiting = approvals.waiting(owner, required, {"squad_lead": "lead@x"})
    assert [(w.requirement.ref, w.givers, w.yours) for w in waiting] == [
        ("journey_owner:checkout", "a squad lead of payments, or an operations manager", True),
        ("cab", "a CAB member, or an operations manager", False),
        ("operations_manager", "an operations manager", False),
    ]
    manager = approving("om@x", Role.OPERATIONS_MANAGER, set())
    assert all(w.yours for w in approvals.waiting(manager, required, {}))
    assert not any(w.yours for w in approvals.waiting(manager, required, {"cab": "om@x"}))
    board = approvals.ApprovalPolicy(cab_members=frozenset({"b@x", "a@x"}))
    [cab] = approvals.waiting(owner, [Requirement(Approver.CAB)], {}, board)
    assert cab.givers == "a change advisory board member (a@x, b@x), or an operations manager"


def test_an_operations_manager_stands_in_on_their_own_platforms_changes_only() -> None:
    required = [Requirement(Approver.OPERATIONS_MANAGER)]
    manager = Principal(name="om@x", role=Role.OPERATIONS_MANAGER, platforms=frozenset({"shop"}))
    own = approvals.Approving(manager, "dev@x", "identity", {}, ("shop",))
    other = approvals.Approving(manager, "dev@x", "identity", {}, ("finance",))
    assert approvals.requirement_for(own, required, {}) == required[0]
    with pytest.raises(Conflict):
        approvals.requirement_for(other, required, {})
    lead = Principal(name="lead@x", role=Role.GUILD_LEAD)
    assert approvals.waiting(
        approvals.Approving(lead, "dev@x", "x", {}, ("finance",)), required, {}
    )[0].yours

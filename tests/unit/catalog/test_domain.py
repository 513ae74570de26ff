"""The catalog's pure rules: slugs, the dependency graph, blast radius, journeys and RACI."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.catalog.domain import (
    SLUG_PATTERN,
    Activity,
    Edge,
    Raci,
    RaciGap,
    blast_radius,
    cycle_if_added,
    degraded_journeys,
    dependency_graph,
    downstream,
    first_cycle,
    raci_gaps,
    slugify,
    upstream,
)

# A small procurement platform. An edge (a, b) means "a depends on b".
EDGES: list[Edge] = [
    ("buyer-portal", "api-gateway"),
    ("api-gateway", "auth-service"),
    ("auth-service", "identity-provider"),
    ("identity-provider", "postgres-core"),
    ("requisitions", "postgres-core"),
    ("requisitions", "auth-service"),
    ("checkout", "identity-provider"),
    ("reporting", "data-warehouse"),
]
SERVICES = sorted({s for edge in EDGES for s in edge} | {"feature-flags"})
JOURNEYS = {
    "requisition-to-po": ["buyer-portal", "requisitions"],
    "browse-and-checkout": ["checkout"],
    "spend-reporting": ["reporting"],
}
NODES = [f"s{i}" for i in range(8)]


def _graph() -> nx.DiGraph:
    return dependency_graph(SERVICES, EDGES)


def _dag_from(candidates: list[Edge]) -> list[Edge]:
    """Add candidate edges one by one, keeping only those that close no loop."""
    edges: list[Edge] = []
    for edge in candidates:
        if edge not in edges and cycle_if_added(edges, edge) is None:
            edges.append(edge)
    return edges


candidate_edges = st.lists(st.tuples(st.sampled_from(NODES), st.sampled_from(NODES)), max_size=40)
dags = candidate_edges.map(_dag_from)
journey_maps = st.dictionaries(
    st.sampled_from(["j1", "j2", "j3", "j4"]),
    st.lists(st.sampled_from(NODES), min_size=1, max_size=4, unique=True),
)


def _is_loop_through(loop: list[str], edges: list[Edge], new_edge: Edge) -> bool:
    usable = {*edges, new_edge}
    return (
        loop[0] == loop[-1] == new_edge[0]
        and loop[1] == new_edge[1]
        and all(pair in usable for pair in pairwise(loop))
    )


# --- slugify ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Invoice capture (OCR)", "invoice-capture-ocr"),
        ("  Identity & Access  ", "identity-access"),
        ("Platform Infrastructure / SRE", "platform-infrastructure-sre"),
        ("payments", "payments"),
        ("Tier 1 -- API", "tier-1-api"),
    ],
)
def test_slugify_turns_a_name_into_a_slug(name: str, slug: str) -> None:
    assert slugify(name) == slug


@given(st.text())
def test_slugify_always_gives_a_valid_slug_or_nothing(name: str) -> None:
    slug = slugify(name)
    assert slug == "" or SLUG_PATTERN.match(slug)
    assert slugify(slug) == slug


# --- cycle_if_added ---------------------------------------------------------------------


def test_a_service_cannot_depend_on_itself() -> None:
    assert cycle_if_added([], ("payments", "payments")) == ["payments", "payments"]


def test_depending_back_on_a_direct_dependant_closes_a_loop() -> None:
    edges: list[Edge] = [("orders", "payments")]
    assert cycle_if_added(edges, ("payments", "orders")) == ["payments", "orders", "payments"]


def test_a_transitive_loop_is_shown_as_the_whole_path() -> None:
    loop = cycle_if_added(EDGES, ("postgres-core", "buyer-portal"))
    assert loop == [
        "postgres-core",
        "buyer-portal",
        "api-gateway",
        "auth-service",
        "identity-provider",
        "postgres-core",
    ]


def test_the_shortest_loop_is_shown_when_there_are_several() -> None:
    loop = cycle_if_added(EDGES, ("postgres-core", "requisitions"))
    assert loop == ["postgres-core", "requisitions", "postgres-core"]


@pytest.mark.parametrize(
    "new_edge",
    [
        ("buyer-portal", "postgres-core"),  # already implied, not a loop
        ("reporting", "postgres-core"),  # joins two separate parts
        ("feature-flags", "auth-service"),  # a service with no edges yet
        ("new-service", "payments-unknown"),  # services the graph has not seen
    ],
)
def test_an_edge_that_closes_no_loop_is_allowed(new_edge: Edge) -> None:
    assert cycle_if_added(EDGES, new_edge) is None


@given(dags)
def test_only_adding_allowed_edges_keeps_the_graph_acyclic(edges: list[Edge]) -> None:
    assert nx.is_directed_acyclic_graph(dependency_graph(NODES, edges))


@given(dags, st.sampled_from(NODES), st.sampled_from(NODES))
def test_an_edge_is_refused_exactly_when_it_would_close_a_loop(
    edges: list[Edge], dependant: str, dependency: str
) -> None:
    new_edge = (dependant, dependency)
    loop = cycle_if_added(edges, new_edge)
    stays_acyclic = nx.is_directed_acyclic_graph(dependency_graph(NODES, [*edges, new_edge]))
    assert (loop is None) == stays_acyclic
    if loop is not None:
        assert _is_loop_through(loop, edges, new_edge)


# --- first_cycle ------------------------------------------------------------------------


def test_a_graph_without_loops_has_no_first_cycle() -> None:
    assert first_cycle(EDGES) is None
    assert first_cycle([]) is None


def test_first_cycle_returns_a_closed_path_along_existing_edges() -> None:
    edges = [*EDGES, ("postgres-core", "api-gateway")]
    loop = first_cycle(edges)
    assert loop is not None
    assert loop[0] == loop[-1]
    assert set(loop) == {"api-gateway", "auth-service", "identity-provider", "postgres-core"}
    assert all(pair in edges for pair in pairwise(loop))


def test_first_cycle_finds_a_self_dependency() -> None:
    assert first_cycle([("a-svc", "b-svc"), ("b-svc", "b-svc")]) == ["b-svc", "b-svc"]


@given(dags)
def test_first_cycle_finds_nothing_in_a_graph_built_from_allowed_edges(edges: list[Edge]) -> None:
    assert first_cycle(edges) is None


# --- upstream and downstream ------------------------------------------------------------


def test_upstream_is_everything_a_service_depends_on_transitively() -> None:
    assert upstream(_graph(), "buyer-portal") == {
        "api-gateway",
        "auth-service",
        "identity-provider",
        "postgres-core",
    }


def test_downstream_is_everything_that_depends_on_a_service_transitively() -> None:
    assert downstream(_graph(), "identity-provider") == {
        "auth-service",
        "api-gateway",
        "buyer-portal",
        "requisitions",
        "checkout",
    }


def test_a_service_with_no_edges_has_nothing_up_or_downstream() -> None:
    assert upstream(_graph(), "feature-flags") == set()
    assert downstream(_graph(), "feature-flags") == set()


def test_a_foundation_has_nothing_upstream_and_a_front_end_nothing_downstream() -> None:
    assert upstream(_graph(), "postgres-core") == set()
    assert downstream(_graph(), "buyer-portal") == set()


@given(dags, st.sampled_from(NODES))
def test_in_a_dag_a_service_is_never_its_own_dependant_or_dependency(
    edges: list[Edge], service: str
) -> None:
    graph = dependency_graph(NODES, edges)
    assert service not in downstream(graph, service)
    assert service not in upstream(graph, service)
    assert not downstream(graph, service) & upstream(graph, service)


# --- blast radius -----------------------------------------------------------------------


def test_blast_radius_lists_every_dependant_by_hops_then_slug() -> None:
    radius = blast_radius(_graph(), "postgres-core", JOURNEYS)
    assert radius.service == "postgres-core"
    assert list(radius.services.items()) == [
        ("identity-provider", 1),
        ("requisitions", 1),
        ("auth-service", 2),
        ("checkout", 2),
        ("api-gateway", 3),
        ("buyer-portal", 4),
    ]


def test_blast_radius_counts_the_shortest_way_a_failure_travels() -> None:
    radius = blast_radius(_graph(), "auth-service", JOURNEYS)
    # requisitions depends on auth-service directly, not only through another service
    assert radius.services == {"api-gateway": 1, "requisitions": 1, "buyer-portal": 2}


def test_blast_radius_names_touched_journeys_and_leaves_the_others_out() -> None:
    radius = blast_radius(_graph(), "identity-provider", JOURNEYS)
    assert radius.journeys == ["browse-and-checkout", "requisition-to-po"]


def test_a_journey_through_the_failing_service_itself_is_touched() -> None:
    radius = blast_radius(_graph(), "reporting", JOURNEYS)
    assert radius.services == {}
    assert radius.journeys == ["spend-reporting"]


def test_a_service_nothing_depends_on_and_no_journey_uses_harms_nobody() -> None:
    radius = blast_radius(_graph(), "feature-flags", JOURNEYS)
    assert radius.services == {}
    assert radius.journeys == []


@given(dags, st.sampled_from(NODES), journey_maps)
def test_blast_radius_is_exactly_the_dependants_at_their_shortest_distance(
    edges: list[Edge], service: str, journeys: dict[str, list[str]]
) -> None:
    graph = dependency_graph(NODES, edges)
    radius = blast_radius(graph, service, journeys)
    assert set(radius.services) == nx.ancestors(graph, service)
    for hurt, hops in radius.services.items():
        assert hops == nx.shortest_path_length(graph, hurt, service)


@given(dags, st.sampled_from(NODES), journey_maps)
def test_a_journey_is_touched_exactly_when_it_uses_a_hurt_service(
    edges: list[Edge], service: str, journeys: dict[str, list[str]]
) -> None:
    graph = dependency_graph(NODES, edges)
    hurt = {service, *nx.ancestors(graph, service)}
    radius = blast_radius(graph, service, journeys)
    assert radius.journeys == sorted(j for j, steps in journeys.items() if hurt & set(steps))


# --- degraded journeys ------------------------------------------------------------------


def test_one_degraded_step_degrades_the_journey() -> None:
    assert degraded_journeys(JOURNEYS, ["requisitions"]) == ["requisition-to-po"]


def test_journeys_are_listed_once_and_in_order() -> None:
    degraded = degraded_journeys(
        JOURNEYS, ["reporting", "checkout", "buyer-portal", "requisitions"]
    )
    assert degraded == ["browse-and-checkout", "requisition-to-po", "spend-reporting"]


def test_no_degraded_service_means_no_degraded_journey() -> None:
    assert degraded_journeys(JOURNEYS, []) == []
    assert degraded_journeys(JOURNEYS, ["feature-flags"]) == []


@given(journey_maps, st.sets(st.sampled_from(NODES)))
def test_a_journey_is_degraded_exactly_when_one_of_its_services_is(
    journeys: dict[str, list[str]], degraded: set[str]
) -> None:
    result = degraded_journeys(journeys, degraded)
    for journey, steps in journeys.items():
        assert (journey in result) == any(step in degraded for step in steps)


# --- RACI gaps --------------------------------------------------------------------------

Assignment = tuple[str, Activity, Raci]


def _complete(service: str) -> list[Assignment]:
    """One R and one A for every activity: nothing missing."""
    return [
        (service, a, letter) for a in Activity for letter in (Raci.RESPONSIBLE, Raci.ACCOUNTABLE)
    ]


def test_a_complete_raci_has_no_gaps() -> None:
    assert raci_gaps(["payments"], _complete("payments")) == []


def test_a_missing_accountable_is_a_gap() -> None:
    held = [a for a in _complete("payments") if a[1:] != (Activity.CAPACITY, Raci.ACCOUNTABLE)]
    assert raci_gaps(["payments"], held) == [
        RaciGap("payments", Activity.CAPACITY, "nobody is accountable")
    ]


def test_two_accountable_parties_are_a_gap() -> None:
    held = [*_complete("payments"), ("payments", Activity.CHANGE_APPROVAL, Raci.ACCOUNTABLE)]
    assert raci_gaps(["payments"], held) == [
        RaciGap("payments", Activity.CHANGE_APPROVAL, "2 parties are accountable; keep one")
    ]


def test_a_missing_responsible_is_a_gap() -> None:
    held = [
        a for a in _complete("payments") if a[1:] != (Activity.DISASTER_RECOVERY, Raci.RESPONSIBLE)
    ]
    assert raci_gaps(["payments"], held) == [
        RaciGap("payments", Activity.DISASTER_RECOVERY, "nobody is responsible")
    ]


def test_a_service_without_any_raci_has_two_gaps_per_activity() -> None:
    gaps = raci_gaps(["payments"], [])
    assert len(gaps) == 2 * len(Activity)
    assert {g.activity for g in gaps} == set(Activity)
    assert {g.problem for g in gaps} == {"nobody is accountable", "nobody is responsible"}


@pytest.mark.parametrize("letter", [Raci.SUPPORT, Raci.CONSULTED, Raci.INFORMED])
def test_support_consulted_and_informed_do_not_fill_a_gap(letter: Raci) -> None:
    held = [("payments", activity, letter) for activity in Activity]
    assert len(raci_gaps(["payments"], held)) == 2 * len(Activity)


def test_gaps_are_only_reported_for_the_services_asked_about() -> None:
    assert (
        raci_gaps(
            ["payments"], [*_complete("payments"), ("other", Activity.CAPACITY, Raci.ACCOUNTABLE)]
        )
        == []
    )


def test_gaps_are_ordered_by_service_then_activity() -> None:
    gaps = raci_gaps(["tax-engine", "payments"], [])
    services = [g.service for g in gaps]
    assert services == sorted(services)
    activities = [g.activity for g in gaps if g.problem == "nobody is accountable"]
    assert activities[: len(Activity)] == list(Activity)


services_and_letters = st.lists(
    st.tuples(
        st.sampled_from(["a-svc", "b-svc"]), st.sampled_from(Activity), st.sampled_from(Raci)
    ),
    max_size=30,
)


@given(
    services_and_letters,
    st.sampled_from(Activity),
    st.sampled_from([Raci.SUPPORT, Raci.CONSULTED, Raci.INFORMED]),
)
def test_adding_a_support_consulted_or_informed_party_never_changes_the_gaps(
    held: list[Assignment], activity: Activity, letter: Raci
) -> None:
    services = ["a-svc", "b-svc"]
    assert raci_gaps(services, [*held, ("a-svc", activity, letter)]) == raci_gaps(services, held)


@given(st.sampled_from(Activity))
def test_a_second_accountable_on_a_complete_raci_always_makes_exactly_one_gap(
    activity: Activity,
) -> None:
    gaps = raci_gaps(["a-svc"], [*_complete("a-svc"), ("a-svc", activity, Raci.ACCOUNTABLE)])
    assert gaps == [RaciGap("a-svc", activity, "2 parties are accountable; keep one")]

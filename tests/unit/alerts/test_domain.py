from __future__ import annotations

from datetime import UTC, datetime, timedelta

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsroom.alerts.domain import (
    AlertStatus,
    Bucket,
    IncomingAlert,
    Matcher,
    Op,
    Severity,
    SilenceState,
    Suppressor,
    describe_link,
    effective_group_key,
    explain_cause,
    explain_join,
    fingerprint,
    group_key,
    impact_for_tier,
    incident_title,
    linked_path,
    linked_services,
    noise_reduction,
    parse_matcher,
    probable_cause,
    reopens,
    route,
    severity_of,
    silence_problem,
    silence_state,
    silenced,
    suppressed_by,
    take_token,
    urgency_for,
)

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_fingerprint_ignores_label_order_and_sees_every_byte() -> None:
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "12"}) != fingerprint({"a1": "2"})
    assert len(fingerprint({})) == 16


def _fnv1a_64_by_hand(labels: dict[str, str]) -> str:
    """FNV-1a 64 as its definition reads, one byte at a time."""
    h = 0xCBF29CE484222325
    for name in sorted(labels):
        for byte in name.encode() + b"\xff" + labels[name].encode() + b"\xff":
            h = ((h ^ byte) * 0x100000001B3) % 2**64
    return f"{h:016x}"


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=6))
def test_fingerprint_is_fnv1a_64_over_the_sorted_label_set(labels: dict[str, str]) -> None:
    assert fingerprint(labels) == _fnv1a_64_by_hand(labels)
    assert fingerprint({}) == "cbf29ce484222325"  # FNV-1a's offset basis: nothing hashed


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('service="payments"', {"service": "payments"}, True),
        ("service!=payments", {"service": "payments"}, False),
        ('alertname=~"Disk.*"', {"alertname": "DiskFull"}, True),
        ('alertname=~"Disk"', {"alertname": "DiskFull"}, False),  # anchored, as in Alertmanager
        ('env!~"prod|staging"', {"env": "dev"}, True),
        ('team=""', {}, True),  # a missing label is the empty string
    ],
)
def test_matchers(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["no operator", "1bad=x", 'x=~"("'])
def test_bad_matchers_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"matcher|regular expression"):
        parse_matcher(text)


def test_silence_applies_inside_its_window_when_every_matcher_matches() -> None:
    window = (
        T0,
        T0 + timedelta(hours=1),
        [Matcher("service", Op.EQUAL, "db"), Matcher("env", Op.EQUAL, "prod")],
    )
    assert silenced({"service": "db", "env": "prod"}, [window], T0 + timedelta(minutes=5))
    assert not silenced({"service": "db", "env": "dev"}, [window], T0 + timedelta(minutes=5))
    assert not silenced({"service": "db", "env": "prod"}, [window], T0 + timedelta(hours=1))


def test_severity_words_and_urgency() -> None:
    assert [severity_of(w) for w in ("CRITICAL", "page", "error", "minor", None)] == [
        Severity.CRITICAL,
        Severity.CRITICAL,
        Severity.ERROR,
        Severity.WARNING,
        Severity.WARNING,
    ]
    assert urgency_for(Severity.CRITICAL) == 1
    assert urgency_for(Severity.WARNING, {"warning": 2}) == 2


def test_group_key_uses_only_the_group_by_labels() -> None:
    assert (
        group_key({"alertname": "X", "service": "db", "pod": "a"}, ["service", "alertname"])
        == '{alertname="X",service="db"}'
    )
    assert group_key({"pod": "b"}, ["service"]) == '{service=""}'


def test_probable_cause_is_the_most_upstream_alerting_service() -> None:
    upstream = {"gateway": {"auth", "db"}, "auth": {"db"}, "search": {"db"}, "db": set()}
    assert probable_cause(["gateway", "auth", "db"], upstream) == "db"
    assert probable_cause(["gateway", "search"], upstream) == "gateway"
    assert probable_cause([], upstream) is None


# --- added rules: routing, suppression, rate limit, topology, explanations ----------------


def test_routing_prefers_the_integration_then_the_sender_then_the_label() -> None:
    named = IncomingAlert("f", AlertStatus.FIRING, labels={"svc": "db"}, service="auth")
    assert route(named, fixed_service="gateway", route_label="svc") == "gateway"
    assert route(named, fixed_service=None, route_label="svc") == "auth"
    unnamed = IncomingAlert("f", AlertStatus.FIRING, labels={"svc": "db"})
    assert route(unnamed, fixed_service=None, route_label="svc") == "db"
    assert route(unnamed, fixed_service=None, route_label="service") is None


def test_group_key_prefers_chosen_labels_then_the_senders_then_the_alert() -> None:
    alert = IncomingAlert("fp", AlertStatus.FIRING, labels={"alertname": "X"}, group_key="{}:{}")
    assert effective_group_key(alert, ["alertname"]) == '{alertname="X"}'
    assert effective_group_key(alert, []) == "{}:{}"
    assert effective_group_key(IncomingAlert("fp", AlertStatus.FIRING), []) == "fp"
    assert effective_group_key(IncomingAlert("x" * 300, AlertStatus.FIRING), []).startswith(
        "sha256:"
    )


def test_maintenance_covers_its_service_and_silences_their_labels() -> None:
    hour = (T0, T0 + timedelta(hours=1))
    windows = [
        Suppressor("maintenance:1", *hour, service="db"),
        Suppressor("silence:2", *hour, (Matcher("env", Op.EQUAL, "dev"),)),
    ]
    at = T0 + timedelta(minutes=1)
    assert suppressed_by({"env": "prod"}, "db", windows, at) == "maintenance:1"
    assert suppressed_by({"env": "dev"}, "auth", windows, at) == "silence:2"
    assert suppressed_by({"env": "prod"}, "auth", windows, at) is None
    assert suppressed_by({"env": "dev"}, "db", windows, T0 + timedelta(hours=2)) is None


def test_silences_must_not_match_everything() -> None:
    end = T0 + timedelta(hours=1)
    assert silence_problem([], T0, end) == "a silence needs at least one matcher"
    assert "empty string" in (silence_problem([parse_matcher("env=~.*")], T0, end) or "")
    assert (
        silence_problem([parse_matcher("env=prod")], end, T0)
        == "a silence must end after it starts"
    )
    assert silence_problem([parse_matcher("env=prod")], T0, end) is None


def test_silence_states() -> None:
    end = T0 + timedelta(hours=1)
    assert [silence_state(T0, end, T0 + timedelta(minutes=m)) for m in (-1, 0, 60)] == [
        SilenceState.PENDING,
        SilenceState.ACTIVE,
        SilenceState.EXPIRED,
    ]


@given(st.integers(min_value=1, max_value=600), st.integers(min_value=0, max_value=1000))
def test_a_bucket_never_allows_more_than_its_size_at_once(per_minute: int, attempts: int) -> None:
    bucket, allowed = Bucket(0.0, None), 0
    for _ in range(attempts):
        taken, wait = take_token(bucket, now=T0, per_minute=per_minute)
        if taken is None:
            assert wait >= 1
            break
        bucket, allowed = taken, allowed + 1
    assert allowed == min(attempts, per_minute)


def test_a_bucket_refills_at_its_rate() -> None:
    empty = Bucket(0.0, T0)
    assert take_token(empty, now=T0, per_minute=60) == (None, 1)
    taken, _ = take_token(empty, now=T0 + timedelta(seconds=1), per_minute=60)
    assert taken is not None and taken.tokens == pytest.approx(0.0)


GRAPH = nx.DiGraph([("gateway", "auth"), ("auth", "db"), ("search", "db")])


def test_linked_services_follow_dependencies_both_ways_but_not_siblings() -> None:
    assert linked_services(GRAPH, "auth") == {"gateway", "auth", "db"}
    assert linked_services(GRAPH, "db") == {"gateway", "auth", "db", "search"}
    assert linked_path(GRAPH, "db", "gateway") == ["gateway", "auth", "db"]
    assert linked_path(GRAPH, "search", "auth") is None
    assert describe_link(["gateway", "auth", "db"]) == "gateway depends on db (gateway → auth → db)"
    assert describe_link(["auth", "db"]) == "auth depends on db"
    assert describe_link(["db"]) == "it is the same service, db"


def test_reopen_window_and_noise_reduction() -> None:
    assert reopens(T0, T0 + timedelta(minutes=30), 30)
    assert not reopens(T0, T0 + timedelta(minutes=31), 30)
    assert not reopens(T0, T0, 0)
    assert noise_reduction(200, 3) == 98.5
    assert noise_reduction(0, 0) is None


def test_titles_and_explanations_read_well() -> None:
    assert incident_title("  Disk\n full  ", "abc") == "Disk full"
    assert incident_title("", "abc") == "Alert abc"
    assert impact_for_tier(1) == 1 and impact_for_tier(4) == 3
    upstream = {"gateway": {"auth", "db"}, "auth": {"db"}, "db": set()}
    assert explain_cause("db", ["auth", "db", "gateway"], upstream) == (
        "Probable cause: db, the most upstream alerting service (auth, gateway depend on it)"
    )
    assert explain_join(["a", "b", "c", "d", "e", "f"], "why") == (
        "6 alerts (“a”, “b”, “c”, “d”, “e” and 1 more) joined because why"
    )

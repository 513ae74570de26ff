from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.alerts.domain import (
    Matcher,
    Op,
    Severity,
    fingerprint,
    group_key,
    parse_matcher,
    probable_cause,
    severity_of,
    silenced,
    urgency_for,
)

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_fingerprint_ignores_label_order_and_sees_every_byte() -> None:
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "12"}) != fingerprint({"a1": "2"})
    assert len(fingerprint({})) == 16


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
        Severity.CRITICAL, Severity.CRITICAL, Severity.ERROR, Severity.WARNING, Severity.WARNING,
    ]  # fmt: skip
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

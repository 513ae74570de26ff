"""opsroom's own event format: one object or a batch."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from opsroom.alerts.domain import AlertStatus, Link, ParseError, Severity, fingerprint
from opsroom.alerts.sources import events

ONE = {
    "summary": "Checkout latency above 2 s",
    "severity": "error",
    "labels": {"alertname": "CheckoutSlow", "service": "checkout"},
    "service": "checkout",
    "starts_at": "2026-11-02T08:59:00+01:00",
    "links": [{"href": "https://grafana.example.com/d/1", "text": "Dashboard"}],
}


def test_one_event_becomes_one_alert() -> None:
    (alert,) = events.parse(orjson.dumps(ONE))
    assert alert.fingerprint == fingerprint(ONE["labels"])  # type: ignore[arg-type]
    assert (alert.status, alert.severity, alert.service, alert.source) == (
        AlertStatus.FIRING,
        Severity.ERROR,
        "checkout",
        "events",
    )
    assert alert.starts_at == datetime(2026, 11, 2, 7, 59, tzinfo=UTC)
    assert alert.links == (Link("https://grafana.example.com/d/1", "Dashboard"),)


def test_a_batch_is_an_array() -> None:
    resolved = {"status": "resolved", "fingerprint": "abc"}
    parsed = events.parse(orjson.dumps([ONE, resolved]))
    assert [(a.status, a.fingerprint) for a in parsed][1] == (AlertStatus.RESOLVED, "abc")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({**ONE, "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"summary": "no labels"}, "give labels or a fingerprint"),
        ({"labels": {"a": "b"}}, "needs a summary"),
        ({**ONE, "severity": "apocalyptic"}, "severity"),
        ([], "events: List should have at least 1 item"),
    ],
)
def test_a_wrong_shape_is_refused_with_its_problems(body: object, problem: str) -> None:
    with pytest.raises(ParseError) as refused:
        events.parse(orjson.dumps(body))
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_a_bare_value_is_neither_an_event_nor_a_batch() -> None:
    with pytest.raises(ParseError, match="JSON object"):
        events.parse(b'"hello"')


def test_nul_characters_are_refused_before_any_database_sees_them() -> None:
    with pytest.raises(ParseError, match="NUL"):
        events.parse(b'[{"summary": "ok", "labels": {"k\\u0000": "v"}}]')

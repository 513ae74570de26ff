"""PagerDuty Events API v2 alert and change events into normalised alerts and changes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from opsroom.alerts.domain import AlertStatus, Link, MalformedPayload, ParseError, Severity
from opsroom.alerts.sources import pagerduty

TRIGGER: dict[str, Any] = orjson.loads(
    (Path(__file__).parents[2] / "payloads" / "pagerduty_trigger.json").read_bytes()
)


def parse(**change: Any) -> pagerduty.Enqueued:
    return pagerduty.parse_event(orjson.dumps({**TRIGGER, **change}), new_key=lambda: "generated")


def test_a_trigger_becomes_an_alert_keyed_by_its_dedup_key() -> None:
    event = parse()
    alert = event.alert
    assert (event.routing_key, alert.fingerprint, alert.status) == (
        "e93facc04764012d7bfb002500d5d1a6",
        "srv01/mysql",
        AlertStatus.FIRING,
    )
    assert (alert.summary, alert.severity, alert.source) == (
        "DISK at 99% on machine prod-datapipe03.example.com",
        Severity.CRITICAL,
        "prod-datapipe03.example.com",
    )
    assert alert.starts_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert alert.labels == {
        "free space": "1%",
        "ping time": "1500ms",
        "load avg": "0.75",
        "service": "db",
        "source": "prod-datapipe03.example.com",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
        "severity": "critical",
    }
    assert alert.links == (
        Link("http://pagerduty.example.com", "An example link."),
        Link("https://example.com", "A chart"),
    )


def test_a_trigger_without_dedup_key_gets_a_fresh_one() -> None:
    assert parse(dedup_key=None).alert.fingerprint == "generated"
    without = {k: v for k, v in TRIGGER.items() if k != "dedup_key"}
    first = pagerduty.parse_event(orjson.dumps(without)).alert.fingerprint
    second = pagerduty.parse_event(orjson.dumps(without)).alert.fingerprint
    assert len(first) == 32 and first != second


def test_acknowledge_and_resolve_need_only_the_dedup_key() -> None:
    ack = pagerduty.parse_event(
        orjson.dumps(
            {"routing_key": "k", "event_action": "acknowledge", "dedup_key": "srv01/mysql"}
        )
    ).alert
    resolve = pagerduty.parse_event(
        orjson.dumps({"routing_key": "k", "event_action": "resolve", "dedup_key": "srv01/mysql"})
    ).alert
    assert (ack.acknowledge, ack.status) == (True, AlertStatus.FIRING)
    assert (resolve.acknowledge, resolve.status, resolve.fingerprint) == (
        False,
        AlertStatus.RESOLVED,
        "srv01/mysql",
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"event_action": "explode"}, "event_action"),
        ({"payload": None}, "'payload' is required"),
        ({"payload": {**TRIGGER["payload"], "severity": "fatal"}}, "payload.severity"),
        ({"payload": {"summary": "x", "severity": "info"}}, "payload.source"),
        ({"event_action": "resolve", "dedup_key": None}, "'dedup_key' is required"),
        ({"dedup_key": "x" * 256}, "dedup_key"),
        ({"routing_key": None}, "routing_key"),
    ],
)
def test_invalid_events_name_each_problem(change: dict[str, Any], problem: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse(**change)
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_not_json_or_not_an_object_is_refused() -> None:
    with pytest.raises(MalformedPayload):
        pagerduty.parse_event(b"routing_key=abc")
    with pytest.raises(ParseError, match="JSON object"):
        pagerduty.parse_event(b"[1, 2]")


def test_a_change_event_becomes_a_change() -> None:
    body = {
        "routing_key": "k",
        "payload": {
            "summary": "Build Success: Increase snapshot create timeout to 30 seconds",
            "timestamp": "2015-07-17T08:42:58.315+0000",
            "source": "prod-build-agent-i-0b148d1040d565540",
            "custom_details": {"build_state": "passed", "build_number": "220"},
        },
        "links": [
            {
                "href": "https://buildpipeline.example.com/builds/220",
                "text": "View in Build Pipeline",
            }
        ],
    }
    event = pagerduty.parse_change(orjson.dumps(body))
    assert (
        event.routing_key,
        event.change.summary,
        event.change.custom_details["build_number"],
    ) == (
        "k",
        "Build Success: Increase snapshot create timeout to 30 seconds",
        "220",
    )
    assert event.change.links == (
        Link("https://buildpipeline.example.com/builds/220", "View in Build Pipeline"),
    )
    with pytest.raises(ParseError) as refused:
        pagerduty.parse_change(orjson.dumps({"routing_key": "k", "payload": {}}))
    assert refused.value.problems == ["payload.summary: Field required"]

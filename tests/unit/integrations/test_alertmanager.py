"""Alertmanager's webhook payload (version 4) into normalised alerts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from opsroom.alerts.domain import (
    AlertStatus,
    Link,
    MalformedPayload,
    ParseError,
    Severity,
    fingerprint,
)
from opsroom.alerts.sources import alertmanager

PAYLOADS = Path(__file__).parents[2] / "payloads"
FIRING = (PAYLOADS / "alertmanager_firing.json").read_bytes()


def test_a_webhook_becomes_normalised_alerts() -> None:
    firing, _ = alertmanager.parse(FIRING)
    assert firing.fingerprint == "c3a1a4f2b1e0d9c8"  # Alertmanager's own when given
    assert (firing.status, firing.severity, firing.summary) == (
        AlertStatus.FIRING,
        Severity.CRITICAL,
        "Disk on db-0 is 97% full",
    )
    assert firing.starts_at == datetime(2026, 11, 2, 8, 55, 1, 123456, tzinfo=UTC)
    assert firing.links == (Link("http://prometheus:9090/graph?g0.expr=disk", "Source"),)
    assert (firing.source, firing.group_key) == (
        "http://alertmanager:9093",
        '{}:{alertname="DiskFull"}',
    )
    assert firing.labels["service"] == "db" and firing.service is None  # routed by label later


def test_zero_end_time_means_still_firing_and_resolved_alerts_keep_theirs() -> None:
    firing, resolved = alertmanager.parse(FIRING)
    assert firing.ends_at is None
    assert resolved.ends_at == datetime(2026, 11, 2, 8, 58, tzinfo=UTC)
    assert resolved.status is AlertStatus.RESOLVED


def test_missing_fingerprint_is_computed_the_alertmanager_way() -> None:
    _, resolved = alertmanager.parse(FIRING)
    assert resolved.fingerprint == fingerprint(resolved.labels)
    assert (resolved.summary, resolved.links) == ("Disk on db-1 was full", ())


def test_unknown_fields_are_ignored() -> None:
    data = orjson.loads(FIRING)
    data["alerts"][0]["brandNew"] = [1, 2]
    assert len(alertmanager.parse(orjson.dumps(data))) == 2


def test_malformed_json_is_refused() -> None:
    with pytest.raises(MalformedPayload, match="not valid JSON"):
        alertmanager.parse(b'{"version": "4",')


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"version": "3"}, "version"),
        ({"alerts": [{"status": "firing"}]}, "alerts.0.labels"),
        ({"alerts": "none"}, "alerts"),
        ({"status": "burning"}, "status"),
    ],
)
def test_a_wrong_shape_names_each_problem(change: dict[str, object], problem: str) -> None:
    data = {**orjson.loads(FIRING), **change}
    with pytest.raises(ParseError) as refused:
        alertmanager.parse(orjson.dumps(data))
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems

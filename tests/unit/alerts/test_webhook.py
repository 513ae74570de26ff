"""The generic webhook's mapping: templates compiled and refused field by field, payloads
read into alerts, and every shipped type against the sample written from its tool's
documentation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from opsroom.alerts.domain import AlertStatus, ParseError, Severity
from opsroom.alerts.sources import webhook
from opsroom.alerts.sources.webhook import TemplateError, compile_template, tried

SHIPPED = Path(webhook.__file__).parents[1] / "webhook_types"


def refusal(fields: dict[str, str], sample: Any = None) -> dict[str, str]:
    with pytest.raises(TemplateError) as caught:
        tried(compile_template(fields), sample)
    return caught.value.problems


def test_a_template_names_each_field_it_cannot_take() -> None:
    problems = refusal({"summary": "a[", "title": "x", "severity": "level"})
    assert problems["title"] == "not a field of the alert"
    assert problems["summary"].startswith("does not compile")
    assert "severity" not in problems


def test_a_template_that_maps_no_summary_is_refused() -> None:
    assert refusal({"severity": "level"}) == {"summary": "required"}
    assert refusal({"summary": "  "}) == {"summary": "required"}


def test_a_sample_the_template_cannot_read_names_the_field() -> None:
    assert refusal({"summary": "title"}, {"name": "x"}) == {
        "summary": "the template maps this payload to no summary"
    }
    problems = refusal({"summary": "title", "labels": "join(',', tags)"}, {"title": "t", "tags": 1})
    assert list(problems) == ["labels"] and "join()" in problems["labels"]
    assert list(refusal({"summary": "title", "alerts": "items"}, {"items": []})) == ["sample"]


def test_a_payload_becomes_alerts_with_labels_links_and_a_fingerprint() -> None:
    template = compile_template(
        {
            "alerts": "events",
            "summary": "text",
            "status": "state",
            "severity": "level",
            "labels": "tags",
            "links": "[url, {href: runbook, text: 'Runbook'}]",
            "service": "svc",
        }
    )
    payload = {
        "events": [
            {
                "text": "Disk full",
                "state": "OPEN",
                "level": "high",
                "tags": {"host": "db-1", "size": 512, "gone": None},
                "url": "https://tool.example.com/e/1",
                "runbook": "https://runbooks.example.com/disk",
                "svc": "db",
            },
            {"text": "", "state": "Resolved", "tags": {"host": "db-2"}},
        ]
    }
    firing, resolved = template.read(payload)
    assert (firing.status, firing.severity, firing.service) == (
        AlertStatus.FIRING,
        Severity.CRITICAL,
        "db",
    )
    assert firing.labels == {"host": "db-1", "size": "512"}
    assert [(link.href, link.text) for link in firing.links] == [
        ("https://tool.example.com/e/1", "Source"),
        ("https://runbooks.example.com/disk", "Runbook"),
    ]
    assert resolved.status is AlertStatus.RESOLVED and resolved.summary == ""
    assert firing.fingerprint != resolved.fingerprint == webhook.fingerprint({"host": "db-2"})


@pytest.mark.parametrize("word", sorted(webhook.RESOLVED_WORDS))
def test_what_tools_call_a_cleared_condition_resolves(word: str) -> None:
    template = compile_template({"summary": "s", "status": "state"})
    [alert] = template.read({"s": "x", "state": word.upper()})
    assert alert.status is AlertStatus.RESOLVED


def test_a_body_that_is_not_json_or_not_readable_is_a_parse_error() -> None:
    template = compile_template({"summary": "s"})
    with pytest.raises(ParseError):
        template.parse(b"{not json")
    with pytest.raises(ParseError, match="summary"):
        template.parse(b'{"other": 1}')


def test_json_inside_a_string_and_tags_in_one_string_are_read() -> None:
    template = compile_template(
        {
            "summary": "from_json(Message).name",
            "labels": "parse_pairs(tags, ',', ':')",
            "service": "parse_pairs(tags, ',', ':').service",
        }
    )
    [alert] = template.read({"Message": '{"name": "Alarm"}', "tags": "env:prod, service:db,bare"})
    assert (alert.summary, alert.service) == ("Alarm", "db")
    assert alert.labels == {"env": "prod", "service": "db"}
    with pytest.raises(ParseError):
        template.read({"Message": "not json", "tags": None})


# What each shipped type's documented sample must become: status, severity, service,
# the summary's start and the fingerprint.
EXPECTED: dict[str, list[tuple[str, str, str | None, str, str]]] = {
    "azure-monitor": [
        ("firing", "error", "payments", "CPU of payments-db above 90%", "/subscriptions/"),
    ],
    "cloudwatch-sns": [
        ("firing", "error", "orders", "orders-api-5xx: Threshold Crossed", "arn:aws:cloudwatch:"),
    ],
    "datadog": [
        ("firing", "error", "checkout", "[Triggered on {host:web-3}]", "datadog-81234-host:web-3"),
    ],
    "elastic-kibana": [
        ("firing", "error", "orders", "Orders error logs: Document count", "kibana/7c1e9a52"),
    ],
    "google-cloud-monitoring": [
        ("firing", "critical", "checkout", "CPU utilization for checkout-7", "gcp/Checkout CPU/"),
    ],
    "grafana": [
        ("firing", "critical", "checkout", "Checkout p99 latency", "5e1a2b3c4d5e6f70"),
        ("resolved", "warning", "orders", "Orders queue backlog", "0a9b8c7d6e5f4a3b"),
    ],
    "motadata-aiops": [
        ("firing", "critical", "network", "Interface Down: Interface Gi0/1", "motadata-88213-"),
    ],
    "nagios-icinga": [
        ("firing", "critical", "storefront", "web-2 HTTP: HTTP CRITICAL", "nagios/web-2/HTTP"),
    ],
    "sciencelogic-sl1": [
        ("firing", "critical", "network", "core-sw-02: Device Failed", "sl1-412-3021"),
    ],
    "seceon-aisiem": [
        ("firing", "error", "bastion", "Brute Force Login: 214 failed", "seceon-AL-2026-110204"),
    ],
    "uptime-kuma": [
        ("firing", "critical", "storefront", "[Status page] [🔴 Down]", "uptime-kuma-12"),
    ],
    "zabbix": [
        ("firing", "error", "db", "High CPU utilization", "zabbix-23017-db-01"),
    ],
}


def test_every_shipped_type_has_an_expectation() -> None:
    assert sorted(path.stem for path in SHIPPED.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("slug", sorted(EXPECTED))
def test_a_shipped_type_maps_its_documented_sample(slug: str) -> None:
    document = yaml.safe_load((SHIPPED / f"{slug}.yaml").read_text())
    alerts = tried(compile_template(document["fields"]), document["sample"])
    got = [(a.status.value, a.severity.value, a.service, a.summary, a.fingerprint) for a in alerts]
    assert len(got) == len(EXPECTED[slug])
    for (status, severity, service, summary, key), want in zip(got, EXPECTED[slug], strict=True):
        assert (status, severity, service) == want[:3]
        assert summary.startswith(want[3]) and key.startswith(want[4])


@pytest.mark.parametrize(
    ("slug", "change", "status"),
    [
        ("zabbix", {"event_value": "0"}, "resolved"),
        ("datadog", {"alert_transition": "Recovered"}, "resolved"),
        ("nagios-icinga", {"notification_type": "RECOVERY"}, "resolved"),
        ("azure-monitor", {"data": {"essentials": {"monitorCondition": "Resolved"}}}, "resolved"),
        ("google-cloud-monitoring", {"incident": {"state": "closed"}}, "resolved"),
        ("elastic-kibana", {"alert": {"actionGroup": "recovered"}}, "resolved"),
        ("uptime-kuma", {"heartbeat": {"status": 1}}, "resolved"),
        ("sciencelogic-sl1", {"state": "cleared"}, "resolved"),
        ("motadata-aiops", {"severity": "CLEAR"}, "resolved"),
        ("seceon-aisiem", {"status": "Closed"}, "resolved"),
    ],
)
def test_a_shipped_type_reads_its_tools_recovery(
    slug: str, change: dict[str, Any], status: str
) -> None:
    document = yaml.safe_load((SHIPPED / f"{slug}.yaml").read_text())
    [alert] = compile_template(document["fields"]).read(_merged(document["sample"], change))
    assert alert.status.value == status


def test_a_cloudwatch_recovery_resolves_the_alarm_it_raised() -> None:
    document = yaml.safe_load((SHIPPED / "cloudwatch-sns.yaml").read_text())
    template = compile_template(document["fields"])
    ok = document["sample"]["Message"].replace('"NewStateValue":"ALARM"', '"NewStateValue":"OK"')
    [fired] = template.read(document["sample"])
    [cleared] = template.read({**document["sample"], "Message": ok})
    assert cleared.status is AlertStatus.RESOLVED and cleared.fingerprint == fired.fingerprint


def _merged(base: Any, change: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(change, dict):
        return change
    return {**base, **{k: _merged(base.get(k), v) for k, v in change.items()}}

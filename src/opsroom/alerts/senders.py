"""What to paste into a sender so it reports to one integration: Alertmanager's receiver,
PagerDuty's own client pointed at opsroom, and curl for scripts. Pure text, no I/O."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

import yaml

# Shown until the key is known (it is only ever shown once, when created or rotated).
KEY_PLACEHOLDER = "<integration key>"


@dataclass(frozen=True)
class Snippet:
    title: str
    language: str
    text: str
    hint: str


def alertmanager(base_url: str, slug: str, key: str) -> str:
    """A receiver with `webhook_configs` and a route sending to it, for alertmanager.yml."""
    receiver = f"opsroom-{slug}"
    config = {
        "route": {"receiver": receiver},
        "receivers": [
            {
                "name": receiver,
                "webhook_configs": [
                    {
                        "url": f"{base_url.rstrip('/')}/api/v1/ingest/alertmanager",
                        "send_resolved": True,
                        "http_config": {
                            "authorization": {"type": "Bearer", "credentials": key},
                        },
                    }
                ],
            }
        ],
    }
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def pagerduty(base_url: str, key: str) -> str:
    """PagerDuty's Python client (package `pagerduty`), unchanged but for its base URL."""
    return "\n".join(
        [
            "import pagerduty",
            "",
            "events = pagerduty.EventsApiV2Client(",
            f"    {key!r}, base_url={base_url.rstrip('/')!r}",
            ")",
            'dedup_key = events.trigger("Checkout error rate above 5 %", "checkout-api-1",'
            ' severity="critical")',
            "events.resolve(dedup_key)",
            "",
        ]
    )


def curl_event(base_url: str, key: str) -> str:
    """One alert in opsroom's own format, from a shell script or a cron job."""
    body = {
        "status": "firing",
        "summary": "Disk 95 % full on db-1",
        "severity": "warning",
        "labels": {"alertname": "DiskFull", "instance": "db-1"},
    }
    return "\n".join(
        [
            f"curl -sS -X POST {shlex.quote(base_url.rstrip('/') + '/api/v1/ingest/events')} \\",
            f"  -H {shlex.quote('Authorization: Bearer ' + key)} \\",
            "  -H 'Content-Type: application/json' \\",
            f"  --data {shlex.quote(json.dumps(body))}",
            "",
        ]
    )


def for_integration(base_url: str, slug: str, key: str | None) -> list[Snippet]:
    """Every way to send to this integration, with the key when it is being shown."""
    secret = key or KEY_PLACEHOLDER
    return [
        Snippet(
            "Prometheus Alertmanager",
            "yaml",
            alertmanager(base_url, slug, secret),
            "Add to alertmanager.yml (merge the route into yours), then reload Alertmanager.",
        ),
        Snippet(
            "PagerDuty Events API v2 clients",
            "python",
            pagerduty(base_url, secret),
            "Any PagerDuty Events v2 client works: use the key as routing key and opsroom's "
            "address as base URL (/v2/enqueue, /v2/change/enqueue).",
        ),
        Snippet(
            "curl",
            "shell",
            curl_event(base_url, secret),
            "opsroom's own format; send a list to report several alerts at once.",
        ),
    ]

"""Prometheus Alertmanager's webhook payload (version "4") -> normalised alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from opsroom.alerts.domain import AlertStatus, IncomingAlert, Link, fingerprint, severity_of
from opsroom.integrations.wire import load_json, utc, validated

SOURCE = "alertmanager"


class _Wire(BaseModel):
    # Unknown fields are ignored: newer Alertmanagers may add some.
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel)


class _Alert(_Wire):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(min_length=1)
    annotations: dict[str, str] = {}
    starts_at: datetime
    ends_at: datetime | None = None
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = Field(default="", max_length=64)


class _Webhook(_Wire):
    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str
    group_key: str
    group_labels: dict[str, str] = {}
    common_labels: dict[str, str] = {}
    common_annotations: dict[str, str] = {}
    external_url: str = Field(default="", alias="externalURL")
    truncated_alerts: int = 0
    alerts: list[_Alert]


def parse(body: bytes) -> list[IncomingAlert]:
    """Raises ParseError for malformed JSON or a payload that is not a version 4 webhook."""
    webhook = _checked(body)
    return [_normalise(alert, webhook) for alert in webhook.alerts]


def fingerprints(body: bytes) -> list[str]:
    """What accepting a webhook needs: the checks of `parse` (ParseError), and the alerts'
    fingerprints, without normalising them."""
    return [_fingerprint(alert) for alert in _checked(body).alerts]


def _checked(body: bytes) -> _Webhook:
    return validated(_Webhook, load_json(body), "the Alertmanager webhook")


def _fingerprint(alert: _Alert) -> str:
    return alert.fingerprint or fingerprint(alert.labels)


def _normalise(alert: _Alert, webhook: _Webhook) -> IncomingAlert:
    notes = alert.annotations
    return IncomingAlert(
        fingerprint=_fingerprint(alert),
        status=AlertStatus(alert.status),
        summary=notes.get("summary")
        or notes.get("description")
        or alert.labels.get("alertname", ""),
        severity=severity_of(alert.labels.get("severity")),
        labels=alert.labels,
        annotations=notes,
        source=webhook.external_url or SOURCE,
        starts_at=utc(alert.starts_at),
        ends_at=utc(alert.ends_at) if alert.status == "resolved" else None,
        links=(Link(alert.generator_url, "Source"),) if alert.generator_url else (),
        group_key=webhook.group_key,
    )

"""Prometheus Alertmanager's webhook payload (version "4") -> normalised alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import Field, TypeAdapter
from typing_extensions import TypedDict

from opsroom.alerts.domain import AlertStatus, IncomingAlert, Link, fingerprint, severity_of
from opsroom.alerts.sources.wire import load_json, utc, validated

SOURCE = "alertmanager"


# The payload is checked as typed dictionaries under their wire names (hence the camelCase),
# which costs a third less than building models on every ingest request. Unknown fields
# are ignored: newer Alertmanagers may add some.
class _Alert(TypedDict):
    status: Literal["firing", "resolved"]
    labels: Annotated[dict[str, str], Field(min_length=1)]
    annotations: NotRequired[dict[str, str]]
    startsAt: datetime
    endsAt: NotRequired[datetime | None]
    generatorURL: NotRequired[str]
    fingerprint: NotRequired[Annotated[str, Field(max_length=64)]]


class _Webhook(TypedDict):
    version: Literal["4"]
    status: Literal["firing", "resolved"]
    receiver: str
    groupKey: str
    groupLabels: NotRequired[dict[str, str]]
    commonLabels: NotRequired[dict[str, str]]
    commonAnnotations: NotRequired[dict[str, str]]
    externalURL: NotRequired[str]
    truncatedAlerts: NotRequired[int]
    alerts: list[_Alert]


_WEBHOOK = TypeAdapter(_Webhook)


def parse(body: bytes) -> list[IncomingAlert]:
    """Raises ParseError for malformed JSON or a payload that is not a version 4 webhook."""
    webhook = _checked(body)
    return [_normalise(alert, webhook) for alert in webhook["alerts"]]


def fingerprints(body: bytes) -> list[str]:
    """What accepting a webhook needs: the checks of `parse` (ParseError), and the alerts'
    fingerprints, without normalising them."""
    return [_fingerprint(alert) for alert in _checked(body)["alerts"]]


def _checked(body: bytes) -> _Webhook:
    return validated(_WEBHOOK.validate_python, load_json(body), "the Alertmanager webhook")


def _fingerprint(alert: _Alert) -> str:
    return alert.get("fingerprint") or fingerprint(alert["labels"])


def _normalise(alert: _Alert, webhook: _Webhook) -> IncomingAlert:
    labels, notes = alert["labels"], alert.get("annotations", {})
    link = alert.get("generatorURL")
    resolved = alert["status"] == "resolved"
    return IncomingAlert(
        fingerprint=_fingerprint(alert),
        status=AlertStatus(alert["status"]),
        summary=notes.get("summary") or notes.get("description") or labels.get("alertname", ""),
        severity=severity_of(labels.get("severity")),
        labels=labels,
        annotations=notes,
        source=webhook.get("externalURL") or SOURCE,
        starts_at=utc(alert["startsAt"]),
        ends_at=utc(alert.get("endsAt")) if resolved else None,
        links=(Link(link, "Source"),) if link else (),
        group_key=webhook["groupKey"],
    )

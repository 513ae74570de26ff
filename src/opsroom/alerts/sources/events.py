"""opsroom's own event format: one JSON object, or an array of them (a batch)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from opsroom.alerts.domain import (
    AlertStatus,
    IncomingAlert,
    Link,
    ParseError,
    Severity,
    fingerprint,
)
from opsroom.alerts.sources.wire import load_json, utc, validated

SOURCE = "events"
MAX_BATCH = 1000


class _Link(BaseModel):
    model_config = ConfigDict(extra="forbid")

    href: str = Field(min_length=1, max_length=2000)
    text: str = Field(default="", max_length=500)


class Event(BaseModel):
    """One alert, firing or resolved. Repeats with the same fingerprint (or, without one,
    the same labels) update the alert instead of adding one."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["firing", "resolved"] = "firing"
    summary: str = Field(default="", max_length=1024)
    severity: Severity = Severity.WARNING
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    service: str | None = Field(default=None, min_length=2, max_length=80)
    source: str = Field(default="", max_length=255)
    fingerprint: str | None = Field(default=None, min_length=1, max_length=255)
    group_key: str | None = Field(default=None, min_length=1, max_length=255)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    links: list[_Link] = []

    @model_validator(mode="after")
    def _identified(self) -> Event:
        if self.fingerprint is None and not self.labels:
            raise ValueError("give labels or a fingerprint, so repeats can be recognised")
        if self.status == "firing" and not self.summary.strip():
            raise ValueError("a firing event needs a summary")
        return self


class _Batch(BaseModel):
    events: list[Event] = Field(min_length=1, max_length=MAX_BATCH)


def parse(body: bytes) -> list[IncomingAlert]:
    return [_normalise(event) for event in _checked(body)]


def fingerprints(body: bytes) -> list[str]:
    """What accepting events needs: the checks of `parse` (ParseError), and the events'
    fingerprints, without normalising them."""
    return [_fingerprint(event) for event in _checked(body)]


def _checked(body: bytes) -> list[Event]:
    data: Any = load_json(body)
    if isinstance(data, dict):
        return [validated(Event.model_validate, data, "the event")]
    if isinstance(data, list):
        return validated(_Batch.model_validate, {"events": data}, "the batch").events
    raise ParseError("send one event as a JSON object, or a batch as a JSON array")


def _fingerprint(event: Event) -> str:
    return event.fingerprint or fingerprint(event.labels)


def _normalise(event: Event) -> IncomingAlert:
    return IncomingAlert(
        fingerprint=_fingerprint(event),
        status=AlertStatus(event.status),
        summary=event.summary,
        severity=event.severity,
        labels=event.labels,
        annotations=event.annotations,
        source=event.source or SOURCE,
        service=event.service,
        starts_at=utc(event.starts_at),
        ends_at=utc(event.ends_at),
        links=tuple(Link(link.href, link.text) for link in event.links),
        group_key=event.group_key,
    )

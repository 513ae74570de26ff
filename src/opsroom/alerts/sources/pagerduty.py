"""PagerDuty Events API v2 (alert and change events) -> normalised alerts and changes,
so an existing PagerDuty client pointed at opsroom works unchanged."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opsroom.alerts.domain import (
    AlertStatus,
    IncomingAlert,
    IncomingChange,
    Link,
    ParseError,
    Severity,
)
from opsroom.alerts.sources.wire import load_json, utc, validated

SOURCE = "pagerduty"
CHANGE_SOURCE = "pagerduty-change"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class _Link(_Wire):
    href: str = Field(min_length=1, max_length=2000)
    text: str = Field(default="", max_length=500)


class _Image(_Wire):
    src: str = Field(min_length=1, max_length=2000)
    href: str = Field(default="", max_length=2000)
    alt: str = Field(default="", max_length=500)


class _Payload(_Wire):
    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(min_length=1, max_length=255)
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: datetime | None = None
    component: str = Field(default="", max_length=255)
    group: str = Field(default="", max_length=255)
    class_: str = Field(default="", alias="class", max_length=255)
    custom_details: Any = None


class _Event(_Wire):
    routing_key: str = Field(min_length=1, max_length=200)
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: str | None = Field(default=None, min_length=1, max_length=255)
    payload: _Payload | None = None
    client: str = ""
    client_url: str = ""
    links: list[_Link] = []
    images: list[_Image] = []

    @model_validator(mode="after")
    def _complete(self) -> _Event:
        if self.event_action == "trigger" and self.payload is None:
            raise ValueError("'payload' is required for a trigger event")
        if self.event_action != "trigger" and self.dedup_key is None:
            raise ValueError(f"'dedup_key' is required for an {self.event_action} event")
        return self


class _ChangePayload(_Wire):
    summary: str = Field(min_length=1, max_length=1024)
    source: str = Field(default="", max_length=255)
    timestamp: datetime | None = None
    custom_details: Any = None


class _ChangeEvent(_Wire):
    routing_key: str = Field(min_length=1, max_length=200)
    payload: _ChangePayload
    links: list[_Link] = []
    images: list[_Image] = []


@dataclass(frozen=True)
class Enqueued:
    routing_key: str
    alert: IncomingAlert


@dataclass(frozen=True)
class ChangeEnqueued:
    routing_key: str
    change: IncomingChange


def new_dedup_key() -> str:
    return uuid.uuid4().hex


def parse_event(body: bytes, new_key: Callable[[], str] = new_dedup_key) -> Enqueued:
    """One /v2/enqueue event; a trigger without a dedup_key gets a fresh one."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError("the event must be a JSON object", ["Event must be a JSON object"])
    event = validated(_Event.model_validate, data, "the event")
    return Enqueued(event.routing_key, _alert(event, event.dedup_key or new_key()))


def parse_change(body: bytes) -> ChangeEnqueued:
    """One /v2/change/enqueue event."""
    event = validated(_ChangeEvent.model_validate, load_json(body), "the change event")
    change = IncomingChange(
        summary=event.payload.summary,
        source=event.payload.source,
        timestamp=utc(event.payload.timestamp),
        links=_links(event.links, event.images),
        custom_details=_details(event.payload.custom_details),
    )
    return ChangeEnqueued(event.routing_key, change)


def _alert(event: _Event, dedup_key: str) -> IncomingAlert:
    if event.payload is None:  # acknowledge and resolve carry no payload worth keeping
        return IncomingAlert(
            fingerprint=dedup_key,
            status=AlertStatus.RESOLVED if event.event_action == "resolve" else AlertStatus.FIRING,
            source=SOURCE,
            acknowledge=event.event_action == "acknowledge",
        )
    payload, details = event.payload, _details(event.payload.custom_details)
    return IncomingAlert(
        fingerprint=dedup_key,
        status=AlertStatus.RESOLVED if event.event_action == "resolve" else AlertStatus.FIRING,
        summary=payload.summary,
        severity=Severity(payload.severity),
        labels=_labels(payload, details),
        annotations={name: _text(value) for name, value in details.items()},
        source=payload.source,
        starts_at=utc(payload.timestamp),
        links=_links(event.links, event.images),
        acknowledge=event.event_action == "acknowledge",
    )


def _labels(payload: _Payload, details: Mapping[str, Any]) -> dict[str, str]:
    """Scalar custom details become labels (so `service` there routes the alert); the
    payload's own fields win."""
    labels = {
        name: _text(value)
        for name, value in details.items()
        if isinstance(value, str | int | float | bool) and len(_text(value)) <= 200
    }
    fields = {"source": payload.source, "component": payload.component, "group": payload.group}
    labels.update({name: value for name, value in fields.items() if value})
    if payload.class_:
        labels["class"] = payload.class_
    labels["severity"] = payload.severity
    return labels


def _details(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(value) if isinstance(value, dict) else {"details": value}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _links(links: list[_Link], images: list[_Image]) -> tuple[Link, ...]:
    found = [Link(link.href, link.text) for link in links]
    found += [Link(image.href or image.src, image.alt or "image") for image in images]
    return tuple(found)

"""A generic webhook: any tool's JSON payload -> normalised alerts, through a template of
JMESPath expressions, one per field of opsroom's alert. The template is data (a shipped
YAML file or one a user saved), so a new monitoring tool needs no code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jmespath
import orjson
from jmespath import functions
from jmespath.exceptions import JMESPathError

from opsroom.alerts.domain import (
    AlertStatus,
    IncomingAlert,
    Link,
    ParseError,
    fingerprint,
    severity_of,
)
from opsroom.alerts.sources.wire import load_json

SOURCE = "webhook"
# `alerts` picks the payload's alerts when it carries several (else the payload is one);
# every other expression reads one alert.
FIELDS = ("alerts", "fingerprint", "status", "severity", "summary", "service", "labels", "links")
REQUIRED = ("summary",)
# What tools call a cleared condition; any other status value means the alert fires.
RESOLVED_WORDS = frozenset(
    {"resolved", "ok", "recovery", "recovered", "up", "closed", "cleared", "clear", "normal"}
)
MAX_SUMMARY = 1024
MAX_FINGERPRINT = 255


class _Functions(functions.Functions):  # type: ignore[misc]
    """JMESPath's functions, `from_json` for payloads that carry JSON as text (an SNS
    notification's Message), and `parse_pairs` for tags sent as one string ("env:prod,
    service:checkout" -> {"env": "prod", "service": "checkout"})."""

    @functions.signature({"types": ["string", "null"]})  # type: ignore[untyped-decorator]
    def _func_from_json(self, text: str | None) -> Any:
        try:
            return orjson.loads(text) if text else None
        except orjson.JSONDecodeError:
            return None

    @functions.signature(  # type: ignore[untyped-decorator]
        {"types": ["string", "null"]}, {"types": ["string"]}, {"types": ["string"]}
    )
    def _func_parse_pairs(self, text: str | None, separator: str, assign: str) -> Any:
        pairs = (item.partition(assign) for item in (text or "").split(separator))
        return {name.strip(): value.strip() for name, found, value in pairs if found}


OPTIONS = jmespath.Options(custom_functions=_Functions())


class TemplateError(ValueError):
    """A template refused, with a problem per field it names."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in problems.items()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class Template:
    """A template's expressions, compiled once."""

    expressions: Mapping[str, Any]

    def read(self, data: Any) -> list[IncomingAlert]:
        """The alerts in a decoded payload; ParseError naming the field it could not read."""
        found = self._field("alerts", data) if "alerts" in self.expressions else [data]
        if not isinstance(found, list) or not found:
            raise ParseError("the template's 'alerts' finds no alert in the payload")
        return [self._alert(item) for item in found]

    def parse(self, body: bytes) -> list[IncomingAlert]:
        return self.read(load_json(body))

    def _field(self, name: str, item: Any) -> Any:
        expression = self.expressions.get(name)
        if expression is None:
            return None
        try:
            return expression.search(item, options=OPTIONS)
        except JMESPathError as exc:
            raise ParseError(f"{name}: {exc}", [f"{name}: {exc}"]) from None

    def _alert(self, item: Any) -> IncomingAlert:
        labels = _labels(self._field("labels", item))
        status = _status(self._field("status", item))
        summary = _text(self._field("summary", item))[:MAX_SUMMARY]
        if status is AlertStatus.FIRING and not summary.strip():
            raise ParseError("summary: the template maps this payload to no summary")
        service = _text(self._field("service", item)) or None
        own = _text(self._field("fingerprint", item))[:MAX_FINGERPRINT]
        return IncomingAlert(
            fingerprint=own or fingerprint(labels or {"summary": summary}),
            status=status,
            summary=summary,
            severity=severity_of(_text(self._field("severity", item))),
            labels=labels,
            source=SOURCE,
            service=service if service and len(service) <= 80 else None,
            links=_links(self._field("links", item)),
        )


def compile_template(fields: Mapping[str, str]) -> Template:
    """The template of `fields` (name -> JMESPath expression); TemplateError naming each
    field that is unknown, missing or does not compile."""
    problems = {name: "not a field of the alert" for name in fields if name not in FIELDS}
    problems |= {name: "required" for name in REQUIRED if not fields.get(name, "").strip()}
    compiled = {}
    for name, text in fields.items():
        if name in problems or not text.strip():
            continue
        try:
            compiled[name] = jmespath.compile(text)
        except JMESPathError as exc:
            problems[name] = f"does not compile: {exc}"
    if problems:
        raise TemplateError(problems)
    return Template(compiled)


def tried(template: Template, sample: Any) -> list[IncomingAlert]:
    """The alerts `template` maps a sample payload to; TemplateError naming the field that
    failed it."""
    try:
        return template.read(sample)
    except ParseError as exc:
        name, _, problem = exc.message.partition(": ")
        field = name if name in FIELDS else "sample"
        raise TemplateError({field: problem if field != "sample" else exc.message}) from None


def _status(value: Any) -> AlertStatus:
    resolved = isinstance(value, str) and value.strip().lower() in RESOLVED_WORDS
    return AlertStatus.RESOLVED if resolved else AlertStatus.FIRING


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(name): _text(v)[:200] for name, v in value.items() if v is not None}


def _links(value: Any) -> tuple[Link, ...]:
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, str) and item:
            found.append(Link(item[:2000], "Source"))
        elif isinstance(item, dict) and isinstance(item.get("href"), str) and item["href"]:
            found.append(Link(item["href"][:2000], _text(item.get("text"))[:500]))
    return tuple(found)

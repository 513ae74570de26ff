"""Alerts as pure rules: Alertmanager-compatible fingerprints, label matchers (silences),
grouping keys, severity mapping, and correlation along the dependency graph."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

FNV_OFFSET = 14695981039346656037
FNV_PRIME = 1099511628211
SEPARATOR = 0xFF
MASK = (1 << 64) - 1


def _fnv_add(h: int, data: bytes) -> int:
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & MASK
    return h


def fingerprint(labels: Mapping[str, str]) -> str:
    """The label set's fingerprint exactly as Prometheus and Alertmanager compute it:
    FNV-1a 64 over sorted names, each name and value followed by 0xff, as %016x."""
    h = FNV_OFFSET
    for name in sorted(labels):
        h = _fnv_add(h, name.encode())
        h = _fnv_add(h, bytes([SEPARATOR]))
        h = _fnv_add(h, labels[name].encode())
        h = _fnv_add(h, bytes([SEPARATOR]))
    return f"{h:016x}"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Severity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


# Severity -> incident urgency (1 high ... 3 low); an integration may override it.
DEFAULT_URGENCY = {Severity.CRITICAL: 1, Severity.ERROR: 2, Severity.WARNING: 3, Severity.INFO: 3}
SEVERITY_ALIASES = {"page": "critical", "high": "critical", "major": "error", "minor": "warning", "low": "info", "none": "info"}


def severity_of(raw: str | None) -> Severity:
    """Normalise what senders call severity (critical, P1-ish words, warning ...)."""
    value = (raw or "").strip().lower()
    value = SEVERITY_ALIASES.get(value, value)
    try:
        return Severity(value)
    except ValueError:
        return Severity.WARNING


def urgency_for(severity: Severity, mapping: Mapping[str, int] | None = None) -> int:
    return int((mapping or {}).get(severity.value, DEFAULT_URGENCY[severity]))


# --- matchers (silences, maintenance) -------------------------------------------------------


class Op(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True)
class Matcher:
    name: str
    op: Op
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")  # a missing label matches as the empty string
        if self.op is Op.EQUAL:
            return actual == self.value
        if self.op is Op.NOT_EQUAL:
            return actual != self.value
        found = _anchored(self.value).fullmatch(actual) is not None
        return found if self.op is Op.REGEX else not found


@lru_cache(maxsize=1024)
def _anchored(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


MATCHER = re.compile(r'^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


def parse_matcher(text: str) -> Matcher:
    """`service="payments"`, `env!=dev`, `alertname=~"Disk.*"` (Alertmanager's syntax)."""
    found = MATCHER.match(text)
    if not found:
        raise ValueError(f"not a label matcher: {text!r} (try name=\"value\", name!=value, name=~regex)")
    name, op, value = found.groups()
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regular expression in {text!r}: {exc}") from exc
    return Matcher(name, Op(op), value)


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


def silenced(labels: Mapping[str, str], silences: Iterable[tuple[datetime, datetime, list[Matcher]]], at: datetime) -> bool:
    """Whether any silence active at `at` matches every one of its matchers."""
    return any(start <= at < end and all_match(matchers, labels) for start, end, matchers in silences)


# --- grouping and correlation ---------------------------------------------------------------


def group_key(labels: Mapping[str, str], group_by: Iterable[str]) -> str:
    """Alerts with the same values for the group-by labels belong together."""
    names = sorted(group_by)
    return "{" + ",".join(f'{n}="{labels.get(n, "")}"' for n in names) + "}"


def probable_cause(services: Iterable[str], upstream_of: Mapping[str, set[str]]) -> str | None:
    """The most upstream alerting service: the one most of the other alerting services
    depend on, directly or not (`upstream_of[s]` is everything s depends on). Ties go to
    the first by name."""
    alerting = sorted(set(services))
    if not alerting:
        return None
    return max(alerting, key=lambda s: (sum(s in upstream_of.get(o, set()) for o in alerting if o != s), -alerting.index(s)))

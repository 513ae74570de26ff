"""Alerts as pure rules: Alertmanager-compatible fingerprints, label matchers (silences),
grouping keys, severity mapping, and correlation along the dependency graph."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any

import networkx as nx
from fnv_c import fnv1a_64

SEPARATOR = b"\xff"


def fingerprint(labels: Mapping[str, str]) -> str:
    """The label set's fingerprint exactly as Prometheus and Alertmanager compute it:
    FNV-1a 64 over sorted names, each name and value followed by 0xff, as %016x. The hash
    runs in C (fnv-c): byte by byte in Python it cost a large share of an ingest request."""
    data = bytearray()
    for name in sorted(labels):
        data += name.encode() + SEPARATOR + labels[name].encode() + SEPARATOR
    return f"{fnv1a_64(bytes(data)):016x}"


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
SEVERITY_ALIASES = {
    "page": "critical",
    "high": "critical",
    "major": "error",
    "minor": "warning",
    "low": "info",
    "none": "info",
}


@lru_cache(maxsize=1024)
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
        raise ValueError(
            f'not a label matcher: {text!r} (try name="value", name!=value, name=~regex)'
        )
    name, op, value = found.groups()
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"bad regular expression in {text!r}: {exc}") from exc
    return Matcher(name, Op(op), value)


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


def silenced(
    labels: Mapping[str, str],
    silences: Iterable[tuple[datetime, datetime, list[Matcher]]],
    at: datetime,
) -> bool:
    """Whether any silence active at `at` matches every one of its matchers."""
    windows = [
        Suppressor("silence", start, end, tuple(matchers)) for start, end, matchers in silences
    ]
    return suppressed_by(labels, None, windows, at) is not None


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
    return max(
        alerting,
        key=lambda s: (
            sum(s in upstream_of.get(o, set()) for o in alerting if o != s),
            -alerting.index(s),
        ),
    )


def linked_path(graph: Any, a: str, b: str) -> list[str] | None:
    """How two services are linked along dependencies (`graph` edges point from a service to
    what it depends on): the path from the dependant to its dependency, or None."""
    if a == b:
        return [a]
    if a not in graph or b not in graph:
        return None
    for start, end in ((a, b), (b, a)):
        if nx.has_path(graph, start, end):
            path: list[str] = nx.shortest_path(graph, start, end)
            return path
    return None


def describe_link(path: Sequence[str]) -> str:
    """["gateway", "auth", "db"] -> "gateway depends on db (gateway → auth → db)"."""
    if len(path) == 1:
        return f"it is the same service, {path[0]}"
    text = f"{path[0]} depends on {path[-1]}"
    return text if len(path) == 2 else f"{text} ({' → '.join(path)})"


def linked_services(graph: Any, service: str) -> set[str]:
    """The service, everything it depends on and everything that depends on it."""
    if service not in graph:
        return {service}
    return {service, *nx.descendants(graph, service), *nx.ancestors(graph, service)}


def upstream_map(graph: Any, services: Iterable[str]) -> dict[str, set[str]]:
    return {s: set(nx.descendants(graph, s)) if s in graph else set() for s in services}


def reopens(resolved_at: datetime | None, now: datetime, window_minutes: int) -> bool:
    """A resolved incident reopens when its alerts fire again within the reopen window."""
    if window_minutes <= 0 or resolved_at is None:
        return False
    return now - resolved_at <= timedelta(minutes=window_minutes)


def impact_for_tier(tier: int) -> int:
    """Tier 1 (business critical) hurts most: impact 1; tier 2: 2; tiers 3 and 4: 3."""
    return min(max(tier, 1), 3)


# --- what every source is turned into -------------------------------------------------------


class ParseError(ValueError):
    """A payload that cannot be accepted, with every problem found (in the sender's terms)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems) or [message]


class MalformedPayload(ParseError):
    """The body is not JSON at all."""


@dataclass(frozen=True)
class Link:
    href: str
    text: str = ""


@dataclass(frozen=True)
class IncomingAlert:
    """One alert as any source reports it, normalised. `fingerprint` identifies the alert
    across repeats (Alertmanager's own, the label-set fingerprint, or a PagerDuty dedup_key)."""

    fingerprint: str
    status: AlertStatus
    summary: str = ""
    severity: Severity = Severity.WARNING
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    service: str | None = None  # named explicitly by the sender
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    links: tuple[Link, ...] = ()
    group_key: str | None = None  # the sender's own grouping (Alertmanager's groupKey)
    acknowledge: bool = False  # a PagerDuty acknowledge: noted, the alert keeps firing


@dataclass(frozen=True)
class IncomingChange:
    """A change (deploy, config push) reported by a PagerDuty change event."""

    summary: str
    source: str = ""
    timestamp: datetime | None = None
    links: tuple[Link, ...] = ()
    custom_details: Mapping[str, Any] = field(default_factory=dict)


MAX_KEY_LENGTH = 255


def compact_key(key: str) -> str:
    """Keys longer than a column holds are replaced by a digest of themselves."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def effective_group_key(alert: IncomingAlert, group_by: Sequence[str]) -> str:
    """Chosen group-by labels win; else the sender's grouping; else the alert stands alone."""
    if group_by:
        return compact_key(group_key(alert.labels, group_by))
    return compact_key(alert.group_key or alert.fingerprint)


def route(alert: IncomingAlert, *, fixed_service: str | None, route_label: str) -> str | None:
    """The service an alert belongs to: the integration's own, else the one the sender named,
    else the value of the routing label."""
    return fixed_service or alert.service or alert.labels.get(route_label) or None


def matching_labels(
    labels: Mapping[str, str], *, service: str | None, integration: str
) -> dict[str, str]:
    """What silences match against: the alert's labels, with `service` and `integration`
    filled in when the sender did not set them."""
    return {"service": service or "", "integration": integration, **labels}


def incident_title(summary: str, fingerprint: str) -> str:
    title = " ".join(summary.split())[:300]
    return title if len(title) >= 3 else f"Alert {fingerprint}"[:300]


# --- silences and maintenance ---------------------------------------------------------------


class SilenceState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"


def silence_state(starts_at: datetime, ends_at: datetime, at: datetime) -> SilenceState:
    if at < starts_at:
        return SilenceState.PENDING
    return SilenceState.ACTIVE if at < ends_at else SilenceState.EXPIRED


def matcher_to_dict(m: Matcher) -> dict[str, str]:
    return {"name": m.name, "op": m.op.value, "value": m.value}


def matcher_from_dict(d: Mapping[str, str]) -> Matcher:
    return Matcher(d["name"], Op(d["op"]), d["value"])


def silence_problem(
    matchers: Sequence[Matcher], starts_at: datetime, ends_at: datetime
) -> str | None:
    """Why a silence cannot be saved, as Alertmanager would refuse it, or None."""
    if not matchers:
        return "a silence needs at least one matcher"
    if all(m.matches({}) for m in matchers):
        return (
            "at least one matcher must not match the empty string, or it would silence everything"
        )
    if ends_at <= starts_at:
        return "a silence must end after it starts"
    return None


@dataclass(frozen=True)
class Suppressor:
    """An active silence or maintenance window, as the suppression rule sees it."""

    ref: str  # silence:12, maintenance:3
    starts_at: datetime
    ends_at: datetime
    matchers: tuple[Matcher, ...] = ()
    service: str | None = None  # maintenance windows cover one service


def suppressed_by(
    labels: Mapping[str, str], service: str | None, suppressors: Iterable[Suppressor], at: datetime
) -> str | None:
    """The first silence or maintenance window that covers the alert at `at`, or None."""
    for s in suppressors:
        if not s.starts_at <= at < s.ends_at:
            continue
        if s.service is not None and s.service == service:
            return s.ref
        if s.service is None and all_match(s.matchers, labels):
            return s.ref
    return None


# --- rate limiting --------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    tokens: float
    at: datetime | None  # None: never used, so full


def take_token(bucket: Bucket, *, now: datetime, per_minute: int) -> tuple[Bucket | None, int]:
    """A token bucket holding `per_minute` tokens, refilled at per_minute/60 a second. Returns
    the bucket after one token is taken, or None and the whole seconds until one is back."""
    capacity, rate = float(per_minute), per_minute / 60.0
    tokens = capacity
    if bucket.at is not None:
        elapsed = max((now - bucket.at).total_seconds(), 0.0)
        tokens = min(capacity, bucket.tokens + elapsed * rate)
    if tokens >= 1.0:
        return Bucket(tokens - 1.0, now), 0
    return None, max(1, math.ceil((1.0 - tokens) / rate))


# --- noise ----------------------------------------------------------------------------------


def noise_reduction(received: int, incidents_opened: int) -> float | None:
    """The share of notifications that did not become an incident, in percent."""
    if received <= 0:
        return None
    return round(100.0 * (1 - incidents_opened / received), 1)


def retention_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


# --- explanations: every grouping decision, in words, on the incident's timeline -------------


def _quoted(names: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(f"“{n}”" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def explain_open(
    alerts: Sequence[str], *, integration: str, group: str, threshold: int, window: int
) -> str:
    if threshold <= 1:
        return f"Opened by integration {integration}: alert {_quoted(alerts)} fired"
    return (
        f"Opened by integration {integration}: {len(alerts)} alerts in group {group} within "
        f"{window} min reached the threshold of {threshold} ({_quoted(alerts)})"
    )


def explain_group(group: str) -> str:
    return f"it is in the same group {group} as alerts already on this incident"


def explain_topology(path: Sequence[str], other: str, minutes_ago: int) -> str:
    return (
        f"{describe_link(path)}, and {other} alerted on this incident "
        f"{minutes_ago} min ago, within the grouping window"
    )


def explain_join(alerts: Sequence[str], reason: str) -> str:
    what = (
        f"Alert {_quoted(alerts)}"
        if len(alerts) == 1
        else f"{len(alerts)} alerts ({_quoted(alerts)})"
    )
    return f"{what} joined because {reason}"


def explain_cause(cause: str, services: Sequence[str], upstream_of: Mapping[str, set[str]]) -> str:
    dependants = sorted(s for s in services if s != cause and cause in upstream_of.get(s, set()))
    verb = "depends" if len(dependants) == 1 else "depend"
    why = (
        f"{', '.join(dependants)} {verb} on it"
        if dependants
        else "no other alerting service is further upstream"
    )
    return f"Probable cause: {cause}, the most upstream alerting service ({why})"


def explain_reopen(minutes_since: int, window: int) -> str:
    return (
        f"its alerts fired again {minutes_since} min after it was resolved "
        f"(reopen window {window} min)"
    )


def explain_resolve(total: int) -> str:
    return "its only alert resolved" if total == 1 else f"all {total} of its alerts resolved"


def incident_description(
    summary: str, annotations: Mapping[str, str], links: Sequence[Link]
) -> str:
    lines = [
        summary,
        *(f"{name}: {value}" for name, value in sorted(annotations.items()) if value != summary),
    ]
    lines += [f"{link.text or 'link'}: {link.href}" for link in links]
    return "\n".join(lines)[:20_000]

"""Where a ratio or threshold SLI's events come from: its settings checked (Prometheus runs
its queries once, with the credentials given), counts pushed to opsroom stored, and the
share of bad events over a look-back read from either."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.infra.errors import ValidationFailed
from opsroom.slos import domain, prometheus
from opsroom.slos.domain import Count, PrometheusAuth, SliKind, SliSource
from opsroom.slos.models import Slo, SloCount

# The SLO's columns for each SLI field people name (the rest are named alike).
COLUMNS = {"sli": "sli_kind", "source": "sli_source"}
SLI_SETTINGS = ("sli", "source", "prometheus_auth", *sorted(domain.SLI_FIELDS))
EMPTY: dict[str, Any] = {"threshold": None, "prometheus_auth": PrometheusAuth.NONE}


def access(sli: Mapping[str, Any]) -> prometheus.Access:
    return prometheus.Access(
        url=sli["prometheus_url"],
        auth=PrometheusAuth(sli["prometheus_auth"]),
        username=sli["prometheus_username"],
        secret=sli["prometheus_secret"],
    )


def promql(sli: Mapping[str, Any]) -> tuple[str, str]:
    """The SLI's good and total event counters in PromQL."""
    if sli["sli"] == SliKind.THRESHOLD:
        return domain.histogram_counters(sli["histogram"], sli["threshold"])
    return sli["good_query"], sli["total_query"]


def _checked_queries(sli: Mapping[str, Any]) -> dict[str, str]:
    """Field -> the counter Prometheus runs to check it (a histogram's count shares the
    matchers of its bucket, so the bucket checks both)."""
    good, total = promql(sli)
    if sli["sli"] == SliKind.THRESHOLD:
        return {"histogram": good}
    return {"good_query": good, "total_query": total}


def settings_of(slo: Slo) -> dict[str, Any]:
    return {name: getattr(slo, COLUMNS.get(name, name)) for name in SLI_SETTINGS}


def _plain(value: Any) -> Any:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def changed(slo: Slo, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The SLI settings among `changes` that differ from the SLO's (a form sends them all)."""
    now = settings_of(slo)
    given = {k: _plain(v) for k, v in changes.items() if k in SLI_SETTINGS}
    return {k: v for k, v in given.items() if v != now[k]}


def checked(sli: dict[str, Any]) -> dict[str, Any]:
    """The SLI's settings (field -> value) as the SLO's columns, once they are complete and
    Prometheus, if it is read from there, runs its queries."""
    sli["prometheus_secret"] = _plain(sli["prometheus_secret"]) or ""
    kind = SliKind(sli["sli"])
    sli["source"] = SliSource(sli["source"] or domain.default_source(kind))
    auth = PrometheusAuth(sli["prometheus_auth"])
    given = {f: sli[f] not in ("", None) for f in domain.SLI_FIELDS}
    problems = domain.sli_problems(kind, sli["source"], auth, given)
    if problems:
        raise ValidationFailed(f"the {kind} SLI's settings do not fit", fields=problems)
    if sli["source"] is SliSource.PROMETHEUS:
        prometheus.check(access(sli), _checked_queries(sli), clock.now())
    return {COLUMNS.get(name, name): value for name, value in sli.items()}


def revised(slo: Slo, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The SLI after an edit: what it is given, what it had and still reads, nothing else."""
    now = settings_of(slo)
    kind = SliKind(changes.get("sli", now["sli"]))
    kept_source = (kind, SliSource(now["source"])) in domain.SLI_NEEDS
    source = changes.get("source") or (now["source"] if kept_source else None)
    pair = (kind, SliSource(source or domain.default_source(kind)))
    reads = set(domain.SLI_NEEDS.get(pair, frozenset()))
    if "prometheus_url" in reads:
        reads |= {"prometheus_auth", *domain.AUTH_FIELDS}
    sli: dict[str, Any] = {"sli": kind, "source": source}
    for name in SLI_SETTINGS[2:]:
        kept = now[name] if name in reads else EMPTY.get(name, "")
        sli[name] = changes.get(name, kept)
    return checked(sli)


# --- pushed counts ------------------------------------------------------------------------


def push(session: Session, slo: Slo, counts: Sequence[Count]) -> int:
    """Store the minutes' counts (new, or grown since last sent); all or none of them."""
    if slo.sli_source != SliSource.PUSHED:
        message = f"{slo.key} reads its SLI from {slo.sli_source}, not from pushed counts"
        raise ValidationFailed(message, fields={"counts": message})
    counts = [Count(c.minute.astimezone(UTC), c.good, c.total) for c in counts]
    rows = _stored(session, slo, counts)
    stored = {minute: Count(minute, row.good, row.total) for minute, row in rows.items()}
    problems = domain.count_problems(counts, stored, clock.now())
    if problems:
        raise ValidationFailed("counts refused; none were stored", fields=problems)
    written = [c for c in counts if stored.get(c.minute) != c]
    for count in written:
        row = rows.get(count.minute) or SloCount(slo_id=slo.id, minute=count.minute)
        row.good, row.total = count.good, count.total
        session.add(row)
    session.flush()
    return len(written)


def _stored(session: Session, slo: Slo, counts: Sequence[Count]) -> dict[datetime, SloCount]:
    minutes = [c.minute for c in counts]
    query = select(SloCount).where(
        SloCount.slo_id == slo.id,
        SloCount.minute >= min(minutes),
        SloCount.minute <= max(minutes),
    )
    return {row.minute: row for row in session.scalars(query)}


def pushed_shares(
    session: Session, found: Sequence[Slo], lookbacks: Sequence[timedelta], now: datetime
) -> dict[int, dict[timedelta, float]]:
    """SLO id -> look-back -> share of bad events pushed in it, for all these SLOs and
    look-backs in one pass over their counts."""
    if not found or not lookbacks:
        return {}
    sums = []
    for lookback in lookbacks:
        recent = SloCount.minute >= now - lookback
        sums += [
            func.sum(case((recent, SloCount.good), else_=0)),
            func.sum(case((recent, SloCount.total), else_=0)),
        ]
    query = (
        select(SloCount.slo_id, *sums)
        .where(SloCount.slo_id.in_([s.id for s in found]))
        .where(SloCount.minute >= now - max(lookbacks), SloCount.minute < now)
        .group_by(SloCount.slo_id)
    )
    shares: dict[int, dict[timedelta, float]] = {s.id: {} for s in found}
    for slo_id, *figures in session.execute(query):
        # PostgreSQL sums big integers as numeric: as floats, like SQLite's.
        events = [float(f) for f in figures]
        pairs = zip(events[::2], events[1::2], strict=True)
        shares[slo_id] = {
            lb: domain.bad_share(g, t) for lb, (g, t) in zip(lookbacks, pairs, strict=True)
        }
    return shares


def bad_shares(
    session: Session, found: Sequence[Slo], lookbacks: Sequence[timedelta], now: datetime
) -> dict[int, Callable[[timedelta], float]]:
    """SLO id -> the share of bad events over a look-back, for SLOs read from Prometheus
    (asked when wanted) or pushed counts (read here for all of them at once)."""
    pushed = [s for s in found if s.sli_source == SliSource.PUSHED]
    shares = pushed_shares(session, pushed, lookbacks, now)
    readers = {slo_id: _pushed_reader(by) for slo_id, by in shares.items()}
    for slo in found:
        if slo.sli_source == SliSource.PROMETHEUS:
            readers[slo.id] = _prometheus_reader(slo, now)
    return readers


def _pushed_reader(shares: dict[timedelta, float]) -> Callable[[timedelta], float]:
    return lambda lookback: shares.get(lookback, 0.0)


def _prometheus_reader(slo: Slo, now: datetime) -> Callable[[timedelta], float]:
    sli = settings_of(slo)
    good, total = promql(sli)
    return lambda lookback: prometheus.bad_share(access(sli), good, total, lookback, now)

"""SLO attainment over a period, for reports: the share of good time (incident SLIs) or of
good events (ratio and threshold SLIs) between two moments, against the objective. The
budget says what is left of a rolling window now; attainment says how a month or a quarter
went."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.slos import domain, prometheus, readings, schemas
from opsroom.slos.domain import SliKind
from opsroom.slos.models import Slo
from opsroom.slos.service import counted_impacts, impacts_by_service, search, services_of

Period = tuple[datetime, datetime]


def attainments(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    platform: str | None = None,
    squad: str | None = None,
) -> list[schemas.AttainmentRead]:
    """Each SLO of the platform (or the squad) as it was met over `period`."""
    found = search(session, actor=actor, platform=platform, squad=squad)
    on_incidents = {s.id: services_of(session, s) for s in found if s.sli_kind == SliKind.INCIDENTS}
    bad = _bad_on_incidents(session, found, on_incidents, period)
    events = [s for s in found if s.id not in on_incidents]
    bad |= _bad_on_events(session, events, period)
    return [_read(slo, bad[slo.id]) for slo in found]


def _bad_on_incidents(
    session: Session, found: Sequence[Slo], on: dict[int, list[str]], period: Period
) -> dict[int, float | str]:
    """SLO id -> the share of the period its counted incidents made bad."""
    if not on:
        return {}
    start, end = period
    worst = max(s.worst_priority for s in found if s.id in on)
    impacts = impacts_by_service(session, on, start, end, worst)
    shares: dict[int, float | str] = {}
    for slo in (s for s in found if s.id in on):
        windows = [w for _, w in counted_impacts(slo, on[slo.id], impacts, end)]
        shares[slo.id] = domain.bad_time(windows, start, end) / (end - start)
    return shares


def _bad_on_events(
    session: Session, found: Sequence[Slo], period: Period
) -> dict[int, float | str]:
    """SLO id -> the share of the period's events that were bad, or why it is not known."""
    start, end = period
    length = end - start
    readers = readings.bad_shares(session, found, [length], end)
    return {slo.id: _asked(readers[slo.id], length) for slo in found}


def _asked(reader: Callable[[timedelta], float], length: timedelta) -> float | str:
    try:
        return reader(length)
    except prometheus.Unanswered as exc:
        return exc.message


def _read(slo: Slo, bad: float | str) -> schemas.AttainmentRead:
    attained = None if isinstance(bad, str) else 100 * (1 - bad)
    return schemas.AttainmentRead(
        key=slo.key,
        name=slo.name,
        platform=slo.platform_slug,
        service=slo.service_slug,
        journey=slo.journey_slug,
        owner_squad=slo.owner_squad,
        objective=slo.objective,
        attainment=attained,
        met=None if attained is None else attained >= slo.objective,
        unmeasured=bad if isinstance(bad, str) else "",
    )

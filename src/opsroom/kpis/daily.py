"""Availability day by day, counted as the KPI report counts it (the impact windows of
outage-priority incidents; maintenance is neither up nor down time), for the uptime bars of
a platform's public status page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session

from opsroom.alerts import service as alerts_service
from opsroom.catalog import service as catalog_service
from opsroom.kpis import domain, schemas
from opsroom.kpis.domain import Period
from opsroom.kpis.service import outages, scope_of

DAY = timedelta(days=1)
Uptime = Callable[[Period], domain.Uptime]


def _days(now: datetime, days: int) -> list[Period]:
    """The last `days` UTC days up to `now`, today's so far."""
    today = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    starts = [today - DAY * n for n in reversed(range(days))]
    return [Period(start.date().isoformat(), start, min(start + DAY, now)) for start in starts]


def _daily(key: str, name: str, uptime: Uptime, days: list[Period]) -> schemas.DailyUptime:
    whole = Period("", days[0].start, days[-1].end)
    return schemas.DailyUptime(
        key=key,
        name=name,
        availability=uptime(whole).availability,
        first_day=days[0].start.date(),
        days=[uptime(d).availability for d in days],
    )


def daily_uptimes(
    session: Session,
    *,
    platform: str,
    days: int,
    now: datetime,
    policy: domain.KpiPolicy = domain.DEFAULT_POLICY,
) -> tuple[list[schemas.DailyUptime], list[schemas.DailyUptime]]:
    """Each service's and each journey's availability over the last `days` days and on each
    of them: the services of the platform, then its journeys."""
    periods = _days(now, days)
    scope = scope_of(Period("", periods[0].start, now), now, platform, None)
    down = outages(session, scope, policy)
    planned = alerts_service.maintenance_windows(session, since=scope.start, until=now)

    def of_service(slug: str) -> Uptime:
        return partial(domain.uptime, down.get(slug, []), planned.get(slug, []))

    def of_journey(steps: list[str]) -> Uptime:
        services = {s: (down.get(s, []), planned.get(s, [])) for s in steps}
        return partial(domain.journey_uptime, services)

    services = [
        _daily(s.slug, s.name, of_service(s.slug), periods)
        for s in catalog_service.all_services(session, platform=platform)
    ]
    journeys = [
        _daily(j.slug, j.name, of_journey(j.services), periods)
        for j in catalog_service.list_journeys(session, platform=platform)
    ]
    return services, journeys

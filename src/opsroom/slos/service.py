"""Service level objectives: set one on a service or a journey (its objective, the window
its error budget is counted over, the SLI that measures it), change it, find them; and each
one's error budget as it stands: the bad time its SLI counted in the window, what is left,
how fast it burns over the alert conditions' windows, and who spent it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Window, impact_window
from opsroom.infra import clock, keys
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.slos import domain, readings, schemas
from opsroom.slos.burn_table import Table, tables
from opsroom.slos.domain import (
    EVALUATE_EVERY,
    Budget,
    BudgetWindow,
    PrometheusAuth,
    SliKind,
    SliSource,
)
from opsroom.slos.models import Slo

PREFIX = "SLO"
EVALUATE_TIMER = "slo.evaluate"
# The integration burn-rate alerts arrive through (made on first use).
ALERTS_INTEGRATION = "slo-burn-rates"


def _snapshot(slo: Slo) -> dict[str, Any]:
    fields = (
        "name",
        "service_slug",
        "journey_slug",
        "objective",
        "window",
        "sli_kind",
        "sli_source",
        "prometheus_url",
        "good_query",
        "total_query",
        "histogram",
        "threshold",
        "prometheus_auth",
        "prometheus_username",
        "worst_priority",
        "owner",
        "owner_squad",
    )
    return {name: getattr(slo, name) for name in fields}


SLO = Record("slo", _snapshot)


def get(session: Session, *, actor: Principal, key: str) -> Slo:
    require(actor, Action.READ)
    return keys.find(session, select(Slo), Slo.number, key, PREFIX, "SLO")


def search(
    session: Session,
    *,
    actor: Principal,
    platform: str | None = None,
    service: str | None = None,
    squad: str | None = None,
) -> list[Slo]:
    """SLOs by key; `service` also finds those on the journeys the service is part of."""
    require(actor, Action.READ)
    query = select(Slo)
    if platform:
        query = query.where(Slo.platform_slug == platform)
    if service:
        query = query.where(_touching(session, [service]))
    if squad:
        query = query.where(Slo.owner_squad == squad)
    return list(session.scalars(query.order_by(Slo.number)))


def _touching(session: Session, services: Sequence[str]) -> ColumnElement[bool]:
    """SLOs on any of `services` or on a journey through one of them."""
    journeys = [j.slug for j in catalog.list_journeys(session) if set(services) & set(j.services)]
    return or_(Slo.service_slug.in_(list(services)), Slo.journey_slug.in_(journeys))


def on_services(session: Session, services: Sequence[str]) -> list[Slo]:
    """What other domains ask before touching `services` (changes: whose budget is spent)."""
    return list(
        session.scalars(select(Slo).where(_touching(session, services)).order_by(Slo.number))
    )


def watch(session: Session, slo: Slo, **state: Any) -> None:
    """Evaluate the SLO's burn-rate conditions in a few minutes (and from then on)."""
    jobs.schedule(
        session,
        kind=EVALUATE_TIMER,
        subject=slo.key,
        due_at=clock.now() + EVALUATE_EVERY,
        payload={"firing": [], **state},
    )


def _known(session: Session, field: str, lookup: Any, slug: str) -> Any:
    try:
        return lookup(session, slug)
    except NotFound:
        raise ValidationFailed(f"no {field} '{slug}'", fields={field: f"unknown {field}"}) from None


def _subject(
    session: Session, service: str | None, journey: str | None
) -> tuple[str | None, str | None]:
    """The service or the journey the SLO is about: exactly one of them."""
    if (service is None) == (journey is None):
        message = "name one service or one journey"
        raise ValidationFailed(message, fields={"service": message, "journey": message})
    if service is not None:
        return _known(session, "service", catalog.get_service, service).slug, None
    assert journey is not None
    return None, _known(session, "journey", catalog.get_journey, journey).slug


def _may_set(
    session: Session,
    actor: Principal,
    subject: tuple[str | None, str | None],
    owners: set[str],
) -> None:
    """Set by a squad lead or above; by an operations manager only on their platforms: that
    of its service or journey and those of its owner squads (`owners`)."""
    service, journey = subject
    named = catalog.platforms_of(
        session, services=[service] if service else [], journeys=[journey] if journey else []
    )
    require(actor, Action.EDIT_SQUAD_ITEMS, platforms={*named, *owners})


def create(session: Session, *, actor: Principal, data: schemas.SloCreate) -> Slo:
    require(actor, Action.EDIT_SQUAD_ITEMS)
    sli = readings.checked(data.model_dump(include=set(readings.SLI_SETTINGS)))
    service, journey = _subject(session, data.service, data.journey)
    squad = _known(session, "owner_squad", catalog.get_squad, data.owner_squad)
    _may_set(session, actor, (service, journey), {squad.platform.slug})
    slo = Slo(
        number=keys.next_number(session, PREFIX),
        name=data.name,
        description=data.description,
        platform_slug=squad.platform.slug,
        service_slug=service,
        journey_slug=journey,
        objective=data.objective,
        window=data.window,
        worst_priority=data.worst_priority,
        owner=data.owner,
        owner_squad=squad.slug,
        created_by=str(actor),
        **sli,
    )
    session.add(slo)
    session.flush()
    SLO.event(session, slo, actor, "set", f"SLO set: {slo.objective:g} % over {slo.window}")
    watch(session, slo)
    return SLO.audited(session, slo, actor, "slo.set", None)


def update(session: Session, *, actor: Principal, key: str, data: schemas.SloUpdate) -> Slo:
    """Change what is given: its subject, objective, window, SLI (checked again as when
    set), owner; a stale `version` is refused."""
    require(actor, Action.EDIT_SQUAD_ITEMS)
    slo = SLO.held(get(session, actor=actor, key=key), data.version)
    before = _snapshot(slo)
    changes = {
        k: v
        for k, v in data.model_dump(exclude_unset=True, exclude={"version"}).items()
        if v is not None
    }
    squad = None
    if "owner_squad" in changes:
        squad = _known(session, "owner_squad", catalog.get_squad, changes["owner_squad"])
    owners = {slo.platform_slug, *([squad.platform.slug] if squad else [])}
    subject = (slo.service_slug, slo.journey_slug)
    if changes.keys() & {"service", "journey"}:
        subject = _subject(session, changes.get("service"), changes.get("journey"))
        _may_set(session, actor, subject, owners)
    _may_set(session, actor, (slo.service_slug, slo.journey_slug), owners)
    sli = readings.changed(slo, changes)
    if sli:
        for column, value in readings.revised(slo, sli).items():
            setattr(slo, column, value)
    slo.service_slug, slo.journey_slug = subject
    if squad is not None:
        slo.owner_squad, slo.platform_slug = squad.slug, squad.platform.slug
    for name in ("name", "description", "objective", "window", "owner", "worst_priority"):
        if name in changes:
            setattr(slo, name, changes[name])
    SLO.event(session, slo, actor, "edit", "SLO edited")
    return SLO.saved(session, slo, actor, "slo.updated", before)


def push_counts(
    session: Session, *, actor: Principal, key: str, counts: Sequence[domain.Count]
) -> int:
    """Pushed SLI counts, per minute; a refused one refuses the whole batch."""
    require(actor, Action.WORK_INCIDENTS)
    return readings.push(session, get(session, actor=actor, key=key), counts)


# --- error budgets: what is spent, how fast it burns, who spent it --------------------------

# The longest an impact is looked for before the window (bounds the detection-time search).
LONGEST_IMPACT = timedelta(days=31)
BURN_DOWN_POINTS = 60
FILTERED_SERVICES = 20
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Standing:
    slo: Slo
    span: Window
    budget: Budget
    rates: dict[timedelta, float]
    impacts: list[tuple[incidents.Impact, Window]]
    conditions: Table  # its platform's burn-rate table

    @property
    def bad(self) -> list[Window]:
        return [w for _, w in self.impacts]


def services_of(session: Session, slo: Slo) -> list[str]:
    if slo.service_slug is not None:
        return [slo.service_slug]
    assert slo.journey_slug is not None
    return catalog.get_journey(session, slo.journey_slug).services


def impacts_by_service(
    session: Session, slos_on: dict[int, list[str]], start: datetime, now: datetime, worst: int
) -> dict[str, list[incidents.Impact]]:
    """Service -> its incidents of priority `worst` or more urgent since `start`, for every
    service of these SLOs in one query."""
    wanted = sorted({s for services in slos_on.values() for s in services})
    found = incidents.impact_on(
        session,
        # Past a few services, SQLite probes a long IN list once per incident in the window:
        # reading the window's incidents on every service and keeping the wanted is faster.
        services=wanted if len(wanted) <= FILTERED_SERVICES else None,
        priorities=range(1, worst + 1),
        start=start,
        end=now,
        lookback=LONGEST_IMPACT,
        # An incident the SLO's own burn-rate alert opened is the response to the burn, not
        # more impact: counted, it would keep its alert, and so itself, open for ever.
        other_than=f"integration:{ALERTS_INTEGRATION}",
    )
    by_service: dict[str, list[incidents.Impact]] = {}
    for impact in found:
        by_service.setdefault(impact.service, []).append(impact)
    return by_service


def _event_standing(
    slo: Slo, span: Window, now: datetime, bad: Callable[[timedelta], float], table: Table
) -> Standing:
    """A ratio or threshold SLI's budget spent as the window's share of bad events, in the
    same terms as bad time: window length x bad share."""
    spans = domain.lookbacks(table)
    rates = {s: bad(s) / domain.error_rate(slo.objective) for s in spans}
    elapsed = now - span[0]
    spent = elapsed * bad(elapsed)
    return Standing(slo, span, domain.budget(slo.objective, span, spent), rates, [], table)


def counted_impacts(
    slo: Slo, services: list[str], found: dict[str, list[incidents.Impact]], now: datetime
) -> list[tuple[incidents.Impact, Window]]:
    """The impacts of incidents the SLO counts, each once, with their bad windows."""
    counted = {
        i.number: i for s in services for i in found.get(s, []) if i.priority <= slo.worst_priority
    }
    return [(i, impact_window(i.times, now)) for _, i in sorted(counted.items())]


def _incident_standing(
    slo: Slo,
    services: list[str],
    found: dict[str, list[incidents.Impact]],
    now: datetime,
    table: Table,
) -> Standing:
    span = domain.window_span(BudgetWindow(slo.window), now)
    impacts = counted_impacts(slo, services, found, now)
    bad = [w for _, w in impacts]
    spent = domain.bad_time(bad, span[0], now)
    rates = domain.burn_rates(bad, now, slo.objective, domain.lookbacks(table))
    budget = domain.budget(slo.objective, span, spent)
    return Standing(slo, span, budget, rates, impacts, table)


def standings(session: Session, found: Sequence[Slo]) -> list[Standing]:
    """The SLOs' budgets and burn rates now, from their SLIs: their incidents' impact (read
    for all of them at once), their pushed counts (likewise), or Prometheus."""
    now = clock.now()
    spans = {s.id: domain.window_span(BudgetWindow(s.window), now) for s in found}
    table = tables(session, (s.platform_slug for s in found))
    looks = {w for t in table.values() for w in domain.lookbacks(t)}
    on_incidents = {s.id: services_of(session, s) for s in found if s.sli_kind == SliKind.INCIDENTS}
    impacts = {}
    if on_incidents:
        start = min(*(span[0] for span in spans.values()), now - max(looks))
        worst = max(s.worst_priority for s in found)
        impacts = impacts_by_service(session, on_incidents, start, now, worst)
    on_events = [s for s in found if s.id not in on_incidents]
    elapsed = {now - spans[s.id][0] for s in on_events}
    shares = readings.bad_shares(session, on_events, sorted({*looks, *elapsed}), now)
    return [
        _incident_standing(s, on_incidents[s.id], impacts, now, table[s.platform_slug])
        if s.id in on_incidents
        else _event_standing(s, spans[s.id], now, shares[s.id], table[s.platform_slug])
        for s in found
    ]


def standing(session: Session, slo: Slo) -> Standing:
    return standings(session, [slo])[0]


def summaries(session: Session, found: Sequence[Slo]) -> list[schemas.SloSummary]:
    return [schemas.SloSummary(**_summary_fields(s)) for s in standings(session, found)]


def summary(session: Session, slo: Slo) -> schemas.SloSummary:
    return summarise(standing(session, slo))


def summarise(s: Standing) -> schemas.SloSummary:
    return schemas.SloSummary(**_summary_fields(s))


def _summary_fields(s: Standing) -> dict[str, object]:
    slo = s.slo
    return {
        "key": slo.key,
        "name": slo.name,
        "platform": slo.platform_slug,
        "service": slo.service_slug,
        "journey": slo.journey_slug,
        "objective": slo.objective,
        "window": BudgetWindow(slo.window),
        "sli": SliKind(slo.sli_kind),
        "source": SliSource(slo.sli_source),
        "owner_squad": slo.owner_squad,
        "budget_remaining": s.budget.shown,
        "exhausted": s.budget.exhausted,
    }


def _burn(s: Standing) -> list[schemas.BurnRead]:
    start, end = s.span
    return [
        schemas.BurnRead(
            condition=c.name,
            severity=c.severity,
            factor=c.factor,
            long_rate=s.rates[c.long],
            short_rate=s.rates[c.short],
            budget_share=domain.consumed(c.factor, c.long, end - start),
            firing=domain.firing(c, s.rates[c.long], s.rates[c.short]),
        )
        for c in s.conditions
    ]


def _spenders(s: Standing) -> list[schemas.SpenderRead]:
    start, now = s.span[0], clock.now()
    spent = [
        schemas.SpenderRead(
            incident=keys.format_key("INC", impact.number),
            title=impact.title,
            minutes=domain.bad_time([window], start, now) / MINUTE,
        )
        for impact, window in s.impacts
    ]
    return sorted((r for r in spent if r.minutes > 0), key=lambda r: -r.minutes)


def read(session: Session, slo: Slo) -> schemas.SloRead:
    return describe(standing(session, slo))


def describe(s: Standing) -> schemas.SloRead:
    slo = s.slo
    hourly = s.rates[domain.HOUR]
    left = domain.time_to_exhaustion(s.budget, hourly, slo.objective)
    return schemas.SloRead(
        **_summary_fields(s),
        description=slo.description,
        prometheus_url=slo.prometheus_url,
        good_query=slo.good_query,
        total_query=slo.total_query,
        histogram=slo.histogram,
        threshold=slo.threshold,
        prometheus_auth=PrometheusAuth(slo.prometheus_auth),
        prometheus_username=slo.prometheus_username,
        prometheus_secret_set=bool(slo.prometheus_secret),
        owner=slo.owner,
        worst_priority=slo.worst_priority,
        window_start=s.span[0],
        window_end=s.span[1],
        allowed_minutes=s.budget.allowed / MINUTE,
        spent_minutes=s.budget.spent / MINUTE,
        time_to_exhaustion_hours=None if left is None else left / timedelta(hours=1),
        burn=_burn(s),
        spent_by=_spenders(s),
        created_by=slo.created_by,
        created_at=slo.created_at,
        version=slo.version,
    )


def burn_down(s: Standing) -> list[tuple[datetime, float]]:
    return domain.burn_down(s.bad, s.span, clock.now(), s.budget.allowed, BURN_DOWN_POINTS)


def exhausted_on(session: Session, services: Sequence[str]) -> list[schemas.SloSummary]:
    """The SLOs on these services (or their journeys) whose error budget is spent."""
    return [s for s in summaries(session, on_services(session, services)) if s.exhausted]

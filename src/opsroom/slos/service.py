"""Service level objectives: set one on a service or a journey (its objective, the window
its error budget is counted over, the SLI that measures it), change it, and find them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock, keys
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.slos import domain, prometheus, schemas
from opsroom.slos.domain import DEFAULT_CONDITIONS, SliKind
from opsroom.slos.models import Slo

PREFIX = "SLO"
EVALUATE_TIMER = "slo.evaluate"
# As often as the shortest window the burn-rate conditions read, so a page comes within it.
EVALUATE_EVERY = min(domain.lookbacks(DEFAULT_CONDITIONS))
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


def _subject(session: Session, data: schemas.SloCreate) -> tuple[str | None, str | None]:
    """The service or the journey the SLO is about: exactly one of them."""
    if (data.service is None) == (data.journey is None):
        message = "name one service or one journey"
        raise ValidationFailed(message, fields={"service": message, "journey": message})
    if data.service is not None:
        return _known(session, "service", catalog.get_service, data.service).slug, None
    assert data.journey is not None
    return None, _known(session, "journey", catalog.get_journey, data.journey).slug


RATIO_FIELDS = ("prometheus_url", "good_query", "total_query")


def _check_sli(data: schemas.SloCreate) -> None:
    """A ratio SLI names its Prometheus and two queries it accepts; an incident SLI none."""
    given = {f: getattr(data, f) for f in RATIO_FIELDS}
    if data.sli is SliKind.INCIDENTS:
        extra = {f: "only for a ratio SLI" for f, v in given.items() if v}
        if extra:
            raise ValidationFailed("an incident SLI reads no Prometheus", fields=extra)
        return
    missing = {f: "required for a ratio SLI" for f, v in given.items() if not v}
    if missing:
        raise ValidationFailed("a ratio SLI needs Prometheus and two queries", fields=missing)
    queries = {"good_query": data.good_query, "total_query": data.total_query}
    prometheus.check(data.prometheus_url, queries, clock.now())


def create(session: Session, *, actor: Principal, data: schemas.SloCreate) -> Slo:
    require(actor, Action.EDIT_SQUAD_ITEMS)
    _check_sli(data)
    service, journey = _subject(session, data)
    squad = _known(session, "owner_squad", catalog.get_squad, data.owner_squad)
    slo = Slo(
        number=keys.next_number(session, PREFIX),
        name=data.name,
        description=data.description,
        platform_slug=squad.platform.slug,
        service_slug=service,
        journey_slug=journey,
        objective=data.objective,
        window=data.window,
        sli_kind=SliKind(data.sli),
        prometheus_url=data.prometheus_url,
        good_query=data.good_query,
        total_query=data.total_query,
        worst_priority=data.worst_priority,
        owner=data.owner,
        owner_squad=squad.slug,
        created_by=str(actor),
    )
    session.add(slo)
    session.flush()
    SLO.event(session, slo, actor, "set", f"SLO set: {slo.objective:g} % over {slo.window}")
    watch(session, slo)
    return SLO.audited(session, slo, actor, "slo.set", None)


def update(session: Session, *, actor: Principal, key: str, data: schemas.SloUpdate) -> Slo:
    require(actor, Action.EDIT_SQUAD_ITEMS)
    slo = SLO.held(get(session, actor=actor, key=key), data.version)
    before = _snapshot(slo)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "owner_squad"})
    if data.owner_squad is not None:
        squad = _known(session, "owner_squad", catalog.get_squad, data.owner_squad)
        slo.owner_squad, slo.platform_slug = squad.slug, squad.platform.slug
    for name, value in changes.items():
        if value is not None:
            setattr(slo, name, value)
    SLO.event(session, slo, actor, "edit", "SLO edited")
    return SLO.saved(session, slo, actor, "slo.updated", before)

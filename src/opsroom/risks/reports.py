"""Reading the register: risks as the API shows them, filtered lists, what each risk is
expected to cost a year and the ranking by it, the heat map and the risks above appetite."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from opsroom.actions import service as actions
from opsroom.actions.domain import Source
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock, keys
from opsroom.risks import domain, schemas
from opsroom.risks.domain import Affects, Assessment, Evidence, RiskSettings, Status
from opsroom.risks.models import Risk, RiskLink
from opsroom.risks.records import affected, rating, settings_of

YEAR = timedelta(days=365)


def _rating(settings: RiskSettings, risk: Risk, assessment: Assessment) -> schemas.RatingRead:
    r = rating(risk, assessment)
    b = domain.band(settings.matrix, r.score)
    return schemas.RatingRead(
        likelihood=r.likelihood, impact=r.impact, score=r.score, band=b.label, colour=b.colour
    )


def _confirmed(risk: Risk) -> list[RiskLink]:
    return [lk for lk in risk.links if not lk.proposed]


def summary(session: Session, risk: Risk) -> schemas.RiskSummary:
    settings = settings_of(session, risk.platform_slug)
    current = rating(risk, Assessment.CURRENT)
    links = _confirmed(risk)
    return schemas.RiskSummary(
        key=risk.key,
        title=risk.title,
        platform=risk.platform_slug,
        category=risk.category,
        status=Status(risk.status),
        owner=risk.owner,
        owner_squad=risk.owner_squad,
        treatment=domain.Treatment(risk.treatment),
        inherent=_rating(settings, risk, Assessment.INHERENT),
        current=_rating(settings, risk, Assessment.CURRENT),
        target=_rating(settings, risk, Assessment.TARGET),
        above_appetite=domain.above_appetite(settings.matrix, current.score),
        review_on=risk.review_on,
        review_overdue=domain.review_overdue(
            Status(risk.status), risk.review_on, clock.now().date()
        ),
        accepted_until=risk.accepted_until,
        materialised=len(links),
        downtime_hours=round(sum(lk.downtime_hours for lk in links), 2),
    )


def exposure(session: Session, risk: Risk) -> domain.Exposure:
    settings = settings_of(session, risk.platform_slug)
    current = rating(risk, Assessment.CURRENT)
    links = _confirmed(risk)
    since = clock.now() - YEAR
    rate, from_history = domain.annual_rate(
        settings.matrix, current.likelihood, sum(lk.occurred_at >= since for lk in links)
    )
    downtimes = [lk.downtime_hours for lk in links if lk.downtime_hours > 0]
    services = affected(risk, Affects.SERVICE)
    journeys = sorted(
        {*affected(risk, Affects.JOURNEY), *catalog.journeys_through(session, services)}
    )
    return domain.Exposure(
        key=risk.key,
        annual_rate=rate,
        hours_per_event=domain.hours_per_event(downtimes, current.impact, settings.impact_hours),
        cost_per_hour=settings.cost_per_hour(journeys),
        blast_radius=max(1, len(services) + len(journeys)),
        from_history=from_history,
    )


def exposure_read(e: domain.Exposure) -> schemas.ExposureRead:
    return schemas.ExposureRead(
        annual_rate=e.annual_rate,
        from_history=e.from_history,
        hours_per_event=round(e.hours_per_event, 2),
        cost_per_hour=e.cost_per_hour,
        blast_radius=e.blast_radius,
        expected_annual_loss=round(e.expected_annual_loss, 2),
        weight=round(e.weight, 2),
    )


def read(session: Session, risk: Risk) -> schemas.RiskRead:
    mitigations = actions.for_source(session, source_type=Source.RISK, key=risk.key)
    return schemas.RiskRead(
        **summary(session, risk).model_dump(),
        description=risk.description,
        causes=risk.causes,
        consequences=risk.consequences,
        services=affected(risk, Affects.SERVICE),
        journeys=affected(risk, Affects.JOURNEY),
        vendors=affected(risk, Affects.VENDOR),
        treatment_plan=risk.treatment_plan,
        accepted_by=risk.accepted_by,
        acceptance_reason=risk.acceptance_reason,
        links=[_link(lk) for lk in risk.links],
        scores=[_score(s) for s in reversed(risk.scores)],
        mitigations=[m.key for m in mitigations],
        exposure=exposure_read(exposure(session, risk)),
        allowed_transitions=domain.allowed(Status(risk.status)),
        created_by=risk.created_by,
        created_at=risk.created_at,
        version=risk.version,
    )


def _link(lk: RiskLink) -> schemas.LinkRead:
    kind = Evidence(lk.kind)
    return schemas.LinkRead(
        kind=kind,
        key=keys.format_key(domain.EVIDENCE_PREFIX[kind], lk.number),
        proposed=lk.proposed,
        occurred_at=lk.occurred_at,
        downtime_hours=lk.downtime_hours,
    )


def _score(s: Any) -> schemas.ScoreRead:
    return schemas.ScoreRead(
        assessment=s.assessment,
        likelihood=s.likelihood,
        impact=s.impact,
        score=s.likelihood * s.impact,
        reason=s.reason,
        set_by=s.set_by,
        set_at=s.set_at,
    )


# --- the register -------------------------------------------------------------------------


def _filtered(
    query: Select[Any],
    *,
    platform: str | None = None,
    category: str | None = None,
    squad: str | None = None,
    status: Sequence[Status] = (),
    open_only: bool = False,
    text: str | None = None,
) -> Select[Any]:
    equal = {Risk.platform_slug: platform, Risk.category: category, Risk.owner_squad: squad}
    for column, value in equal.items():
        if value:
            query = query.where(column == value)
    if status:
        query = query.where(Risk.status.in_(list(status)))
    if open_only:
        query = query.where(Risk.status.in_(list(domain.OPEN)))
    if text:
        like = f"%{text.lower()}%"
        query = query.where(or_(Risk.title.ilike(like), Risk.description.ilike(like)))
    return query


def register(session: Session, *, actor: Principal, **filters: Any) -> list[Risk]:
    """Every risk matching the filters, by key (a register is read whole, not paged)."""
    require(actor, Action.READ)
    query = _filtered(select(Risk), **filters).options(
        selectinload(Risk.links), selectinload(Risk.affected)
    )
    return list(session.scalars(query.order_by(Risk.number)))


def ranking(session: Session, *, actor: Principal, **filters: Any) -> list[schemas.RankedRisk]:
    """Open risks, highest expected annual loss x blast radius first."""
    risks = {r.key: r for r in register(session, actor=actor, open_only=True, **filters)}
    ranked = domain.rank(exposure(session, r) for r in risks.values())
    return [
        schemas.RankedRisk(rank=n, risk=summary(session, risks[e.key]), exposure=exposure_read(e))
        for n, e in enumerate(ranked, start=1)
    ]


def above_appetite(
    session: Session, *, actor: Principal, platform: str | None = None
) -> list[schemas.RiskSummary]:
    """Open risks whose current score is above their platform's appetite."""
    found = [
        summary(session, r)
        for r in register(session, actor=actor, platform=platform, open_only=True)
    ]
    return [s for s in found if s.above_appetite]


def figures(
    session: Session, *, actor: Principal, platform: str | None = None, squad: str | None = None
) -> schemas.RiskFigures:
    found = [
        summary(session, r)
        for r in register(session, actor=actor, platform=platform, squad=squad, open_only=True)
    ]
    above = sorted((s for s in found if s.above_appetite), key=lambda s: -s.current.score)
    return schemas.RiskFigures(
        open=len(found),
        above_appetite=len(above),
        reviews_overdue=sum(s.review_overdue for s in found),
        accepted=sum(s.status is Status.ACCEPTED for s in found),
        above_appetite_keys=[s.key for s in above],
    )


def heat_map(
    session: Session, *, actor: Principal, platform: str, category: str | None = None
) -> schemas.HeatMapRead:
    risks = register(session, actor=actor, platform=platform, category=category, open_only=True)
    matrix = settings_of(session, platform).matrix
    size = matrix.size
    grids = {
        a: domain.heat(
            matrix,
            [r for r in (rating(risk, a) for risk in risks) if max(r.likelihood, r.impact) <= size],
        )
        for a in Assessment
    }
    colours = [
        [domain.band(matrix, (size - row) * (col + 1)).colour for col in range(size)]
        for row in range(size)
    ]
    return schemas.HeatMapRead(
        platform=platform,
        likelihood=list(reversed(matrix.likelihood)),
        impact=list(matrix.impact),
        colours=colours,
        inherent=grids[Assessment.INHERENT],
        residual=grids[Assessment.TARGET],
        current=grids[Assessment.CURRENT],
    )

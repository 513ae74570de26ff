"""KPI figures the other practices keep: change success (changes), post-incident reviews
(reviews), action items (actions) and on-call load (notifications sent), and the squad
scorecard that puts them beside the incident figures."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from opsroom.actions import service as actions_service
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog_service
from opsroom.changes import domain as changes_domain
from opsroom.changes import service as changes_service
from opsroom.desk import service as desk_service
from opsroom.infra import clock
from opsroom.kpis import domain, schemas
from opsroom.kpis.domain import Better, Figure, Kind, Period
from opsroom.notify import service as notify_service
from opsroom.reviews import service as reviews_service
from opsroom.risks import service as risks_service
from opsroom.slos import attainment
from opsroom.slos import service as slos_service
from opsroom.vendors import reports as vendor_reports

COUNTED = [f.name for f in fields(changes_domain.Figures) if f.name != "group"]

SCORECARD = [
    Figure("reliability", "incidents", "Incidents", "count", Better.LOWER, Kind.COUNT),
    Figure("reliability", "major", "Major incidents", "count", Better.LOWER, Kind.COUNT),
    Figure(
        "reliability",
        "services_on_target",
        "Services meeting their availability target",
        "share",
        Better.HIGHER,
        Kind.RATE,
    ),
    Figure("speed", "mtta", "MTTA (median)", "seconds", Better.LOWER, Kind.RATE),
    Figure("speed", "mttr", "MTTR (median)", "seconds", Better.LOWER, Kind.RATE),
    Figure(
        "hygiene", "reviews_on_time", "Reviews published on time", "share", Better.HIGHER, Kind.RATE
    ),
    Figure("hygiene", "reviews_overdue", "Reviews overdue", "count", Better.LOWER, Kind.COUNT),
    Figure("hygiene", "actions_overdue", "Action items overdue", "count", Better.LOWER, Kind.COUNT),
    Figure(
        "hygiene", "action_closure", "Action-item closure rate", "share", Better.HIGHER, Kind.RATE
    ),
    Figure(
        "change", "change_failure_rate", "Change failure rate", "share", Better.LOWER, Kind.RATE
    ),
    Figure("change", "emergency_share", "Emergency changes", "share", Better.LOWER, Kind.RATE),
    Figure(
        "on-call", "pages_per_person", "Pages per person paged", "number", Better.LOWER, Kind.RATE
    ),
]


def _squads(session: Session, platform: str | None, squad: str | None) -> list[str] | None:
    """The squads whose practices are counted: one, a platform's, or None for all."""
    if squad:
        return [squad]
    if platform:
        return [s.slug for s in catalog_service.list_squads(session, platform=platform)]
    return None


def change_figures(
    session: Session, *, actor: Principal, period: Period, squads: list[str] | None
) -> schemas.ChangeFiguresRead:
    """Changes planned to start in the period, of these squads (None: every squad)."""
    rows = changes_service.figures_by_squad(
        session, actor=actor, since=period.start, until=period.end
    )
    kept = [r for r in rows if squads is None or r.group in squads]
    total = changes_domain.Figures("all", *(sum(getattr(r, n) for r in kept) for n in COUNTED))
    return schemas.ChangeFiguresRead(
        volume=total.volume,
        finished=total.finished,
        failed=total.failed,
        emergency=total.emergency,
        change_failure_rate=total.change_failure_rate,
        emergency_share=total.emergency_share,
    )


def _people(session: Session, squads: list[str] | None) -> set[str] | None:
    if squads is None:
        return None
    members = (m for slug in squads for m in catalog_service.get_squad(session, slug).members)
    return {m.email.lower() for m in members}


def oncall_load(
    session: Session, *, period: Period, squads: list[str] | None
) -> schemas.OnCallLoadRead:
    """Pages sent in the period to the members of these squads (None: to anyone)."""
    pages = notify_service.pages_received(session, since=period.start, until=period.end)
    people = _people(session, squads)
    if people is not None:
        pages = {p: n for p, n in pages.items() if p.lower() in people}
    return schemas.OnCallLoadRead(
        people_paged=sum(n > 0 for n in pages.values()),
        pages=sum(pages.values()),
        pages_per_person=domain.pages_per_person(pages),
        most_paged=max(pages.values(), default=0),
    )


def practice_figures(
    session: Session, *, actor: Principal, period: Period, platform: str | None, squad: str | None
) -> dict[str, object]:
    """The report's changes, reviews, actions, on-call and risk sections."""
    squads = _squads(session, platform, squad)
    return {
        "changes": change_figures(session, actor=actor, period=period, squads=squads),
        "reviews": reviews_service.figures(session, actor=actor, squad=squad, platform=platform),
        "actions": actions_service.figures(session, actor=actor, squad=squad, platform=platform),
        "oncall": oncall_load(session, period=period, squads=squads),
        "risks": risks_service.figures(session, actor=actor, platform=platform, squad=squad),
        "csat": desk_service.csat_figures(
            session,
            actor=actor,
            start=period.start,
            end=period.end,
            platform=platform,
            squad=squad,
        ),
        "slos": slo_figures(session, actor=actor, period=period, platform=platform, squad=squad),
    }


def slo_figures(
    session: Session, *, actor: Principal, period: Period, platform: str | None, squad: str | None
) -> schemas.SloFigures:
    """Each SLO as met over the period (so far, for the current one), with the SLA of the
    vendors running its services beside it."""
    span = (period.start, min(period.end, clock.now()))
    if span[1] <= span[0]:
        return schemas.SloFigures(met=0, measured=0, total=0, lines=[])
    found = attainment.attainments(
        session, actor=actor, period=span, platform=platform, squad=squad
    )
    lines = [_slo_line(session, actor, a, span) for a in found]
    measured = [line for line in lines if line.met is not None]
    return schemas.SloFigures(
        met=sum(bool(line.met) for line in measured),
        measured=len(measured),
        total=len(lines),
        lines=lines,
    )


def _slo_line(
    session: Session, actor: Principal, a: Any, span: tuple[datetime, datetime]
) -> schemas.SloLineRead:
    slo = slos_service.get(session, actor=actor, key=a.key)
    services = slos_service.services_of(session, slo)
    vendors = vendor_reports.running(
        session, actor=actor, services=services, start=span[0], end=span[1]
    )
    return schemas.SloLineRead(**a.model_dump(), vendors=vendors)


# --- the squad scorecard --------------------------------------------------------------------


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else pct / 100


def _values(report: schemas.KpiReport) -> dict[str, float | None]:
    times = report.overall.times
    return {
        "incidents": report.overall.incidents,
        "major": report.overall.major,
        "services_on_target": domain.compliance(u.meets_target for u in report.services),
        "mtta": times["mtta"].median,
        "mttr": times["mttr"].median,
        "reviews_on_time": _fraction(report.reviews.published_on_time_pct),
        "reviews_overdue": report.reviews.overdue,
        "actions_overdue": report.actions.overdue,
        "action_closure": _fraction(report.actions.closure_rate_pct),
        "change_failure_rate": report.changes.change_failure_rate,
        "emergency_share": report.changes.emergency_share,
        "pages_per_person": report.oncall.pages_per_person,
    }


def scorecard(
    squad: schemas.KpiReport, platform: schemas.KpiReport, squads: int
) -> list[schemas.ScoreLineRead]:
    """A squad's figures with the platform average beside each (an incident engaging two
    squads counts for both, so the platform's incident counts are summed over its squads)."""
    beside = _values(platform) | {
        "incidents": sum(g.incidents for g in platform.by_squad),
        "major": sum(g.major for g in platform.by_squad),
    }
    lines = domain.scorecard(SCORECARD, _values(squad), beside, squads)
    return [schemas.ScoreLineRead.model_validate(vars(line)) for line in lines]

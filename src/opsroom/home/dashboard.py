"""The home page: each platform at a glance and the platform dashboard. The page itself is
cheap (open incidents, the platforms); the KPI figures, the charts and the work waiting on
people arrive as htmx fragments, each its own request, so the first paint does not wait."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.actions import service as actions_service
from opsroom.audit import service as audit_service
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog_service
from opsroom.changes import domain as changes_domain
from opsroom.changes import reports as change_reports
from opsroom.incidents import service as incidents_service
from opsroom.infra import clock
from opsroom.kpis import charts, domain, formats
from opsroom.kpis import service as kpis_service
from opsroom.reviews import service as reviews_service
from opsroom.risks import service as risks_service
from opsroom.slos import pages as slo_pages
from opsroom.slos import service as slos_service
from opsroom.web.pages import Filter, render, see_other

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# The home page answers everyone signed in: a vendor contact's is the incidents their vendor
# is engaged on; a requester's is their organisation's tickets.
entry = APIRouter(include_in_schema=False)

RECENT_CHANGES = 10
TOP_RISKS = 5
BUDGETS_SHOWN = 6  # the SLOs with the least budget left
WORK_SHOWN = 8  # overdue actions, overdue reviews, upcoming changes: the first few of each
AHEAD = timedelta(days=14)  # how far ahead "upcoming" looks


def _fragment(
    request: Request, session: DbSession, template: str, context: dict[str, Any]
) -> Response:
    return render(request, session, template, context, partial=template)


ENGAGEMENTS_SHOWN = 50


def _engagements(request: Request, session: DbSession, actor: Principal) -> Response:
    found = incidents_service.search(session, actor=actor, limit=ENGAGEMENTS_SHOWN)
    context = {"engagements": [incidents_service.read(session, i) for i in found.items]}
    return render(request, session, "incidents/engagements.html", context)


@entry.get("/")
def home(request: Request, session: DbSession, actor: Actor, platform: Filter = None) -> Response:
    if actor.role is Role.VENDOR_CONTACT:
        return _engagements(request, session, actor)
    if actor.role is Role.REQUESTER:
        return see_other("/portal")
    require(actor, Action.READ)
    chosen = catalog_service.platform_filter(session, platform)
    if chosen:
        platforms = [catalog_service.get_platform(session, chosen)]
    else:
        platforms = catalog_service.list_platforms(session)
    context = {
        "platform": platform,
        "period": domain.current_month(clock.now()),
        "overviews": [catalog_service.platform_overview(session, p) for p in platforms],
        "tier_one": catalog_service.all_services(session, platform=platform, tier=1),
        "recent": audit_service.list_entries(session, limit=RECENT_CHANGES).items,
        "open_now": kpis_service.open_incidents(session, actor=actor, platform=platform),
    }
    return render(request, session, "home.html", context)


@router.get("/dashboard/open")
def open_now(
    request: Request, session: DbSession, actor: Actor, platform: Filter = None
) -> Response:
    """The dashboard's live part: open incidents by priority."""
    context = {
        "platform": catalog_service.platform_filter(session, platform),
        "open_now": kpis_service.open_incidents(session, actor=actor, platform=platform),
    }
    return _fragment(request, session, "kpis/_open.html", context)


@router.get("/dashboard/figures")
def figures(
    request: Request, session: DbSession, actor: Actor, platform: Filter = None
) -> Response:
    """This month's headline figures against last month, and the charts of this month."""
    report = kpis_service.dashboard_summary(
        session,
        actor=actor,
        period=domain.current_month(clock.now()),
        platform=catalog_service.platform_filter(session, platform),
    )
    context = {
        "report": report,
        "fmt": formats.FORMATTING,
        "sla_chart": charts.sla_by_squad(report),
        "availability_chart": charts.availability_by_journey(report),
        "noise_chart": charts.noisy_sources(report),
    }
    return _fragment(request, session, "kpis/_dashboard_figures.html", context)


@router.get("/dashboard/trend")
def trend(request: Request, session: DbSession, actor: Actor, platform: Filter = None) -> Response:
    """Incidents per week by priority and the weekly MTTR over the last 12 weeks."""
    weekly = kpis_service.weekly_trend(
        session, actor=actor, platform=catalog_service.platform_filter(session, platform)
    )
    context = {
        "weekly_chart": charts.incidents_per_week(weekly),
        "mttr_chart": charts.mttr_trend(weekly),
    }
    return _fragment(request, session, "kpis/_dashboard_trend.html", context)


@router.get("/dashboard/work")
def work(request: Request, session: DbSession, actor: Actor, platform: Filter = None) -> Response:
    """What is waiting on people: overdue action items and reviews, upcoming changes and
    freezes."""
    platform = catalog_service.platform_filter(session, platform)
    now = clock.now()
    ahead = change_reports.calendar(session, actor=actor, start=now, end=now + AHEAD)
    upcoming = [
        c
        for c in ahead.changes
        if c.status in changes_domain.ACTIVE and (platform is None or c.platform == platform)
    ]
    context = {
        "platform": platform,
        "actions": actions_service.search(
            session, actor=actor, limit=WORK_SHOWN, overdue=True, platform=platform
        ),
        "reviews": reviews_service.search(
            session, actor=actor, limit=WORK_SHOWN, overdue=True, platform=platform
        ),
        "changes": sorted(upcoming, key=lambda c: c.planned_start)[:WORK_SHOWN],
        "freezes": ahead.freezes,
    }
    return _fragment(request, session, "kpis/_dashboard_work.html", context)


@router.get("/dashboard/risks")
def risks(request: Request, session: DbSession, actor: Actor, platform: Filter = None) -> Response:
    """The top risks by expected annual loss, and how many are above appetite."""
    platform = catalog_service.platform_filter(session, platform)
    context = {
        "platform": platform,
        "top": risks_service.ranking(session, actor=actor, platform=platform)[:TOP_RISKS],
        "figures": risks_service.figures(session, actor=actor, platform=platform),
    }
    return _fragment(request, session, "risks/_dashboard.html", context)


@router.get("/dashboard/slos")
def budgets(
    request: Request, session: DbSession, actor: Actor, platform: Filter = None
) -> Response:
    """The SLOs with the least error budget left, each with its burn-down."""
    platform = catalog_service.platform_filter(session, platform)
    found = slo_pages.budgets(session, slos_service.search(session, actor=actor, platform=platform))
    found.sort(key=lambda b: b["budget"].budget_remaining if b["budget"] else 2.0)
    context = {"platform": platform, "budgets": found[:BUDGETS_SHOWN], "total": len(found)}
    return _fragment(request, session, "slos/_dashboard.html", context)

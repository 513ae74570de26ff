"""A service's operations hub: who answers a page for it now, its open incidents, its recent
and upcoming changes, its firing alerts and the state of what it depends on. The catalog's
service page loads it as a fragment; without JavaScript it is a page of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.alerts import reports as alert_reports
from opsroom.alerts.domain import AlertStatus
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import service as catalog_service
from opsroom.changes import service as changes_service
from opsroom.incidents import service as incidents_service
from opsroom.infra import clock
from opsroom.oncall import service as oncall
from opsroom.slos import pages as slo_pages
from opsroom.slos import service as slos
from opsroom.web.pages import render, zone_of

router = APIRouter(include_in_schema=False, dependencies=[can_read])

SHOWN = 10  # incidents, alerts and changes each: the first few, with a link to the rest
CHANGES_WINDOW = timedelta(days=14)  # how far back "recent" and ahead "upcoming" look
TEMPLATE = "hub/_service.html"


@dataclass(frozen=True)
class DependencyState:
    """A dependency at a glance: its open incidents and firing alerts."""

    ref: catalog_schemas.ServiceRef
    incidents: list[Any]
    firing: int

    @property
    def health(self) -> str:
        if self.incidents:
            return "incident"
        return "alerting" if self.firing else "healthy"


def _firing(session: DbSession, actor: Principal, slug: str, limit: int) -> Any:
    return alert_reports.search(
        session, actor=actor, status=AlertStatus.FIRING, service=slug, suppressed=False, limit=limit
    )


def _open_incidents(session: DbSession, actor: Principal, slug: str) -> list[Any]:
    found = incidents_service.search(
        session, actor=actor, service=slug, open_only=True, limit=SHOWN
    )
    return [incidents_service.summary(i) for i in found.items]


def _dependency(session: DbSession, actor: Principal, ref: Any) -> DependencyState:
    return DependencyState(
        ref=ref,
        incidents=_open_incidents(session, actor, ref.slug),
        firing=len(_firing(session, actor, ref.slug, SHOWN).items),
    )


def _changes(session: DbSession, actor: Principal, slug: str) -> dict[str, list[Any]]:
    now = clock.now()
    windows = {"recent": (now - CHANGES_WINDOW, now), "upcoming": (now, now + CHANGES_WINDOW)}
    found = {
        name: changes_service.search(
            session, actor=actor, service=slug, starts_from=start, starts_to=end, limit=SHOWN
        ).items
        for name, (start, end) in windows.items()
    }
    return {
        "recent": [changes_service.summary(c) for c in found["recent"]],
        "upcoming": sorted(
            (changes_service.summary(c) for c in found["upcoming"]), key=lambda c: c.planned_start
        ),
    }


def hub(session: DbSession, actor: Principal, slug: str) -> dict[str, Any]:
    service = catalog_service.get_service(session, slug)
    upstream = catalog_service.dependencies(session, slug).depends_on
    return {
        "service": service,
        "on_call": oncall.who_answers(session, actor=actor, service=slug),
        "incidents": _open_incidents(session, actor, slug),
        "changes": _changes(session, actor, slug),
        "alerts": [alert_reports.read_alert(a) for a in _firing(session, actor, slug, SHOWN).items],
        "dependencies": [_dependency(session, actor, ref) for ref in upstream],
        "slos": slo_pages.budgets(session, slos.search(session, actor=actor, service=slug)),
    }


@router.get("/services/{slug}/operations")
def operations(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    context = {**hub(session, actor, slug), "zone": zone_of(request).key}
    response = render(request, session, "hub/service.html", context, partial=TEMPLATE)
    response.headers["HX-Push-Url"] = "false"  # loaded into the service page: stay on it
    return response

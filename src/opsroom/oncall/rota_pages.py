"""Reading the rota in the browser: who answers a page for a service at a moment, and a
schedule's coming days as a timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.catalog import service as catalog_service
from opsroom.oncall import service as oncall
from opsroom.oncall.timeline import LONGEST
from opsroom.web.pages import Failure, Filter, attempt, in_zone, render, zone_of

router = APIRouter(include_in_schema=False, dependencies=[can_read])


class WhoQuery(BaseModel):
    service: str
    at: AwareDatetime | None = None


@router.get("/oncall/who")
def who_answers(
    request: Request, session: DbSession, actor: Actor, service: Filter = None, at: Filter = None
) -> Response:
    """The service and moment form, and once asked, who is paged first and why them."""
    values = {"service": service, "at": at}
    answer: Any = None
    if service is not None:

        def ask() -> Any:
            moment = in_zone(at, zone_of(request)) if at else None
            query = WhoQuery.model_validate({"service": service, "at": moment})
            return oncall.who_answers(session, actor=actor, service=query.service, at=query.at)

        answer = attempt(session, "who", values, ask)
    failure = answer if isinstance(answer, Failure) else None
    context = {
        "services": catalog_service.all_services(session),
        "asked": values,
        "answer": None if failure else answer,
        "failure": failure,
        "zone": zone_of(request).key,
    }
    status = failure.status if failure else 200
    return render(request, session, "oncall/who.html", context, status=status)


TIMELINE_SPANS = (7, 14)  # the days a timeline offers to show


@router.get("/oncall/schedules/{slug}/timeline")
def schedule_timeline(
    request: Request,
    session: DbSession,
    actor: Actor,
    slug: str,
    days: Annotated[int, Query(ge=1, le=LONGEST)] = TIMELINE_SPANS[0],
) -> Response:
    context = {
        "timeline": oncall.timeline(session, actor=actor, slug=slug, days=days),
        "spans": TIMELINE_SPANS,
        "shown": days,
    }
    return render(request, session, "oncall/timeline.html", context)

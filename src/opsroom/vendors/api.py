"""/api/v1/vendor-engagements: engaging a vendor on an incident, its contract clock, the
vendor's acknowledgement and the credit disputes; /api/v1/vendors/{slug}/scorecard."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import PageOut, RecordId, errors
from opsroom.vendors import contracts, reports, schemas, service
from opsroom.vendors.domain import review_period

router = APIRouter(prefix="/api/v1", tags=["vendors"])


@router.get("/vendor-engagements", responses=errors(404))
def list_engagements(
    session: DbSession,
    actor: Actor,
    platform: PlatformFilter,
    incident: Annotated[str | None, Query(description="an incident key: its engagements")] = None,
    vendor: Annotated[str | None, Query(description="a vendor slug: its engagements")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.EngagementRead]:
    """Vendor engagements newest first, each with its response and resolution verdicts: on
    an incident, of a vendor, on a platform's incidents, or any of these together."""
    page = service.search(
        session,
        actor=actor,
        incident=incident,
        vendor=vendor,
        platform=platform,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(items=[service.read(e) for e in page.items], next_cursor=page.next_cursor)


@router.post(
    "/vendor-engagements",
    status_code=status.HTTP_201_CREATED,
    responses=errors(404, 409),
)
def engage(
    session: DbSession, actor: Actor, data: schemas.EngagementRequest
) -> schemas.EngagementRead:
    """Engage a vendor running or supporting one of the incident's services: its contract
    clock starts and its escalation ladder climbs until it acknowledges. Refused (422) for a
    vendor that supports none of them, (409) twice or on a resolved incident."""
    engagement = service.engage(session, actor=actor, key=data.incident, data=data)
    return service.read(engagement)


@router.get("/vendor-engagements/{engagement_id}", responses=errors(404))
def show(session: DbSession, actor: Actor, engagement_id: RecordId) -> schemas.EngagementRead:
    return service.read(service.get(session, actor=actor, engagement_id=engagement_id))


@router.post("/vendor-engagements/{engagement_id}/acknowledge", responses=errors(404, 409))
def acknowledge(
    session: DbSession, actor: Actor, engagement_id: RecordId
) -> schemas.EngagementRead:
    """The vendor responds: the response clock stops, the ladder climbs no further."""
    found = service.acknowledge(session, actor=actor, engagement_id=engagement_id)
    return service.read(found)


@router.post("/vendor-engagements/{engagement_id}/dispute", responses=errors(404, 409))
def dispute(
    session: DbSession, actor: Actor, engagement_id: RecordId, data: schemas.DisputeIn
) -> schemas.EngagementRead:
    """Contest the service credit owed, with a note; 409 unless a credit is owed."""
    found = service.dispute(session, actor=actor, engagement_id=engagement_id, data=data)
    return service.read(found)


@router.post("/vendor-engagements/{engagement_id}/settle", responses=errors(404, 409))
def settle(
    session: DbSession, actor: Actor, engagement_id: RecordId, data: schemas.SettlementIn
) -> schemas.EngagementRead:
    """Settle a disputed credit as upheld or waived, with a note (operations managers)."""
    found = service.settle(session, actor=actor, engagement_id=engagement_id, data=data)
    return service.read(found)


@router.get(
    "/vendors/{slug}/scorecard",
    responses={
        **errors(404),
        200: {"content": {media: {} for media in reports.MEDIA.values()}},
    },
)
def scorecard(
    session: DbSession,
    actor: Actor,
    slug: str,
    quarter: str | None = Query(None, description="a whole quarter, e.g. 2026Q3"),
    since: date | None = None,
    until: date | None = None,
    format: reports.Format = reports.Format.JSON,
) -> Response:
    """The vendor's scorecard for a quarter or the days `since` to `until`, as JSON or as a
    review pack (md, html, csv); 422 for a malformed quarter, a quarter given with days, or a
    period that ends before it starts."""
    first, last = review_period(quarter, since, until)
    card = reports.scorecard(session, actor=actor, slug=slug, since=first, until=last)
    return Response(reports.pack(card, format), media_type=reports.MEDIA[format])


@router.get("/vendors/{slug}/contract", responses=errors(404))
def contract(session: DbSession, actor: Actor, slug: str) -> schemas.ContractRead:
    """The vendor's contract: its term, support level, renewal reminder and state."""
    return contracts.read(contracts.get(session, actor=actor, slug=slug))


@router.put("/vendors/{slug}/contract", responses=errors(404, 409))
def set_contract(
    session: DbSession, actor: Actor, slug: str, data: schemas.ContractIn
) -> schemas.ContractRead:
    """Record the contract or its renewal (operations managers); the reminder to renew is
    timed anew. 422 when it ends before it starts, 409 from a stale version."""
    return contracts.read(contracts.set_contract(session, actor=actor, slug=slug, data=data))

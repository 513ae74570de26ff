"""/api/v1/oncall: schedules, overrides, who is on call, escalation policies, paging."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from pydantic import AwareDatetime, EmailStr

from opsroom.auth.deps import Actor, DbSession, current_principal
from opsroom.auth.domain import Principal
from opsroom.catalog.platform_filters import PlatformFilter
from opsroom.infra.apidoc import PageOut, RecordId, errors
from opsroom.infra.errors import Unauthenticated
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.notify.domain import Delivery
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall

router = APIRouter(prefix="/api/v1", tags=["on-call"])


@router.get("/oncall/now", responses=errors(404))
def on_call_now(
    session: DbSession,
    actor: Actor,
    squad: str | None = None,
    service: Annotated[str | None, Query(description="its owner squad's schedules")] = None,
    at: Annotated[AwareDatetime | None, Query(description="another moment than now")] = None,
) -> list[schemas.OnCallRead]:
    return oncall.on_call(session, actor=actor, squad=squad, service=service, at=at)


@router.get("/oncall/who", responses=errors(422))
def who_answers(
    session: DbSession,
    actor: Actor,
    service: Annotated[str, Query(max_length=80)],
    at: Annotated[AwareDatetime | None, Query(description="another moment than now")] = None,
) -> schemas.ServiceOnCallRead:
    """Who the service's first escalation level pages, and the layer or override deciding it."""
    return oncall.who_answers(session, actor=actor, service=service, at=at)


@router.get("/oncall/my-shifts", responses=errors())
def my_shifts(
    session: DbSession, actor: Actor, days: Annotated[int, Query(ge=1, le=366)] = 28
) -> list[schemas.ShiftRead]:
    return oncall.my_shifts(session, actor=actor, days=days)


@router.get("/schedules", responses=errors())
def list_schedules(
    session: DbSession, actor: Actor, platform: PlatformFilter, squad: str | None = None
) -> list[schemas.ScheduleRead]:
    found = oncall.list_schedules(session, actor=actor, squad=squad, platform=platform)
    return [schemas.ScheduleRead.model_validate(s) for s in found]


@router.post("/schedules", status_code=status.HTTP_201_CREATED, responses=errors(404, 409))
def create_schedule(
    session: DbSession, actor: Actor, data: schemas.ScheduleCreate
) -> schemas.ScheduleRead:
    created = oncall.create_schedule(session, actor=actor, data=data)
    return schemas.ScheduleRead.model_validate(created)


ICS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "An iCalendar feed"}
}


@router.post("/schedules/import", status_code=status.HTTP_201_CREATED, responses=errors(404, 409))
def import_schedule(
    session: DbSession, actor: Actor, data: schemas.ScheduleImport
) -> schemas.ScheduleRead:
    """A schedule from an .ics file: occurrences (RRULE/RDATE/EXDATE expanded) become overrides."""
    return schemas.ScheduleRead.model_validate(
        oncall.import_schedule(session, actor=actor, data=data)
    )


async def _signed_in_or_none(request: Request) -> Principal | None:
    try:
        return await current_principal(request)
    except Unauthenticated:
        return None


FeedCaller = Annotated[Principal | None, Depends(_signed_in_or_none)]
FeedToken = Annotated[str | None, Query(max_length=100, description="the subscribe URL's token")]
FeedDays = Annotated[int, Query(ge=1, le=366)]


def _feed_actor(
    session: DbSession, caller: Principal | None, kind: str, key: str, token: str | None
) -> Principal:
    """Signed in: the caller. Otherwise the URL's token must match (404 if not)."""
    if caller is not None and token is None:
        return caller
    return oncall.feed_reader(session, kind=kind, key=key, token=token or "")


@router.get(
    "/schedules/{slug}/calendar.ics", response_class=Response, responses={**errors(404), **ICS}
)
def schedule_calendar(
    session: DbSession, caller: FeedCaller, slug: str, token: FeedToken = None, days: FeedDays = 90
) -> Response:
    """One VEVENT per shift, times in UTC, UIDs stable across exports. Calendar applications
    subscribe with the `token` shown on the schedule's page; without a valid one (and not
    signed in) the answer is 404."""
    actor = _feed_actor(session, caller, oncall.SCHEDULE_FEED, slug, token)
    feed = oncall.schedule_feed(session, actor=actor, slug=slug, days=days)
    return Response(feed, media_type="text/calendar")


@router.get("/people/{email}/oncall.ics", response_class=Response, responses={**errors(404), **ICS})
def person_calendar(
    session: DbSession,
    caller: FeedCaller,
    email: EmailStr,
    token: FeedToken = None,
    days: FeedDays = 90,
) -> Response:
    """A person's shifts across every schedule; subscribe with the `token` shown on the
    on-call page."""
    actor = _feed_actor(session, caller, oncall.PERSON_FEED, str(email), token)
    return Response(
        oncall.person_feed(session, actor=actor, person=str(email), days=days),
        media_type="text/calendar",
    )


@router.post("/schedules/{slug}/calendar-token", responses=errors(404))
def rotate_schedule_feed(session: DbSession, actor: Actor, slug: str) -> schemas.FeedTokenRead:
    """A new token for the schedule's feed; earlier subscribe URLs answer 404 from now on."""
    token = oncall.rotate_feed_token(session, actor=actor, kind=oncall.SCHEDULE_FEED, key=slug)
    return schemas.FeedTokenRead(token=token)


@router.post("/people/{email}/calendar-token", responses=errors())
def rotate_person_feed(session: DbSession, actor: Actor, email: EmailStr) -> schemas.FeedTokenRead:
    """A new token for a person's feed (one's own, or anyone's for an administrator)."""
    token = oncall.rotate_feed_token(session, actor=actor, kind=oncall.PERSON_FEED, key=str(email))
    return schemas.FeedTokenRead(token=token)


@router.get("/schedules/{slug}", responses=errors(404))
def get_schedule(session: DbSession, actor: Actor, slug: str) -> schemas.ScheduleRead:
    return schemas.ScheduleRead.model_validate(oncall.get_schedule(session, actor=actor, slug=slug))


@router.patch("/schedules/{slug}", responses=errors(404, 409))
def update_schedule(
    session: DbSession, actor: Actor, slug: str, data: schemas.ScheduleUpdate
) -> schemas.ScheduleRead:
    """Rename, move to another zone or replace the layers; `version` guards against edits
    from a stale copy (409)."""
    updated = oncall.update_schedule(session, actor=actor, slug=slug, data=data)
    return schemas.ScheduleRead.model_validate(updated)


@router.post(
    "/schedules/{slug}/layers", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def add_layer(
    session: DbSession, actor: Actor, slug: str, data: schemas.LayerAdd
) -> schemas.ScheduleRead:
    """Add a layer on top of the others (the highest rank wins); answers the schedule."""
    added = oncall.add_layer(session, actor=actor, slug=slug, data=data)
    return schemas.ScheduleRead.model_validate(added)


LayerRank = Annotated[int, Path(ge=0, le=99, description="0 is the lowest layer")]


@router.patch("/schedules/{slug}/layers/{rank}", responses=errors(404, 409))
def update_layer(
    session: DbSession, actor: Actor, slug: str, rank: LayerRank, data: schemas.LayerUpdate
) -> schemas.ScheduleRead:
    """Change the given fields of one layer; `version` is the schedule's."""
    updated = oncall.update_layer(session, actor=actor, slug=slug, rank=rank, data=data)
    return schemas.ScheduleRead.model_validate(updated)


@router.delete("/schedules/{slug}/layers/{rank}", responses=errors(404, 409))
def remove_layer(
    session: DbSession,
    actor: Actor,
    slug: str,
    rank: LayerRank,
    version: Annotated[int, Query(ge=1)],
) -> schemas.ScheduleRead:
    """Take one layer out (the ones above move down a rank); answers the schedule."""
    left = oncall.remove_layer(session, actor=actor, slug=slug, rank=rank, version=version)
    return schemas.ScheduleRead.model_validate(left)


@router.delete("/schedules/{slug}", responses=errors(404, 409))
def delete_schedule(
    session: DbSession, actor: Actor, slug: str, version: Annotated[int, Query(ge=1)]
) -> schemas.ScheduleRead:
    """Delete a schedule; answers what it was. 409 while an escalation policy names it."""
    return oncall.delete_schedule(session, actor=actor, slug=slug, version=version)


@router.get("/schedules/{slug}/coverage", responses=errors(404))
def coverage(
    session: DbSession,
    actor: Actor,
    slug: str,
    days: Annotated[int, Query(ge=1, le=366)] = 14,
    start: AwareDatetime | None = None,
) -> schemas.CoverageRead:
    """The final schedule for the coming days: shifts, coverage gaps, and each person's load."""
    return oncall.coverage(session, actor=actor, slug=slug, days=days, start=start)


@router.post(
    "/schedules/{slug}/overrides", status_code=status.HTTP_201_CREATED, responses=errors(404)
)
def add_override(
    session: DbSession, actor: Actor, slug: str, data: schemas.OverrideIn
) -> schemas.OverrideRead:
    created = oncall.add_override(session, actor=actor, slug=slug, data=data)
    return schemas.OverrideRead.model_validate(created)


@router.patch("/schedules/{slug}/overrides/{override_id}", responses=errors(404, 409))
def update_override(
    session: DbSession, actor: Actor, slug: str, override_id: RecordId, data: schemas.OverrideUpdate
) -> schemas.OverrideRead:
    """Replace an override's person, window and reason; `version` is the schedule's."""
    updated = oncall.update_override(
        session, actor=actor, slug=slug, override_id=override_id, data=data
    )
    return schemas.OverrideRead.model_validate(updated)


@router.delete("/schedules/{slug}/overrides/{override_id}", responses=errors(404))
def remove_override(
    session: DbSession, actor: Actor, slug: str, override_id: RecordId
) -> schemas.ScheduleRead:
    """Remove an override; returns the schedule as it now is."""
    schedule = oncall.remove_override(session, actor=actor, slug=slug, override_id=override_id)
    return schemas.ScheduleRead.model_validate(schedule)


@router.get("/escalation-policies", responses=errors())
def list_policies(session: DbSession, actor: Actor) -> list[schemas.PolicyRead]:
    return [
        schemas.PolicyRead.model_validate(p) for p in oncall.list_policies(session, actor=actor)
    ]


@router.post(
    "/escalation-policies", status_code=status.HTTP_201_CREATED, responses=errors(404, 409)
)
def create_policy(
    session: DbSession, actor: Actor, data: schemas.PolicyCreate
) -> schemas.PolicyRead:
    return schemas.PolicyRead.model_validate(oncall.create_policy(session, actor=actor, data=data))


@router.get("/escalation-policies/{slug}", responses=errors(404))
def get_policy(session: DbSession, actor: Actor, slug: str) -> schemas.PolicyRead:
    return schemas.PolicyRead.model_validate(oncall.get_policy(session, actor=actor, slug=slug))


@router.patch("/escalation-policies/{slug}", responses=errors(404, 409))
def update_policy(
    session: DbSession, actor: Actor, slug: str, data: schemas.PolicyUpdate
) -> schemas.PolicyRead:
    updated = oncall.update_policy(session, actor=actor, slug=slug, data=data)
    return schemas.PolicyRead.model_validate(updated)


@router.delete("/escalation-policies/{slug}", responses=errors(404, 409))
def delete_policy(
    session: DbSession, actor: Actor, slug: str, version: Annotated[int, Query(ge=1)]
) -> schemas.PolicyRead:
    """Delete a policy; answers what it was. Escalations walking it stop at their next step."""
    return oncall.delete_policy(session, actor=actor, slug=slug, version=version)


@router.get("/incidents/{key}/escalation", responses=errors(404))
def get_escalation(session: DbSession, actor: Actor, key: str) -> schemas.EscalationRead:
    escalation = oncall.get_escalation(session, actor=actor, incident=key)
    return schemas.EscalationRead.model_validate(escalation)


@router.post("/pages", status_code=status.HTTP_202_ACCEPTED, responses=errors(409))
def page(session: DbSession, actor: Actor, data: schemas.PageIn) -> list[str]:
    """Page a person, a squad's on-call or a schedule's on-call now; returns who is paged."""
    return oncall.page(session, actor=actor, data=data)


@router.get("/notifications", responses=errors())
def notification_log(
    session: DbSession,
    actor: Actor,
    incident: str | None = None,
    person: str | None = None,
    status_: Annotated[Delivery | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[notify_schemas.NotificationRead]:
    found = notify.log(
        session,
        actor=actor,
        incident=incident,
        person=person,
        status=status_,
        limit=limit,
        cursor=cursor,
    )
    items = [notify_schemas.NotificationRead.model_validate(m).seen_by(actor) for m in found.items]
    return PageOut(items=items, next_cursor=found.next_cursor)


@router.get("/people/{email}/contact-methods", responses=errors())
def contact_methods(
    session: DbSession, actor: Actor, email: EmailStr
) -> list[notify_schemas.ContactMethodRead]:
    found = notify.contact_methods(session, actor=actor, person=str(email))
    return [notify_schemas.ContactMethodRead.model_validate(m).seen_by(actor) for m in found]


@router.post(
    "/people/{email}/contact-methods", status_code=status.HTTP_201_CREATED, responses=errors()
)
def add_contact_method(
    session: DbSession, actor: Actor, email: EmailStr, data: notify_schemas.ContactMethodIn
) -> notify_schemas.ContactMethodRead:
    created = notify.add_contact_method(session, actor=actor, person=str(email), data=data)
    return notify_schemas.ContactMethodRead.model_validate(created)


@router.get("/people/{email}/notification-rules", responses=errors())
def notification_rules(
    session: DbSession, actor: Actor, email: EmailStr
) -> list[notify_schemas.RuleRead]:
    found = notify.rules(session, actor=actor, person=str(email))
    return [notify_schemas.RuleRead.model_validate(r) for r in found]


@router.post(
    "/people/{email}/notification-rules", status_code=status.HTTP_201_CREATED, responses=errors(404)
)
def add_notification_rule(
    session: DbSession, actor: Actor, email: EmailStr, data: notify_schemas.RuleIn
) -> notify_schemas.RuleRead:
    created = notify.add_rule(session, actor=actor, person=str(email), data=data)
    return notify_schemas.RuleRead.model_validate(created)

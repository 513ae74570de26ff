"""On-call in the browser: who is on call now, schedules with their coming weeks and gaps,
the policy editor, the notification log, and the acknowledge link from a page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, AppSettings, DbSession, can_read
from opsroom.auth.domain import Action, Principal, Role, decide
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra.apidoc import RecordId
from opsroom.infra.errors import Conflict, Forbidden, ValidationFailed
from opsroom.notify import domain as notify_domain
from opsroom.notify import service as notify
from opsroom.notify.domain import Delivery
from opsroom.oncall import domain, schemas
from opsroom.oncall import service as oncall
from opsroom.oncall.setup_pages import participants
from opsroom.web.pages import (
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    render,
    saved_or_again,
    settings_of,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# Reached from a notification by someone who may not be signed in: the signed token is the key.
links = APIRouter(include_in_schema=False)

WEEKS_SHOWN = 4


@router.get("/oncall")
def on_call(request: Request, session: DbSession, actor: Actor, platform: ListPlatform) -> Response:
    context = {
        "now": oncall.on_call(session, actor=actor),
        "schedules": oncall.list_schedules(session, actor=actor, platform=platform),
        "policies": oncall.list_policies(session, actor=actor),
        "mine": oncall.my_shifts(session, actor=actor)[:5],
        "my_feed": _feed_url(request, session, oncall.PERSON_FEED, actor.name),
        "services": catalog.all_services(session),
        "zone": settings_of(request).timezone,
        "may_set_up": decide(actor, Action.EDIT_SQUAD_ITEMS).allowed,
    }
    return render(request, session, "oncall/index.html", context)


@router.get("/oncall/widget")
def widget(request: Request, session: DbSession, actor: Actor) -> Response:
    template = "oncall/_now.html"
    context = {"now": oncall.on_call(session, actor=actor)}
    return render(request, session, template, context, partial=template)


def _schedule_page(
    request: Request, session: DbSession, actor: Actor, slug: str, failure: Failure | None = None
) -> Response:
    schedule = oncall.get_schedule(session, actor=actor, slug=slug)
    report = oncall.coverage(session, actor=actor, slug=slug, days=7 * WEEKS_SHOWN)
    context = {
        "schedule": schedule,
        "layers": [_layer_form_values(layer) for layer in schedule.layers],
        "overrides": [_override_form_values(o) for o in schedule.overrides],
        "units": list(domain.ShiftUnit),
        "report": report,
        "days": _calendar(report, schedule.zone),
        "failure": failure,
        "feed_url": _feed_url(request, session, oncall.SCHEDULE_FEED, slug),
    }
    status = failure.status if failure else 200
    return render(request, session, "oncall/schedule.html", context, status=status)


def _layer_form_values(layer: Any) -> dict[str, Any]:
    """A layer as its edit form shows it: participants and restrictions one a line."""
    read = schemas.LayerRead.model_validate(layer)
    return {
        "rank": read.rank,
        "name": read.name,
        "participants": read.participants,
        "start": read.start.astimezone(ZoneInfo(read.zone)).isoformat(timespec="minutes"),
        "zone": read.zone,
        "length": read.length,
        "unit": read.unit,
        "restrictions": [
            domain.restriction_text(r.weekdays, r.start, r.end) for r in read.restrictions
        ],
    }


def _override_form_values(override: Any) -> dict[str, Any]:
    read = schemas.OverrideRead.model_validate(override)
    return {
        "id": read.id,
        "person": read.person,
        "reason": read.reason,
        "start": read.start.isoformat(timespec="minutes"),
        "end": read.end.isoformat(timespec="minutes"),
    }


def _feed_url(request: Request, session: DbSession, kind: str, key: str) -> str:
    """The subscribe URL of a schedule's or a person's calendar feed, with its secret token."""
    path = (
        f"schedules/{key}/calendar.ics"
        if kind == oncall.SCHEDULE_FEED
        else f"people/{key}/oncall.ics"
    )
    token = oncall.feed_token(session, kind=kind, key=key)
    return f"{settings_of(request).base_url.rstrip('/')}/api/v1/{path}?token={token}"


@router.post("/oncall/schedules/{slug}/feed")
def rotate_schedule_feed(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    oncall.rotate_feed_token(session, actor=actor, kind=oncall.SCHEDULE_FEED, key=slug)
    return RedirectResponse(f"/oncall/schedules/{slug}#feed", status_code=303)


@router.post("/oncall/feed")
def rotate_my_feed(request: Request, session: DbSession, actor: Actor) -> Response:
    oncall.rotate_feed_token(session, actor=actor, kind=oncall.PERSON_FEED, key=actor.name)
    return RedirectResponse("/oncall#my-feed", status_code=303)


def _calendar(report: schemas.CoverageRead, zone: str) -> list[tuple[date, list[dict[str, Any]]]]:
    """Each local day's shifts as '09:00-17:00' spans entries, gaps marked."""
    tz = ZoneInfo(zone)
    shifts = [domain.Shift(s.person, s.start, s.end) for s in report.shifts]
    return [
        (day, [{"person": s.person, "hours": _local_span(s, tz)} for s in cut])
        for day, cut in domain.by_day(shifts, zone)
    ]


def _local_span(s: domain.Shift, tz: ZoneInfo) -> str:
    start, end = s.start.astimezone(tz), s.end.astimezone(tz)
    return f"{start:%H:%M}-{'24:00' if end.date() > start.date() else f'{end:%H:%M}'}"


@router.get("/oncall/schedules/{slug}")
def schedule_page(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    return _schedule_page(request, session, actor, slug)


def held_version(values: dict[str, Any]) -> int:
    """The version the page was loaded at, as a form posts it."""
    held = str(values.get("version") or "")
    if not held.isdigit():
        raise ValidationFailed("reload the page and try again", fields={"version": "missing"})
    return int(held)


def fields_of(form: FormData, names: set[str]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if k in names}


def _on_schedule_page(
    request: Request, session: DbSession, actor: Actor, slug: str, *, form: str, anchor: str = ""
) -> Callable[[dict[str, Any], Callable[[], Any]], Response]:
    """Submits a form of the schedule page: back to it (at `anchor`) once saved, or the page
    again with the refusal next to that form."""
    page = partial(_schedule_page, request, session, actor, slug)
    return partial(
        saved_or_again, session, form, page=page, then=f"/oncall/schedules/{slug}{anchor}"
    )


OVERRIDE_FIELDS = {"person", "start", "end", "reason"}


@router.post("/oncall/schedules/{slug}/overrides")
def add_override(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    values = fields_of(form, OVERRIDE_FIELDS)
    submit = _on_schedule_page(request, session, actor, slug, form="override", anchor="#overrides")
    return submit(
        values,
        lambda: oncall.add_override(
            session, actor=actor, slug=slug, data=schemas.OverrideIn.model_validate(values)
        ),
    )


@router.post("/oncall/schedules/{slug}/overrides/{override_id}")
def update_override(
    request: Request,
    session: DbSession,
    actor: Actor,
    slug: str,
    override_id: RecordId,
    form: Posted,
) -> Response:
    values = fields_of(form, OVERRIDE_FIELDS | {"version"})
    submit = _on_schedule_page(
        request, session, actor, slug, form=f"override-{override_id}", anchor="#overrides"
    )
    return submit(
        values,
        lambda: oncall.update_override(
            session,
            actor=actor,
            slug=slug,
            override_id=override_id,
            data=schemas.OverrideUpdate.model_validate(values),
        ),
    )


@router.post("/oncall/schedules/{slug}/overrides/{override_id}/delete")
def remove_override(
    request: Request, session: DbSession, actor: Actor, slug: str, override_id: RecordId
) -> Response:
    oncall.remove_override(session, actor=actor, slug=slug, override_id=override_id)
    return RedirectResponse(f"/oncall/schedules/{slug}#overrides", status_code=303)


LAYER_FIELDS = {
    "version",
    "name",
    "participants",
    "start",
    "zone",
    "length",
    "unit",
    "restrictions",
}


def _layer_values(form: FormData) -> dict[str, Any]:
    """Participants and restrictions one a line (or comma-separated participants)."""
    values = fields_of(form, LAYER_FIELDS)
    if "participants" in values:
        values["participants"] = participants(str(values["participants"]))
    if "restrictions" in values:
        values["restrictions"] = [
            line for line in str(values["restrictions"]).splitlines() if line.strip()
        ]
    return values


def _layer_input(values: dict[str, Any]) -> dict[str, Any]:
    parsed = dict(values)
    if "restrictions" in values:
        parsed["restrictions"] = [domain.restriction_from_text(r) for r in values["restrictions"]]
    return parsed


@router.post("/oncall/schedules/{slug}/layers")
def add_layer(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    values = _layer_values(form)
    submit = _on_schedule_page(request, session, actor, slug, form="layer", anchor="#layers")
    return submit(
        values,
        lambda: oncall.add_layer(
            session,
            actor=actor,
            slug=slug,
            data=schemas.LayerAdd.model_validate(_layer_input(values)),
        ),
    )


@router.post("/oncall/schedules/{slug}/layers/{rank}")
def update_layer(
    request: Request, session: DbSession, actor: Actor, slug: str, rank: int, form: Posted
) -> Response:
    values = _layer_values(form)
    submit = _on_schedule_page(
        request, session, actor, slug, form=f"layer-{rank}", anchor="#layers"
    )
    return submit(
        values,
        lambda: oncall.update_layer(
            session,
            actor=actor,
            slug=slug,
            rank=rank,
            data=schemas.LayerUpdate.model_validate(_layer_input(values)),
        ),
    )


@router.post("/oncall/schedules/{slug}/layers/{rank}/delete")
def remove_layer(
    request: Request, session: DbSession, actor: Actor, slug: str, rank: int, form: Posted
) -> Response:
    values = fields_of(form, {"version"})
    submit = _on_schedule_page(
        request, session, actor, slug, form=f"layer-{rank}", anchor="#layers"
    )
    return submit(
        values,
        lambda: oncall.remove_layer(
            session, actor=actor, slug=slug, rank=rank, version=held_version(values)
        ),
    )


@router.post("/oncall/schedules/{slug}")
def update_schedule(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    values = fields_of(form, {"version", "name", "zone"})
    submit = _on_schedule_page(request, session, actor, slug, form="schedule")
    return submit(
        values,
        lambda: oncall.update_schedule(
            session, actor=actor, slug=slug, data=schemas.ScheduleUpdate.model_validate(values)
        ),
    )


@router.post("/oncall/schedules/{slug}/delete")
def delete_schedule(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    remove = partial(oncall.delete_schedule, session, actor=actor, slug=slug)
    return deleted(
        session, "schedule", form, remove, partial(_schedule_page, request, session, actor, slug)
    )


def deleted(
    session: DbSession,
    kind: str,
    form: FormData,
    remove: Callable[..., Any],
    page: Callable[[Failure], Response],
) -> Response:
    """A delete button: `remove(version=...)` with the version the page was loaded at, then
    on to the on-call page; or the page again with the refusal."""
    values = fields_of(form, {"version"})

    def change() -> Any:
        return remove(version=held_version(values))

    return saved_or_again(session, kind, values, change, page=page, then="/oncall")


# --- the notification log -----------------------------------------------------------------


@router.get("/notifications")
def notification_log(
    request: Request,
    session: DbSession,
    actor: Actor,
    status: Annotated[Delivery | None, BlankIsNone] = None,
    incident: Filter = None,
    person: Filter = None,
    cursor: Filter = None,
) -> Response:
    page = notify.log(
        session, actor=actor, status=status, incident=incident, person=person, cursor=cursor
    )
    context = {
        "page": page,
        "statuses": list(Delivery),
        "filters": {"status": status, "incident": incident, "person": person},
    }
    return render(request, session, "notify/log.html", context, partial="notify/_rows.html")


# --- acknowledging from a notification ----------------------------------------------------


def _check_link(settings: AppSettings, incident: str, person: str, token: str) -> None:
    secret = settings.signing_secret.get_secret_value()
    if not notify_domain.ack_token_valid(secret, incident=incident, person=person, token=token):
        raise Forbidden("this acknowledge link is not valid")


@links.get("/oncall/ack")
def acknowledge_link(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    incident: Annotated[str, Query(max_length=40)],
    person: Annotated[str, Query(max_length=320)],
    token: Annotated[str, Query(max_length=64)],
) -> Response:
    """A confirmation button, so that mail scanners following links acknowledge nothing."""
    _check_link(settings, incident, person, token)
    context = {"incident": incident, "person": person, "token": token, "done": None}
    return render(request, session, "oncall/ack.html", context)


@links.post("/oncall/ack")
def acknowledge(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    incident: Annotated[str, Query(max_length=40)],
    person: Annotated[str, Query(max_length=320)],
    token: Annotated[str, Query(max_length=64)],
) -> Response:
    _check_link(settings, incident, person, token)
    responder = Principal(name=person, role=Role.RESPONDER, via="link")
    move = incident_schemas.TransitionIn(note="acknowledged from the page")
    try:
        incidents.transition(
            session, actor=responder, key=incident, move=Transition.ACKNOWLEDGE, data=move
        )
        done = f"{incident} is acknowledged: escalation stopped."
    except (Conflict, ValidationFailed) as exc:
        session.rollback()
        done = exc.message
    context = {"incident": incident, "person": person, "token": token, "done": done}
    return render(request, session, "oncall/ack.html", context)

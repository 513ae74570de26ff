"""Schedules with layers and overrides, and who is on call: now, coverage and fairness."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.notify import service as notify
from opsroom.oncall import domain, schemas
from opsroom.oncall.access import require_squad_rights
from opsroom.oncall.models import EscalationPolicy, OnCallLayer, OnCallOverride, OnCallSchedule

# --- schedules ----------------------------------------------------------------------------


def new_layer(data: schemas.LayerIn, rank: int) -> OnCallLayer:
    """A layer its rules accept (ValidationFailed names the layer's own fields otherwise)."""
    layer = OnCallLayer(
        rank=rank,
        name=data.name,
        participants=[str(p) for p in data.participants],
        start=data.start,
        zone=data.zone,
        length=data.length,
        unit=data.unit,
        restrictions=[
            {"weekdays": r.weekdays, "start": r.start.isoformat(), "end": r.end.isoformat()}
            for r in data.restrictions
        ],
    )
    layer_rule(layer)
    return layer


def _layers(layers: list[schemas.LayerIn]) -> list[OnCallLayer]:
    built = []
    for rank, data in enumerate(layers):
        try:
            built.append(new_layer(data, rank))
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, fields={f"layers.{rank}.{k}": v for k, v in exc.fields.items()}
            ) from None
    return built


def create_schedule(
    session: Session, *, actor: Principal, data: schemas.ScheduleCreate
) -> OnCallSchedule:
    require_squad_rights(session, actor, data.squad)
    domain.check_zone(data.zone)
    if session.scalar(select(OnCallSchedule.id).where(OnCallSchedule.slug == data.slug)):
        raise Conflict(f"schedule '{data.slug}' exists", fields={"slug": "taken"})
    schedule = OnCallSchedule(
        slug=data.slug,
        name=data.name,
        squad_slug=data.squad,
        zone=data.zone,
        layers=_layers(data.layers),
    )
    session.add(schedule)
    SCHEDULE.audited(
        session, schedule, actor, "schedule.created", None, after=data.model_dump(mode="json")
    )
    return schedule


def get_schedule(session: Session, *, actor: Principal, slug: str) -> OnCallSchedule:
    require(actor, Action.READ)
    schedule = session.scalar(
        select(OnCallSchedule)
        .where(OnCallSchedule.slug == slug)
        .options(selectinload(OnCallSchedule.layers), selectinload(OnCallSchedule.overrides))
    )
    if schedule is None:
        raise NotFound(f"no schedule '{slug}'")
    return schedule


def list_schedules(
    session: Session, *, actor: Principal, squad: str | None = None, platform: str | None = None
) -> list[OnCallSchedule]:
    """Schedules, or a squad's, or those of the squads of a platform."""
    require(actor, Action.READ)
    query = select(OnCallSchedule).options(
        selectinload(OnCallSchedule.layers), selectinload(OnCallSchedule.overrides)
    )
    if squad:
        query = query.where(OnCallSchedule.squad_slug == squad)
    if platform:
        query = query.where(OnCallSchedule.squad_slug.in_(catalog.squads_on(platform)))
    return list(session.scalars(query.order_by(OnCallSchedule.slug)))


def update_schedule(
    session: Session, *, actor: Principal, slug: str, data: schemas.ScheduleUpdate
) -> OnCallSchedule:
    def change(schedule: OnCallSchedule) -> None:
        if data.zone is not None:
            domain.check_zone(data.zone)
        if data.layers is not None:
            schedule.layers = _layers(data.layers)
        schedule.name = data.name or schedule.name
        schedule.zone = data.zone or schedule.zone

    return edit_schedule(session, actor, slug, data.version, "schedule.updated", change)


def edit_schedule(
    session: Session,
    actor: Principal,
    slug: str,
    version: int,
    action: str,
    change: Callable[[OnCallSchedule], Any],
) -> OnCallSchedule:
    """Check the squad's right and the version, make the change, bump the version and audit
    the schedule before and after."""
    schedule = get_schedule(session, actor=actor, slug=slug)
    require_squad_rights(session, actor, schedule.squad_slug)
    SCHEDULE.held(schedule, version)
    before = snapshot(schedule)
    change(schedule)
    return SCHEDULE.saved(session, schedule, actor, action, before)


def delete_schedule(
    session: Session, *, actor: Principal, slug: str, version: int
) -> schemas.ScheduleRead:
    """Delete a schedule no escalation policy names (409 names the policies that do);
    returns what it was."""
    schedule = get_schedule(session, actor=actor, slug=slug)
    require_squad_rights(session, actor, schedule.squad_slug)
    SCHEDULE.held(schedule, version)
    users = policies_naming(session, domain.Target(domain.TargetKind.SCHEDULE, slug))
    if users:
        raise Conflict(
            f"schedule '{slug}' is used by escalation policy {', '.join(users)}: "
            "take it out of their levels first",
            fields={"slug": f"used by {', '.join(users)}"},
        )
    gone = schemas.ScheduleRead.model_validate(schedule)
    SCHEDULE.removed(session, schedule, actor, "schedule.deleted")
    return gone


def policies_naming(session: Session, target: domain.Target) -> list[str]:
    """The escalation policies with a level that pages this target."""
    return [
        policy.slug
        for policy in session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.slug))
        if any(
            (t["kind"], t["ref"]) == (target.kind, target.ref)
            for level in policy.levels
            for t in level["targets"]
        )
    ]


def snapshot(schedule: OnCallSchedule) -> dict[str, Any]:
    return schemas.ScheduleRead.model_validate(schedule).model_dump(mode="json")


SCHEDULE = Record("schedule", snapshot, key=attrgetter("slug"), named="schedule '{key}'")


def add_override(
    session: Session, *, actor: Principal, slug: str, data: schemas.OverrideIn
) -> OnCallOverride:
    schedule = SCHEDULE.held(get_schedule(session, actor=actor, slug=slug), None)
    require_squad_rights(session, actor, schedule.squad_slug)
    _check_window(data)
    override = OnCallOverride(
        person=str(data.person),
        start=data.start,
        end=data.end,
        reason=data.reason,
        created_by=str(actor),
    )
    schedule.overrides.append(override)
    schedule.version += 1
    SCHEDULE.audited(
        session,
        schedule,
        actor,
        "schedule.override_added",
        None,
        after=data.model_dump(mode="json"),
    )
    return override


def update_override(
    session: Session,
    *,
    actor: Principal,
    slug: str,
    override_id: int,
    data: schemas.OverrideUpdate,
) -> OnCallOverride:
    """Change who covers an override, when, or why; `version` is the schedule's."""

    def change(schedule: OnCallSchedule) -> None:
        override = _override(schedule, override_id)
        _check_window(data)
        override.person, override.start, override.end, override.reason = (
            str(data.person),
            data.start,
            data.end,
            data.reason,
        )

    schedule = edit_schedule(
        session, actor, slug, data.version, "schedule.override_updated", change
    )
    return _override(schedule, override_id)


def _check_window(data: schemas.OverrideIn) -> None:
    domain.check_moment(data.start, "start")
    domain.check_moment(data.end, "end")
    if data.end <= data.start:
        raise ValidationFailed("an override ends after it starts", fields={"end": "before start"})


def _override(schedule: OnCallSchedule, override_id: int) -> OnCallOverride:
    override = next((o for o in schedule.overrides if o.id == override_id), None)
    if override is None:
        raise NotFound(f"schedule '{schedule.slug}' has no override {override_id}")
    return override


def remove_override(
    session: Session, *, actor: Principal, slug: str, override_id: int
) -> OnCallSchedule:
    schedule = SCHEDULE.held(get_schedule(session, actor=actor, slug=slug), None)
    require_squad_rights(session, actor, schedule.squad_slug)
    override = _override(schedule, override_id)
    schedule.overrides.remove(override)
    schedule.version += 1
    return SCHEDULE.audited(
        session, schedule, actor, "schedule.override_removed", None, after={"override": override_id}
    )


def layer_rule(layer: OnCallLayer) -> domain.Layer:
    return domain.Layer(
        participants=tuple(layer.participants),
        start=layer.start,
        zone=layer.zone,
        length=layer.length,
        unit=domain.ShiftUnit(layer.unit),
        name=layer.name,
        restrictions=tuple(
            domain.Restriction(
                frozenset(r["weekdays"]),
                time.fromisoformat(r["start"]),
                time.fromisoformat(r["end"]),
            )
            for r in layer.restrictions
        ),
    )


def schedule_rule(schedule: OnCallSchedule) -> domain.Schedule:
    return domain.Schedule(
        layers=tuple(layer_rule(layer) for layer in schedule.layers),
        overrides=tuple(domain.Override(o.person, o.start, o.end) for o in schedule.overrides),
    )


# --- who is on call -----------------------------------------------------------------------


def _now_read(schedule: OnCallSchedule, at: datetime) -> schemas.OnCallRead:
    shifts = schedule_rule(schedule).shifts(at, at + timedelta(days=35))
    current = shifts[0]
    return schemas.OnCallRead(
        schedule=schedule.slug,
        squad=schedule.squad_slug,
        person=current.person,
        until=current.end if len(shifts) > 1 else None,
    )


def on_call(
    session: Session,
    *,
    actor: Principal,
    at: datetime | None = None,
    squad: str | None = None,
    service: str | None = None,
    schedule: str | None = None,
) -> list[schemas.OnCallRead]:
    """Who is on call now (or at `at`) per schedule, for a squad, a service's owner or one schedule."""
    moment = at or clock.now()
    domain.check_moment(moment, "at")
    if service:
        squad = catalog.get_service(session, service).owner.slug
    if schedule:
        return [_now_read(get_schedule(session, actor=actor, slug=schedule), moment)]
    return [_now_read(s, moment) for s in list_schedules(session, actor=actor, squad=squad)]


def _shift_reads(slug: str, shifts: Iterable[domain.Shift]) -> list[schemas.ShiftRead]:
    return [
        schemas.ShiftRead(schedule=slug, person=s.person, start=s.start, end=s.end) for s in shifts
    ]


def coverage(
    session: Session, *, actor: Principal, slug: str, days: int = 14, start: datetime | None = None
) -> schemas.CoverageRead:
    """The final schedule for the coming days, its gaps and each person's load."""
    if not 1 <= days <= 366:
        raise ValidationFailed("look 1 to 366 days ahead", fields={"days": "out of range"})
    schedule = get_schedule(session, actor=actor, slug=slug)
    begin = start or clock.now()
    domain.check_moment(begin, "start")
    end = begin + timedelta(days=days)
    shifts = schedule_rule(schedule).shifts(begin, end)
    holes = domain.gaps(shifts)
    pages = notify.pages_received(session, since=begin - timedelta(days=days))
    loads = domain.fairness(
        shifts,
        schedule.zone,
        pages={p: n for p, n in pages.items() if any(s.person == p for s in shifts)},
    )
    return schemas.CoverageRead(
        schedule=slug,
        start=begin,
        end=end,
        shifts=_shift_reads(slug, shifts),
        gaps=_shift_reads(slug, holes),
        gap_hours=sum(g.hours for g in holes),
        fairness=[schemas.LoadRead.model_validate(load) for load in loads],
    )


def my_shifts(session: Session, *, actor: Principal, days: int = 28) -> list[schemas.ShiftRead]:
    now = clock.now()
    mine: list[schemas.ShiftRead] = []
    for schedule in list_schedules(session, actor=actor):
        shifts = schedule_rule(schedule).shifts(now, now + timedelta(days=days))
        mine += _shift_reads(schedule.slug, domain.next_shifts(shifts, actor.name, limit=50))
    return sorted(mine, key=lambda s: s.start)

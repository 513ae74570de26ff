"""On-call use cases: schedules with layers and overrides, who is on call, coverage and
fairness, escalation policies, and escalations that walk a policy on durable timers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from opsroom import clock
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.oncall import domain, schemas
from opsroom.oncall.models import (
    Escalation,
    EscalationPolicy,
    OnCallLayer,
    OnCallOverride,
    OnCallSchedule,
)

ESCALATE_TIMER = "oncall.escalate"
RUNNING, ACKNOWLEDGED, RESOLVED, EXHAUSTED = "running", "acknowledged", "resolved", "exhausted"


def _audit(
    session: Session,
    actor: Principal | str,
    action: str,
    kind: str,
    key: str,
    after: dict[str, Any],
) -> None:
    audit.record(
        session, actor=str(actor), action=action, subject_type=kind, subject_key=key, after=after
    )


def _squad_rights(session: Session, actor: Principal, squad: str | None) -> None:
    if squad is not None:
        catalog.get_squad(session, squad)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[squad] if squad else [])


# --- schedules ----------------------------------------------------------------------------


def _layer(data: schemas.LayerIn, rank: int) -> OnCallLayer:
    layer = OnCallLayer(
        rank=rank, name=data.name, participants=[str(p) for p in data.participants],
        start=data.start, zone=data.zone, length=data.length, unit=data.unit,
        restrictions=[{"weekdays": r.weekdays, "start": r.start.isoformat(), "end": r.end.isoformat()} for r in data.restrictions],
    )  # fmt: skip
    try:
        layer_rule(layer)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message, fields={f"layers.{rank}.{k}": v for k, v in exc.fields.items()}
        ) from None
    return layer


def create_schedule(
    session: Session, *, actor: Principal, data: schemas.ScheduleCreate
) -> OnCallSchedule:
    _squad_rights(session, actor, data.squad)
    domain.check_zone(data.zone)
    if session.scalar(select(OnCallSchedule.id).where(OnCallSchedule.slug == data.slug)):
        raise Conflict(f"schedule '{data.slug}' exists", fields={"slug": "taken"})
    schedule = OnCallSchedule(
        slug=data.slug, name=data.name, squad_slug=data.squad, zone=data.zone,
        layers=[_layer(layer, rank) for rank, layer in enumerate(data.layers)],
    )  # fmt: skip
    session.add(schedule)
    session.flush()
    _audit(session, actor, "schedule.created", "schedule", data.slug, data.model_dump(mode="json"))
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
    session: Session, *, actor: Principal, squad: str | None = None
) -> list[OnCallSchedule]:
    require(actor, Action.READ)
    query = select(OnCallSchedule).options(
        selectinload(OnCallSchedule.layers), selectinload(OnCallSchedule.overrides)
    )
    if squad:
        query = query.where(OnCallSchedule.squad_slug == squad)
    return list(session.scalars(query.order_by(OnCallSchedule.slug)))


def add_override(
    session: Session, *, actor: Principal, slug: str, data: schemas.OverrideIn
) -> OnCallOverride:
    schedule = get_schedule(session, actor=actor, slug=slug)
    _squad_rights(session, actor, schedule.squad_slug)
    domain.check_moment(data.start, "start")
    domain.check_moment(data.end, "end")
    if data.end <= data.start:
        raise ValidationFailed("an override ends after it starts", fields={"end": "before start"})
    override = OnCallOverride(
        person=str(data.person),
        start=data.start,
        end=data.end,
        reason=data.reason,
        created_by=str(actor),
    )
    schedule.overrides.append(override)
    schedule.version += 1
    session.flush()
    _audit(
        session, actor, "schedule.override_added", "schedule", slug, data.model_dump(mode="json")
    )
    return override


def remove_override(
    session: Session, *, actor: Principal, slug: str, override_id: int
) -> OnCallSchedule:
    schedule = get_schedule(session, actor=actor, slug=slug)
    _squad_rights(session, actor, schedule.squad_slug)
    override = next((o for o in schedule.overrides if o.id == override_id), None)
    if override is None:
        raise NotFound(f"schedule '{slug}' has no override {override_id}")
    schedule.overrides.remove(override)
    schedule.version += 1
    _audit(session, actor, "schedule.override_removed", "schedule", slug, {"override": override_id})
    session.flush()
    return schedule


def layer_rule(layer: OnCallLayer) -> domain.Layer:
    return domain.Layer(
        participants=tuple(layer.participants), start=layer.start, zone=layer.zone,
        length=layer.length, unit=domain.ShiftUnit(layer.unit), name=layer.name,
        restrictions=tuple(
            domain.Restriction(frozenset(r["weekdays"]), time.fromisoformat(r["start"]), time.fromisoformat(r["end"]))
            for r in layer.restrictions
        ),
    )  # fmt: skip


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
        schedule=schedule.slug, squad=schedule.squad_slug, person=current.person,
        until=current.end if len(shifts) > 1 else None,
    )  # fmt: skip


def on_call(
    session: Session, *, actor: Principal, at: datetime | None = None,
    squad: str | None = None, service: str | None = None, schedule: str | None = None,
) -> list[schemas.OnCallRead]:  # fmt: skip
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
        schedule=slug, start=begin, end=end, shifts=_shift_reads(slug, shifts), gaps=_shift_reads(slug, holes),
        gap_hours=sum(g.hours for g in holes), fairness=[schemas.LoadRead.model_validate(load) for load in loads],
    )  # fmt: skip


def my_shifts(session: Session, *, actor: Principal, days: int = 28) -> list[schemas.ShiftRead]:
    now = clock.now()
    mine: list[schemas.ShiftRead] = []
    for schedule in list_schedules(session, actor=actor):
        shifts = schedule_rule(schedule).shifts(now, now + timedelta(days=days))
        mine += _shift_reads(schedule.slug, domain.next_shifts(shifts, actor.name, limit=50))
    return sorted(mine, key=lambda s: s.start)


# --- iCalendar --------------------------------------------------------------------------

# A feed starts this far back, so the shift under way keeps its start (and so its UID).
FEED_LOOKBACK = timedelta(days=35)


def _feed_shifts(
    schedule: OnCallSchedule, now: datetime, days: int
) -> list[tuple[str, domain.Shift]]:
    shifts = schedule_rule(schedule).shifts(now - FEED_LOOKBACK, now + timedelta(days=days))
    return [(schedule.slug, s) for s in shifts if s.end > now]


def schedule_feed(session: Session, *, actor: Principal, slug: str, days: int = 90) -> bytes:
    from opsroom.oncall import ical  # the calendar libraries load on first use, not at start-up

    schedule = get_schedule(session, actor=actor, slug=slug)
    now = clock.now()
    return ical.export(schedule.name, slug, _feed_shifts(schedule, now, days), stamp=now)


def person_feed(session: Session, *, actor: Principal, person: str, days: int = 90) -> bytes:
    from opsroom.oncall import ical

    now = clock.now()
    shifts = [
        (slug, s)
        for schedule in list_schedules(session, actor=actor)
        for slug, s in _feed_shifts(schedule, now, days)
        if s.person == person
    ]
    return ical.export(f"On call: {person}", person, shifts, stamp=now)


def import_schedule(
    session: Session, *, actor: Principal, data: schemas.ScheduleImport
) -> OnCallSchedule:
    """A schedule whose shifts come from an .ics file: each occurrence in the coming days
    becomes an override (recurrences expanded, exceptions honoured)."""
    from opsroom.oncall import ical

    now = clock.now()
    shifts = ical.shifts_in(data.ics.encode(), now, now + timedelta(days=data.days))
    if not shifts:
        raise ValidationFailed(
            "the file names nobody on call in that period",
            fields={"ics": "no events with an attendee or an email as summary"},
        )
    create = schemas.ScheduleCreate(
        slug=data.slug, name=data.name, squad=data.squad, zone=data.zone
    )
    schedule = create_schedule(session, actor=actor, data=create)
    schedule.overrides.extend(
        OnCallOverride(
            person=s.person or "",
            start=s.start,
            end=s.end,
            reason="imported",
            created_by=str(actor),
        )
        for s in shifts
    )
    session.flush()
    return schedule


# --- escalation policies ------------------------------------------------------------------


def _policy_rule(
    levels: Sequence[schemas.LevelIn] | Sequence[dict[str, Any]], repeats: int
) -> domain.Policy:
    parsed = [schemas.LevelIn.model_validate(level) for level in levels]
    return domain.Policy(
        levels=tuple(
            domain.Level(
                tuple(domain.Target(t.kind, t.ref) for t in level.targets), level.timeout_minutes
            )
            for level in parsed
        ),
        repeats=repeats,
    )


def _check_targets(session: Session, levels: Sequence[schemas.LevelIn]) -> None:
    for n, level in enumerate(levels):
        for target in level.targets:
            known = {
                domain.TargetKind.PERSON: lambda ref: "@" in ref,
                domain.TargetKind.SCHEDULE: lambda ref: session.scalar(select(OnCallSchedule.id).where(OnCallSchedule.slug == ref)) is not None,
                domain.TargetKind.SQUAD: lambda ref: ref in {s.slug for s in catalog.list_squads(session)},
            }[target.kind](target.ref)  # fmt: skip
            if not known:
                raise ValidationFailed(
                    f"no {target.kind} '{target.ref}'",
                    fields={f"levels.{n}.targets": f"unknown {target.kind} '{target.ref}'"},
                )


def _check_services(session: Session, services: Sequence[str]) -> None:
    for slug in services:
        try:
            catalog.get_service(session, slug)
        except NotFound:
            raise ValidationFailed(
                f"no service '{slug}'", fields={"services": f"unknown service '{slug}'"}
            ) from None


def create_policy(
    session: Session, *, actor: Principal, data: schemas.PolicyCreate
) -> EscalationPolicy:
    _squad_rights(session, actor, data.squad)
    _policy_rule(data.levels, data.repeats)
    _check_targets(session, data.levels)
    _check_services(session, data.services)
    if session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.slug == data.slug)):
        raise Conflict(f"escalation policy '{data.slug}' exists", fields={"slug": "taken"})
    policy = EscalationPolicy(
        slug=data.slug, name=data.name, squad_slug=data.squad, squad_default=data.squad_default and data.squad is not None,
        services=data.services, levels=[level.model_dump(mode="json") for level in data.levels], repeats=data.repeats,
    )  # fmt: skip
    session.add(policy)
    session.flush()
    _audit(
        session,
        actor,
        "escalation_policy.created",
        "escalation_policy",
        data.slug,
        data.model_dump(mode="json"),
    )
    return policy


def get_policy(session: Session, *, actor: Principal, slug: str) -> EscalationPolicy:
    require(actor, Action.READ)
    policy = session.scalar(select(EscalationPolicy).where(EscalationPolicy.slug == slug))
    if policy is None:
        raise NotFound(f"no escalation policy '{slug}'")
    return policy


def list_policies(session: Session, *, actor: Principal) -> list[EscalationPolicy]:
    require(actor, Action.READ)
    return list(session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.slug)))


def update_policy(
    session: Session, *, actor: Principal, slug: str, data: schemas.PolicyUpdate
) -> EscalationPolicy:
    policy = get_policy(session, actor=actor, slug=slug)
    _squad_rights(session, actor, policy.squad_slug)
    if policy.version != data.version:
        raise StaleVersion(f"'{slug}' changed since version {data.version}; reload and retry")
    levels = (
        data.levels
        if data.levels is not None
        else [schemas.LevelIn.model_validate(x) for x in policy.levels]
    )
    _policy_rule(levels, data.repeats if data.repeats is not None else policy.repeats)
    _check_targets(session, levels)
    _check_services(session, data.services or [])
    before = schemas.PolicyRead.model_validate(policy).model_dump(mode="json")
    changes = data.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.version += 1
    audit.record(
        session,
        actor=str(actor),
        action="escalation_policy.updated",
        subject_type="escalation_policy",
        subject_key=slug,
        before=before,
        after=schemas.PolicyRead.model_validate(policy).model_dump(mode="json"),
    )
    return policy


def policy_for(session: Session, services: Sequence[tuple[str, str]]) -> EscalationPolicy | None:
    """The first affected service's own policy, else its owner squad's default."""
    policies = list(session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.id)))
    for service, squad in services:
        for policy in policies:
            if service in policy.services:
                return policy
        for policy in policies:
            if policy.squad_default and policy.squad_slug == squad:
                return policy
    return None


# --- escalations --------------------------------------------------------------------------


def incident_opened(session: Session, *, incident: schemas.IncidentOpened) -> Escalation | None:
    """Start escalating: high urgency pages the first level in this very transaction (the
    outbox rows commit with the incident); low urgency waits for working hours."""
    policy = policy_for(session, incident.services)
    if policy is None:
        return None
    escalation = Escalation(
        incident_key=incident.key, policy_slug=policy.slug, status=RUNNING,
        details={"title": incident.title, "priority": incident.priority},
    )  # fmt: skip
    session.add(escalation)
    session.flush()
    if domain.pages_at_once(incident.urgency):
        notify.page_all(
            session, _run_step(session, escalation, policy, domain.Step(0), _Roster(session))
        )
    else:
        zone = notify.settings_of(session).timezone
        _schedule_step(
            session, escalation, domain.Step(0), domain.next_working_time(clock.now(), zone)
        )
        _event(
            session,
            incident.key,
            f"Low urgency: escalation through {policy.name} starts in working hours",
        )
    return escalation


def stop(session: Session, *, incident: str, status: str, actor: Principal | str) -> bool:
    """Acknowledged or resolved: no further levels, no follow-up pages."""
    escalation = session.scalar(select(Escalation).where(Escalation.incident_key == incident))
    if escalation is None or escalation.status != RUNNING:
        return False
    escalation.status, escalation.stopped_at = status, clock.now()
    jobs.cancel(session, subject=_subject(incident))
    dropped = notify.cancel_waiting(session, incident=incident)
    _event(
        session,
        incident,
        f"Escalation stopped ({status} by {actor})"
        + (f"; {dropped} follow-up page(s) dropped" if dropped else ""),
    )
    return True


def get_escalation(session: Session, *, actor: Principal, incident: str) -> Escalation:
    require(actor, Action.READ)
    escalation = session.scalar(select(Escalation).where(Escalation.incident_key == incident))
    if escalation is None:
        raise NotFound(f"{incident} has no escalation")
    return escalation


def _subject(incident: str) -> str:
    return f"escalation:{incident}"


def _schedule_step(
    session: Session, escalation: Escalation, step: domain.Step, due: datetime
) -> None:
    jobs.schedule(
        session, kind=ESCALATE_TIMER, subject=_subject(escalation.incident_key), due_at=due,
        payload={"level": step.level, "round": step.round},
        dedup_key=f"escalate:{escalation.incident_key}:{step.round}:{step.level}",
    )  # fmt: skip


def _run_step(
    session: Session,
    escalation: Escalation,
    policy: EscalationPolicy,
    step: domain.Step,
    roster: _Roster,
) -> list[notify.PageRequest]:
    """Take one step: note it, schedule the next, and return the pages it sends."""
    rule = _policy_rule(policy.levels, policy.repeats)
    escalation.level, escalation.round = step.level, step.round
    people = roster.reached(rule.levels[step.level].targets)
    key = escalation.incident_key
    who = ", ".join(people) or "nobody (no one on call)"
    _event(
        session,
        key,
        f"Escalation level {step.level + 1}{f' (repeat {step.round})' if step.round else ''}: paging {who}",
    )
    following = rule.after(step)
    if following is None:
        escalation.status = EXHAUSTED
    else:
        _schedule_step(session, escalation, following, clock.now() + rule.timeout(step))
    reason = f"Escalation level {step.level + 1} of {policy.name}"
    return [_page_request(session, escalation, person, reason, step) for person in people]


def _page_request(
    session: Session, escalation: Escalation, person: str, reason: str, step: domain.Step
) -> notify.PageRequest:
    key, details = escalation.incident_key, escalation.details
    message = notify.message_for(
        session, incident=key, priority=details["priority"], summary=details["title"],
        person=person, reason=reason,
    )  # fmt: skip
    return notify.PageRequest(person, message, f"{key}:{step.round}:{step.level}", key)


class _Roster:
    """Who targets reach now, each schedule or squad looked up once however many
    escalations of a batch name it."""

    def __init__(self, session: Session) -> None:
        self.session, self.now = session, clock.now()
        self.known: dict[domain.Target, list[str | None]] = {}

    def reached(self, targets: Sequence[domain.Target]) -> list[str]:
        people: list[str | None] = []
        for target in targets:
            if target not in self.known:
                self.known[target] = self._on_call(target)
            people += self.known[target]
        return list(domain.reached(people).people)

    def _on_call(self, target: domain.Target) -> list[str | None]:
        if target.kind is domain.TargetKind.PERSON:
            return [target.ref]
        query = select(OnCallSchedule).options(
            selectinload(OnCallSchedule.layers), selectinload(OnCallSchedule.overrides)
        )
        if target.kind is domain.TargetKind.SCHEDULE:
            query = query.where(OnCallSchedule.slug == target.ref)
        else:
            query = query.where(OnCallSchedule.squad_slug == target.ref)
        return [schedule_rule(s).on_call(self.now) for s in self.session.scalars(query)]


@jobs.handles_batch(ESCALATE_TIMER)
def _escalate(session: Session, timers: Sequence[Due]) -> None:
    steps = {
        t.subject.removeprefix("escalation:"): domain.Step(t.payload["level"], t.payload["round"])
        for t in timers
    }
    running = (
        select(Escalation)
        .where(Escalation.incident_key.in_(steps), Escalation.status == RUNNING)
        .order_by(Escalation.id)
        .with_for_update()
    )
    escalations = list(session.scalars(running))
    slugs = {e.policy_slug for e in escalations}
    policies = {
        p.slug: p
        for p in session.scalars(select(EscalationPolicy).where(EscalationPolicy.slug.in_(slugs)))
    }
    roster, pages = _Roster(session), []
    for escalation in escalations:
        policy = policies.get(escalation.policy_slug)
        if policy is None:
            escalation.status = EXHAUSTED
            continue
        pages += _run_step(session, escalation, policy, steps[escalation.incident_key], roster)
    notify.page_all(session, pages)


def _event(session: Session, incident: str, text: str) -> None:
    audit.add_event(
        session,
        subject_type="incident",
        subject_key=incident,
        actor="opsroom",
        kind="escalation",
        text=text,
    )


# --- paging by hand -----------------------------------------------------------------------


def page(session: Session, *, actor: Principal, data: schemas.PageIn) -> list[str]:
    """Page a person, a squad's on-call or a schedule's on-call now; returns who was paged."""
    require(actor, Action.WORK_INCIDENTS)
    target = domain.Target(data.kind, data.ref)
    _check_targets(
        session, [schemas.LevelIn(targets=[schemas.TargetIn(kind=data.kind, ref=data.ref)])]
    )
    people = _Roster(session).reached([target])
    if not people:
        raise Conflict(f"nobody is on call for {data.kind} '{data.ref}'")
    stamp = clock.now().isoformat()
    for person in people:
        message = notify.message_for(
            session, incident=data.incident or "PAGE", priority="page", summary=data.message,
            person=person, reason=f"Paged by {actor}",
        )  # fmt: skip
        notify.page(
            session,
            person=person,
            message=message,
            dedup=f"page:{actor}:{stamp}",
            incident=data.incident,
        )
    _audit(
        session,
        actor,
        "oncall.paged",
        data.kind,
        data.ref,
        {"people": people, "message": data.message},
    )
    return people

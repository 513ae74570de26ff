"""Escalations that walk a policy on durable timers, and paging by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import IncidentDeclared, IncidentMoved, Priority
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import Conflict, NotFound
from opsroom.infra.wording import counted
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import Urgency, page_urgency
from opsroom.oncall import domain, schemas
from opsroom.oncall.models import Escalation, EscalationPolicy, OnCallSchedule
from opsroom.oncall.policies import check_targets, policy_for, policy_rule
from opsroom.oncall.schedules import schedule_rule

ESCALATE_TIMER = "oncall.escalate"
RUNNING, ACKNOWLEDGED, RESOLVED, EXHAUSTED = "running", "acknowledged", "resolved", "exhausted"


# --- escalations --------------------------------------------------------------------------


def incident_opened(session: Session, *, incident: schemas.IncidentOpened) -> Escalation | None:
    """Start escalating: high urgency pages the first level in this very transaction (the
    outbox rows commit with the incident); low urgency waits for working hours."""
    policy = policy_for(session, incident.services)
    if policy is None:
        return None
    urgency = page_urgency(incident.urgency)
    escalation = Escalation(
        incident_key=incident.key,
        policy_slug=policy.slug,
        status=RUNNING,
        details={"title": incident.title, "priority": incident.priority, "urgency": urgency},
    )
    session.add(escalation)
    session.flush()
    if urgency is Urgency.HIGH:
        _Steps(session).take(escalation, policy, domain.Step(0))
    else:
        hours = catalog.working_hours(session, incident.platform)
        working = domain.Restriction(hours.weekdays, hours.start, hours.end)
        zone = hours.zone or settings_of(session).timezone
        _schedule_step(
            session,
            escalation,
            domain.Step(0),
            domain.next_working_time(clock.now(), zone, working),
        )
        _event(
            session,
            incident.key,
            f"Low urgency: escalation through {policy.name} starts in working hours",
        )
    return escalation


def page_on_declaration(session: Session, event: IncidentDeclared) -> None:
    """Page the on-call people through the affected services' escalation policy."""
    incident = incidents.find(session, event.key)
    opened = schemas.IncidentOpened(
        key=incident.key,
        title=incident.title,
        priority=Priority(incident.priority).label,
        urgency=incident.urgency,
        platform=incident.platform_slug,
        services=tuple((s.service_slug, s.owner_squad) for s in incident.services),
    )
    incident_opened(session, incident=opened)


def stop_when_answered(session: Session, event: IncidentMoved) -> None:
    if event.response_over:
        stop(session, incident=event.key, status=event.status, actor=event.actor)


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
        + (f"; {counted(dropped, 'follow-up page')} dropped" if dropped else ""),
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
        session,
        kind=ESCALATE_TIMER,
        subject=_subject(escalation.incident_key),
        due_at=due,
        payload={"level": step.level, "round": step.round},
        dedup_key=f"escalate:{escalation.incident_key}:{step.round}:{step.level}",
    )


class _Steps:
    """Escalation steps taken together: each policy's rule parsed once, the targets looked up
    once (`_Roster`), and their timeline entries and pages written in one statement each."""

    def __init__(self, session: Session) -> None:
        self.session, self.roster = session, _Roster(session)
        self.rules: dict[str, domain.Policy] = {}
        self.events: list[audit.Event] = []
        self.pages: list[notify.PageRequest] = []

    def take(self, escalation: Escalation, policy: EscalationPolicy, step: domain.Step) -> None:
        """One step alone, written at once."""
        self.add(escalation, policy, step)
        self.done()

    def add(self, escalation: Escalation, policy: EscalationPolicy, step: domain.Step) -> None:
        """Take one step: note it, schedule the next, and keep the pages it sends."""
        if policy.slug not in self.rules:
            self.rules[policy.slug] = policy_rule(policy.levels, policy.repeats)
        rule = self.rules[policy.slug]
        escalation.level, escalation.round = step.level, step.round
        people = self.roster.reached(rule.levels[step.level].targets)
        key = escalation.incident_key
        who = ", ".join(people) or "nobody (no one on call)"
        repeat = f" (repeat {step.round})" if step.round else ""
        self.events.append(_entry(key, f"Escalation level {step.level + 1}{repeat}: paging {who}"))
        following = rule.after(step)
        if following is None:
            escalation.status = EXHAUSTED
        else:
            _schedule_step(self.session, escalation, following, clock.now() + rule.timeout(step))
        reason = f"Escalation level {step.level + 1} of {policy.name}"
        self.pages += [
            _page_request(self.session, escalation, person, reason, step) for person in people
        ]

    def done(self) -> None:
        """Write the timeline entries and queue the pages of the steps taken so far."""
        audit.add_events(self.session, self.events)
        notify.page_all(self.session, self.pages)
        self.events, self.pages = [], []


def _page_request(
    session: Session, escalation: Escalation, person: str, reason: str, step: domain.Step
) -> notify.PageRequest:
    key, details = escalation.incident_key, escalation.details
    message = notify.message_for(
        session,
        incident=key,
        priority=details["priority"],
        summary=details["title"],
        person=person,
        reason=reason,
        urgency=Urgency(details.get("urgency", Urgency.HIGH)),
    )
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


def escalate(session: Session, timers: Sequence[Due]) -> None:
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
    taken = _Steps(session)
    for escalation in escalations:
        policy = policies.get(escalation.policy_slug)
        if policy is None:
            escalation.status = EXHAUSTED
            continue
        taken.add(escalation, policy, steps[escalation.incident_key])
    taken.done()


def escalate_now(session: Session, *, actor: Principal, incident: str) -> None:
    """Page the escalation's next level at once, not when its timeout runs out."""
    require(actor, Action.WORK_INCIDENTS)
    escalation = get_escalation(session, actor=actor, incident=incident)
    policy = session.scalar(
        select(EscalationPolicy).where(EscalationPolicy.slug == escalation.policy_slug)
    )
    if escalation.status != RUNNING or policy is None:
        raise Conflict(f"{incident} is no longer escalating (its last level was paged)")
    # a running escalation always has a step after the one it took: the last one exhausts it
    following = policy_rule(policy.levels, policy.repeats).after(
        domain.Step(escalation.level, escalation.round)
    )
    assert following is not None
    jobs.cancel(session, subject=_subject(incident))
    _event(session, incident, f"Escalated at once by {actor}")
    _Steps(session).take(escalation, policy, following)


def _entry(incident: str, text: str) -> audit.Event:
    return audit.Event("incident", incident, "escalation", text)


def _event(session: Session, incident: str, text: str) -> None:
    audit.add_events(session, [_entry(incident, text)])


# --- paging by hand -----------------------------------------------------------------------


def page(session: Session, *, actor: Principal, data: schemas.PageIn) -> list[str]:
    """Page a person, a squad's on-call or a schedule's on-call now; returns who was paged."""
    require(actor, Action.WORK_INCIDENTS)
    target = domain.Target(data.kind, data.ref)
    check_targets(
        session, [schemas.LevelIn(targets=[schemas.TargetIn(kind=data.kind, ref=data.ref)])]
    )
    people = _Roster(session).reached([target])
    if not people:
        raise Conflict(f"nobody is on call for {data.kind} '{data.ref}'")
    stamp = clock.now().isoformat()
    for person in people:
        message = notify.message_for(
            session,
            incident=data.incident or "PAGE",
            priority="page",
            summary=data.message,
            person=person,
            reason=f"Paged by {actor}",
        )
        notify.page(
            session,
            person=person,
            message=message,
            dedup=f"page:{actor}:{stamp}",
            incident=data.incident,
        )
    audit.record(
        session,
        actor=str(actor),
        action="oncall.paged",
        subject_type=data.kind,
        subject_key=data.ref,
        after={"people": people, "message": data.message},
    )
    return people

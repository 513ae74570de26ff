"""Incident use cases: declare and edit, read, and the incidents that alerts open and grow.
The lifecycle (acknowledge to close) is in lifecycle.py, status updates and the timeline in
updates.py, SLA and update clocks in clocks.py, imported history in imported.py, roles and
participants in participants.py, links and tasks in links.py; every change is audited and
lands on the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.catalog.domain import ServiceMoved
from opsroom.incidents import domain, figures, policy, schemas
from opsroom.incidents.clocks import SLA_TIMER as SLA_TIMER
from opsroom.incidents.clocks import UPDATE_TIMER as UPDATE_TIMER
from opsroom.incidents.clocks import check_sla as check_sla
from opsroom.incidents.clocks import remind_update_due as remind_update_due
from opsroom.incidents.clocks import schedule_clocks
from opsroom.incidents.domain import Priority, Status
from opsroom.incidents.imported import import_record as import_record
from opsroom.incidents.lifecycle import allowed_transitions as allowed_transitions
from opsroom.incidents.lifecycle import transition as transition
from opsroom.incidents.links import add_task as add_task
from opsroom.incidents.links import link as link
from opsroom.incidents.links import links as links
from opsroom.incidents.links import merge_duplicate as merge_duplicate
from opsroom.incidents.links import set_task_done as set_task_done
from opsroom.incidents.links import tasks as tasks
from opsroom.incidents.models import Incident as Incident
from opsroom.incidents.models import (
    IncidentParticipant,
    IncidentService,
)
from opsroom.incidents.participants import add_note as add_note
from opsroom.incidents.participants import add_participant as add_participant
from opsroom.incidents.participants import assign_role as assign_role
from opsroom.incidents.policy import INCIDENT_POLICY as INCIDENT_POLICY
from opsroom.incidents.records import (
    INCIDENT,
    join,
    snapshot,
)
from opsroom.incidents.records import PREFIX as PREFIX
from opsroom.incidents.records import SUBJECT as SUBJECT
from opsroom.incidents.records import find as find
from opsroom.incidents.records import get as get
from opsroom.incidents.search import keys_on as keys_on
from opsroom.incidents.search import open_major as open_major
from opsroom.incidents.search import search as search
from opsroom.incidents.updates import post_status_update as post_status_update
from opsroom.incidents.updates import status_updates as status_updates
from opsroom.incidents.updates import timeline as timeline
from opsroom.infra import clock, events, keys
from opsroom.infra.errors import NotFound, ValidationFailed

# --- declaring and editing ----------------------------------------------------------------


def _affected(session: Session, slugs: Sequence[str]) -> list[IncidentService]:
    affected = []
    for slug in dict.fromkeys(slugs):
        try:
            svc = catalog.get_service(session, slug)
        except NotFound:
            raise ValidationFailed(
                f"no service '{slug}'", fields={"services": f"unknown service '{slug}'"}
            ) from None
        affected.append(IncidentService(service_slug=svc.slug, owner_squad=svc.owner.slug))
    return affected


def declare(session: Session, *, actor: Principal, data: schemas.IncidentCreate) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    affected = _affected(session, data.services)
    platform = catalog.get_service(session, affected[0].service_slug).platform.slug
    rules = policy.current(session, platform)
    now = clock.now()
    computed = domain.priority(data.impact, data.urgency, rules)
    chosen = _override(computed, data.priority, data.priority_reason)
    timestamps = {
        "impact_started_at": data.impact_started_at,
        "detected_at": data.detected_at or now,
    }
    domain.check_timestamps(timestamps)
    incident = Incident(
        number=keys.next_number(session, PREFIX),
        title=data.title,
        description=data.description,
        impact=data.impact,
        urgency=data.urgency,
        priority=int(chosen),
        priority_reason=data.priority_reason if chosen != computed else "",
        major=domain.is_major(chosen, rules),
        bridge_url=data.bridge_url,
        status=Status.TRIGGERED,
        platform_slug=platform,
        services=affected,
        declared_by=str(actor),
        **timestamps,
        participants=[
            IncidentParticipant(kind="squad", ref=squad)
            for squad in dict.fromkeys(a.owner_squad for a in affected)
        ],
    )
    session.add(incident)
    session.flush()
    INCIDENT.audited(session, incident, actor, "incident.declared", None)
    INCIDENT.event(
        session,
        incident,
        actor,
        "declared",
        f"Declared {chosen.label}{' (major incident)' if incident.major else ''}: {incident.title}",
    )
    _after_declaring(session, actor, incident, data.commander, rules)
    return incident


def _after_declaring(
    session: Session,
    actor: Principal,
    incident: Incident,
    commander: str | None,
    rules: domain.Policy,
) -> None:
    """The commander named and the SLA and update clocks; on-call pages and the subscribers
    hear of it in reaction to the declaration."""
    if commander:
        role = schemas.RoleIn(role=domain.Role.COMMANDER, person=commander)
        assign_role(session, actor=actor, key=incident.key, data=role)
    schedule_clocks(session, incident, rules)
    events.record(session, domain.IncidentDeclared(incident.key))


def priority_for(session: Session, impact: int, urgency: int, *, platform: str) -> Priority:
    """The priority the matrix in force on `platform` gives (problems are prioritised the
    same way)."""
    return domain.priority(impact, urgency, policy.current(session, platform))


def _override(computed: Priority, wanted: Priority | None, reason: str) -> Priority:
    if wanted is None or wanted == computed:
        return computed
    if len(reason.strip()) < 3:
        raise ValidationFailed(
            "overriding the priority matrix needs a reason",
            fields={"priority_reason": "required when priority is overridden"},
        )
    return wanted


def update(
    session: Session, *, actor: Principal, key: str, data: schemas.IncidentUpdate
) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = INCIDENT.held(get(session, actor=actor, key=key), data.version)
    before = snapshot(incident)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "services"})
    if data.services is not None:
        _replace_services(session, incident, data.services)
    for name, value in changes.items():
        setattr(incident, name, value)
    if "impact" in changes or "urgency" in changes:
        _reprioritise(
            session,
            incident,
            domain.priority(
                incident.impact, incident.urgency, policy.current(session, incident.platform_slug)
            ),
            reason="",
        )
    edits = domain.describe_edits(before, snapshot(incident))
    if edits:
        INCIDENT.event(session, incident, actor, "edited", f"Edited: {edits}")
    return INCIDENT.saved(session, incident, actor, "incident.updated", before)


def _replace_services(session: Session, incident: Incident, slugs: Sequence[str]) -> None:
    """The affected services become `slugs`; the squads owning new ones join the incident."""
    affected = _affected(session, slugs)
    added = tuple(a.service_slug for a in affected if a.service_slug not in incident.service_slugs)
    incident.services = []
    session.flush()  # old rows go before their replacements: (incident, service) is unique
    incident.services = affected
    for squad in dict.fromkeys(a.owner_squad for a in affected):
        join(incident, "squad", squad)
    if added:
        events.record(session, domain.IncidentServicesAdded(incident.key, added))


def _reprioritise(session: Session, incident: Incident, new: Priority, *, reason: str) -> None:
    rules = policy.current(session, incident.platform_slug)
    before = Priority(incident.priority)
    incident.priority, incident.major, incident.priority_reason = (
        int(new),
        domain.is_major(new, rules),
        reason,
    )
    schedule_clocks(session, incident, rules)
    if new != before:
        events.record(session, domain.IncidentReprioritised(incident.key, before, new))


def override_priority(
    session: Session, *, actor: Principal, key: str, data: schemas.PriorityOverride
) -> Incident:
    require(actor, Action.WORK_INCIDENTS)
    incident = INCIDENT.held(get(session, actor=actor, key=key), data.version)
    before = snapshot(incident)
    _reprioritise(session, incident, data.priority, reason=data.reason)
    INCIDENT.event(
        session,
        incident,
        actor,
        "priority",
        f"Priority set to {data.priority.label}: {data.reason}",
    )
    return INCIDENT.saved(session, incident, actor, "incident.priority_overridden", before)


def correct_timestamps(
    session: Session, *, actor: Principal, key: str, data: schemas.TimestampCorrection
) -> Incident:
    """Correct KPI timestamps after the fact (they define MTTD/MTTA/MTTR); audited with a reason."""
    require(actor, Action.WORK_INCIDENTS)
    incident = INCIDENT.held(get(session, actor=actor, key=key), data.version)
    corrections = data.model_dump(exclude_unset=True, exclude={"version", "reason"})
    if not corrections:
        raise ValidationFailed(
            "name at least one timestamp to correct", fields={"timestamps": "none given"}
        )
    if corrections.get("detected_at", incident.detected_at) is None:
        raise ValidationFailed(
            "an incident always has a detection time", fields={"detected_at": "cannot be cleared"}
        )
    domain.check_timestamps(
        {name: corrections.get(name, getattr(incident, name)) for name in domain.TIMESTAMPS}
    )
    before = snapshot(incident)
    for name, value in corrections.items():
        setattr(incident, name, value)
    INCIDENT.event(
        session,
        incident,
        actor,
        "corrected",
        f"Corrected {', '.join(sorted(corrections)).replace('_', ' ')}: {data.reason}",
    )
    return INCIDENT.saved(session, incident, actor, "incident.timestamps_corrected", before)


# --- reading ------------------------------------------------------------------------------


def summary(incident: Incident) -> schemas.IncidentSummary:
    return schemas.IncidentSummary(
        key=incident.key,
        title=incident.title,
        platform=incident.platform_slug,
        status=Status(incident.status),
        priority=Priority(incident.priority).label,
        major=incident.major,
        services=incident.service_slugs,
        detected_at=incident.detected_at,
        resolved_at=incident.resolved_at,
    )


def read(session: Session, incident: Incident) -> schemas.IncidentRead:
    rules = policy.current(session, incident.platform_slug)
    now = clock.now()
    timestamps = {name: getattr(incident, name) for name in domain.TIMESTAMPS}
    p = Priority(incident.priority)
    next_update = (
        domain.next_update_due(p, incident.last_update_at or incident.detected_at, rules)
        if incident.major and incident.status in domain.OPEN
        else None
    )
    return schemas.IncidentRead(
        **summary(incident).model_dump(),
        description=incident.description,
        impact=incident.impact,
        urgency=incident.urgency,
        priority_reason=incident.priority_reason,
        resolution_summary=incident.resolution_summary,
        bridge_url=incident.bridge_url,
        source=incident.source,
        journeys=catalog.journeys_through(session, incident.service_slugs),
        also_affects=also_affects(session, incident),
        owner_squads=sorted({s.owner_squad for s in incident.services}),
        roles={r.role: r.person for r in incident.roles},
        participants=[
            schemas.ParticipantRead(kind=p_.kind, ref=p_.ref, joined_at=p_.joined_at)
            for p_ in incident.participants
        ],
        impact_started_at=incident.impact_started_at,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        closed_at=incident.closed_at,
        sla=[_sla_read(c, now) for c in domain.sla_clocks(p, timestamps, rules)],
        next_update_due_at=next_update,
        update_overdue_since=incident.update_overdue_since,
        duplicate_of=f"{PREFIX}-{incident.duplicate_of_number}"
        if incident.duplicate_of_number
        else None,
        reopen_count=incident.reopen_count,
        allowed_transitions=allowed_transitions(incident),
        declared_by=incident.declared_by,
        version=incident.version,
    )


# An SLA clock with less than this share of its target left is shown as at risk.
def also_affects(session: Session, incident: Incident) -> list[str]:
    """The other platforms whose services the incident impacts; it belongs to its own alone."""
    found = catalog.platforms_of(session, services=incident.service_slugs)
    return [platform for platform in found if platform != incident.platform_slug]


def _sla_read(c: domain.SlaClock, now: datetime) -> schemas.SlaRead:
    return schemas.SlaRead(
        kind=c.kind,
        target_minutes=int(c.target.total_seconds() // 60),
        due_at=c.due_at,
        met_at=c.met_at,
        breached=c.breached(now),
        remaining_seconds=int(c.remaining(now).total_seconds()),
        state=c.state(now),
    )


# --- incidents that alerts open and grow --------------------------------------------------


def declare_detected(
    session: Session,
    *,
    actor: Principal,
    data: schemas.IncidentCreate,
    source: str,
    explanation: str,
) -> Incident:
    """Declare an incident that alerts detected, recording where it came from and why."""
    incident = declare(session, actor=actor, data=data)
    incident.source = source[:50]
    INCIDENT.event(session, incident, actor, "alert", explanation)
    return incident


def add_alert_event(session: Session, *, actor: Principal, key: str, text: str) -> Incident:
    """An automated timeline entry (kind "alert"): why alerts joined, reopened or resolved it."""
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    INCIDENT.event(session, incident, actor, "alert", text)
    return incident


def raise_urgency(
    session: Session, *, actor: Principal, key: str, urgency: int, reason: str
) -> Incident:
    """More urgent news about an open incident (a more severe alert joining it): raise its
    urgency and, by the matrix, its priority. Never lowers either, so a priority a person
    raised stays."""
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    if urgency >= incident.urgency or incident.status not in domain.OPEN:
        return incident
    before = snapshot(incident)
    incident.urgency = urgency
    wanted = domain.priority(
        incident.impact, urgency, policy.current(session, incident.platform_slug)
    )
    if wanted < incident.priority:
        _reprioritise(session, incident, wanted, reason="")
    INCIDENT.event(
        session,
        incident,
        actor,
        "alert",
        f"Urgency raised to {urgency}, priority now P{incident.priority}: {reason}",
    )
    return INCIDENT.saved(session, incident, actor, "incident.urgency_raised", before)


def merged_numbers(session: Session, number: int) -> list[int]:
    """The incident's own number and those of the duplicates merged into it."""
    duplicates = session.scalars(
        select(Incident.number).where(Incident.duplicate_of_number == number)
    )
    return [number, *duplicates]


def primary(session: Session, *, actor: Principal, incident: Incident) -> Incident:
    """The incident itself, or the one it was merged into as a duplicate."""
    if incident.duplicate_of_number is None:
        return incident
    return get(session, actor=actor, key=f"{PREFIX}-{incident.duplicate_of_number}")


def add_services(
    session: Session, *, actor: Principal, key: str, services: Sequence[str]
) -> Incident:
    """Add affected services; those already affected stay as they are."""
    require(actor, Action.WORK_INCIDENTS)
    incident = get(session, actor=actor, key=key)
    added = [
        a for a in _affected(session, services) if a.service_slug not in incident.service_slugs
    ]
    if not added:
        return incident
    before = snapshot(incident)
    incident.services.extend(added)
    for squad in dict.fromkeys(a.owner_squad for a in added):
        join(incident, "squad", squad)
    events.record(
        session, domain.IncidentServicesAdded(incident.key, tuple(a.service_slug for a in added))
    )
    INCIDENT.event(
        session,
        incident,
        actor,
        "services",
        f"Affected services added: {', '.join(a.service_slug for a in added)}",
    )
    return INCIDENT.saved(session, incident, actor, "incident.services_added", before)


def note_service_moved(session: Session, event: ServiceMoved) -> None:
    """Each open incident on the service says so on its timeline. It stays on the platform
    it was declared on: its SLA clocks run by that platform's policy, and its figures count
    there."""
    opened = session.scalars(
        select(Incident)
        .join(IncidentService)
        .where(
            IncidentService.service_slug == event.service, Incident.status.in_(list(domain.OPEN))
        )
        .order_by(Incident.number)
    )
    for incident in opened:
        INCIDENT.event(
            session,
            incident,
            event.actor,
            "service_moved",
            f"{event.service} moved from {event.left} to {event.joined}; "
            f"the incident stays with {incident.platform_slug}",
        )


# --- policy and figures for other domains -----------------------------------------------


def current_policy(session: Session, platform: str | None = None) -> domain.Policy:
    """The priority matrix, SLA targets and cadence in force on `platform`, or on the whole
    installation (for figures built on them)."""
    return policy.current(session, platform or EVERYWHERE)


# Aggregates over incidents that the KPI engine builds on, answered by the database.
FigureScope = figures.Scope
GroupCounts = figures.GroupCounts
group_counts = figures.group_counts
group_durations = figures.group_durations
count_by_service = figures.count_by_service
count_by_source = figures.count_by_source
count_by_journey = figures.count_by_journey
outage_times = figures.outage_times
Impact = figures.Impact
impact_on = figures.impact_on
count_by_week_and_priority = figures.count_by_week_and_priority
open_by_priority = figures.open_by_priority

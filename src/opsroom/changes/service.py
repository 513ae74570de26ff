"""Change use cases: draft, assess, submit, approve or reject, schedule, run and close;
freeze exceptions, pipeline deployments and marking a change as an incident's cause.
Every change is audited and lands on the change's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.changes import approvals, domain, reports, schemas
from opsroom.changes.assessment import (
    Assessment,
    assessment,
    collisions,
    filtered,
    planned,
    services_named,
    squad_named,
)
from opsroom.changes.domain import ChangeType, Status, Transition
from opsroom.changes.governance import get_template
from opsroom.changes.models import (
    Change,
    ChangeDecision,
    ChangeIncident,
    ChangeService,
)
from opsroom.changes.policy import APPROVAL_POLICY as APPROVAL_POLICY
from opsroom.changes.policy import approval_policy
from opsroom.changes.records import CHANGE, WORK, snapshot
from opsroom.changes.records import PREFIX as PREFIX
from opsroom.changes.records import SUBJECT as SUBJECT
from opsroom.changes.records import get as get
from opsroom.changes.records import summary as summary
from opsroom.changes.reports import figures_of_vendor as figures_of_vendor
from opsroom.changes.suspects import suspects as suspects
from opsroom.incidents import service as incidents
from opsroom.infra import clock, events, keys
from opsroom.infra.errors import Conflict, InvalidTransition, ValidationFailed
from opsroom.infra.pagination import Page, paginate

# --- finding ------------------------------------------------------------------------------


def search(
    session: Session,
    *,
    actor: Principal,
    status: Sequence[Status] = (),
    type_: Sequence[ChangeType] = (),
    service: str | None = None,
    squad: str | None = None,
    journey: str | None = None,
    platforms: Sequence[str] = (),
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    text: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Change]:
    require(actor, Action.READ)
    query = filtered(session, select(Change), service=service, squad=squad, journey=journey)
    if status:
        query = query.where(Change.status.in_(list(status)))
    if type_:
        query = query.where(Change.type.in_(list(type_)))
    if platforms:
        query = query.where(Change.platform_slug.in_(list(platforms)))
    if starts_from:
        query = query.where(Change.planned_start >= starts_from)
    if starts_to:
        query = query.where(Change.planned_start < starts_to)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(
                func.lower(Change.title).like(pattern), func.lower(Change.description).like(pattern)
            )
        )
    return paginate(session, query, Change.number, limit=limit, cursor=cursor, descending=True)


def can_move(change: Change, move: Transition) -> bool:
    try:
        domain.next_status(Status(change.status), move, ChangeType(change.type))
    except InvalidTransition:
        return False
    return True


def collisions_of(session: Session, change: Change) -> list[schemas.CollisionRead]:
    """What a change still to run collides with (nothing, once it has run)."""
    if change.status not in {Status.DRAFT, *domain.ACTIVE}:
        return []
    return collisions(session, planned(change))


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    change = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=SUBJECT, subject_key=change.key)


def _fields(change: Change) -> schemas.ChangeFields:
    return schemas.ChangeFields(
        type=ChangeType(change.type),
        services=change.service_slugs,
        squad=change.squad,
        implementer=change.implementer,
        planned_start=change.planned_start,
        planned_end=change.planned_end,
        template=change.template,
    )


def _reassess(session: Session, change: Change) -> Assessment:
    a = assessment(session, _fields(change), change.key)
    change.risk_score, change.risk_level = a.risk.score, a.risk.level
    change.risk_factors = [vars(f) for f in a.risk.factors]
    change.in_freeze = bool(a.freezes)
    change.platform_slug = a.platform
    return a


# --- drafting -----------------------------------------------------------------------------


def _check_template(session: Session, data: schemas.ChangeFields) -> None:
    if data.type is not ChangeType.STANDARD:
        return
    if not data.template:
        raise ValidationFailed(
            "a standard change follows a template", fields={"template": "required"}
        )
    template = get_template(session, data.template)
    window = domain.check_window(data.planned_start, data.planned_end)
    problems = domain.template_problems(
        data.services, window, template.services, template.max_minutes
    )
    if problems:
        first = next(iter(problems))
        raise ValidationFailed(
            f"outside the standard template '{template.slug}': {problems[first]}", fields=problems
        )


def create(session: Session, *, actor: Principal, data: schemas.ChangeCreate) -> Change:
    require(actor, WORK)
    _check_template(session, data)
    change = Change(
        number=keys.next_number(session, PREFIX),
        title=data.title,
        description=data.description,
        type=data.type,
        status=Status.DRAFT,
        squad=squad_named(session, data.squad),
        implementer=data.implementer or str(actor),
        vendor=catalog.vendor_named(session, data.vendor),
        planned_start=data.planned_start,
        planned_end=data.planned_end,
        rollback_plan=data.rollback_plan,
        test_evidence=data.test_evidence,
        links=[link.model_dump() for link in data.links],
        template=data.template,
        created_by=str(actor),
        services=[
            ChangeService(service_slug=s.slug) for s in services_named(session, data.services)
        ],
    )
    _reassess(session, change)
    session.add(change)
    session.flush()
    CHANGE.event(session, change, actor, "drafted", f"Drafted: {change.title}")
    return CHANGE.audited(session, change, actor, "change.created", None)


def update(session: Session, *, actor: Principal, key: str, data: schemas.ChangeUpdate) -> Change:
    require(actor, WORK)
    change = CHANGE.held(get(session, actor=actor, key=key), data.version)
    if change.status != Status.DRAFT:
        raise Conflict(
            f"{change.key} is {change.status}; only drafts are edited",
            fields={"status": change.status},
        )
    before = snapshot(change)
    if data.services is not None:
        change.services = []
        session.flush()
        change.services = [
            ChangeService(service_slug=s.slug) for s in services_named(session, data.services)
        ]
    if "vendor" in data.model_fields_set:
        change.vendor = catalog.vendor_named(session, data.vendor)
    edited = data.model_dump(exclude_unset=True, exclude={"version", "services", "vendor"})
    for name, value in edited.items():
        setattr(change, name, value)
    _check_template(session, _fields(change))
    _reassess(session, change)
    return CHANGE.saved(session, change, actor, "change.updated", before)


# --- the lifecycle ------------------------------------------------------------------------


def _check_gates(session: Session, actor: Principal, change: Change, a: Assessment) -> None:
    """Refuse a change its freezes or its services' spent error budgets hold back."""
    _check_freeze(session, actor, change, a)
    exhausted = [f"{s.key} {s.name}" for s in a.exhausted]
    approvals.check_budget(ChangeType(change.type), exhausted, a.approval_rules)


def _check_freeze(session: Session, actor: Principal, change: Change, a: Assessment) -> None:
    """Refuse a non-emergency change inside a freeze without an exception; flag the rest."""
    names = [f.name for f in a.freezes]
    if domain.check_freeze(ChangeType(change.type), names, bool(change.freeze_exception)):
        why = "as an emergency" if change.type == ChangeType.EMERGENCY else "by exception"
        CHANGE.event(
            session, change, actor, "freeze", f"Inside freeze {', '.join(names)}: allowed {why}"
        )


def _filled(change: Change) -> dict[str, str]:
    return {d.requirement: d.by for d in change.decisions if d.decision == "approved"}


def _outstanding(change: Change) -> list[approvals.Requirement]:
    required = [approvals.Requirement.parse(ref) for ref in change.required_approvals]
    return approvals.outstanding(required, _filled(change))


def _move(session: Session, actor: Principal, change: Change, move: Transition, note: str) -> None:
    change.status = domain.next_status(Status(change.status), move, ChangeType(change.type))
    text = change.status.replace("_", " ").capitalize() + (f": {note}" if note else "")
    CHANGE.event(session, change, actor, move.value, text)
    events.record(session, domain.ChangeMoved(change.key, Status(change.status)))


def submit(session: Session, *, actor: Principal, key: str, data: schemas.TransitionIn) -> Change:
    """Submit for approval: the risk and approvals are set now; a standard change within its
    template is approved at once; a normal one inside a freeze needs an exception first."""
    require(actor, WORK)
    change = CHANGE.held(get(session, actor=actor, key=key), data.version)
    before = snapshot(change)
    domain.next_status(Status(change.status), Transition.SUBMIT, ChangeType(change.type))
    _check_template(session, _fields(change))
    a = _reassess(session, change)
    _check_gates(session, actor, change, a)
    change.required_approvals = [r.ref for r in a.required]
    _move(session, actor, change, Transition.SUBMIT, data.note)
    if change.type == ChangeType.STANDARD:
        _move(
            session,
            actor,
            change,
            Transition.APPROVE,
            f"pre-approved by template {change.template}",
        )
    return CHANGE.saved(session, change, actor, "change.submitted", before)


def platforms_of(session: Session, change: Change) -> list[str]:
    """The platforms of the change's services: whose operations managers govern it."""
    return catalog.platforms_of(session, services=change.service_slugs)


def _approving(session: Session, actor: Principal, change: Change) -> approvals.Approving:
    owners = {}
    for ref in change.required_approvals:
        requirement = approvals.Requirement.parse(ref)
        if requirement.scope:
            owners[requirement.scope] = catalog.get_journey(session, requirement.scope).owner.slug
    return approvals.Approving(
        actor, change.implementer, change.squad, owners, tuple(platforms_of(session, change))
    )


def waiting_approvals(session: Session, *, actor: Principal, key: str) -> list[approvals.Waiting]:
    """The approvals the change still needs, who may give each, and which `actor` may."""
    change = get(session, actor=actor, key=key)
    required = [approvals.Requirement.parse(ref) for ref in change.required_approvals]
    return approvals.waiting(
        _approving(session, actor, change),
        required,
        _filled(change),
        approval_policy(session, change.platform_slug),
    )


# Emergency changes are reviewed after they ran; others are approved while submitted.
REVIEWABLE = frozenset({Status.SUBMITTED, Status.IN_PROGRESS, *domain.DONE} - {Status.CLOSED})


def approve(session: Session, *, actor: Principal, key: str, data: schemas.DecisionIn) -> Change:
    require(actor, WORK)
    change = get(session, actor=actor, key=key)
    open_now = REVIEWABLE if change.type == ChangeType.EMERGENCY else {Status.SUBMITTED}
    if change.status not in open_now:
        raise Conflict(
            f"{change.key} is {change.status.replace('_', ' ')}: approvals are given while it is submitted",
            fields={"status": change.status},
        )
    before = snapshot(change)
    required = [approvals.Requirement.parse(ref) for ref in change.required_approvals]
    who = _approving(session, actor, change)
    rules = approval_policy(session, change.platform_slug)
    filled = approvals.requirement_for(who, required, _filled(change), data.requirement, rules)
    change.decisions.append(
        ChangeDecision(
            decision="approved", requirement=filled.ref, by=str(actor), comment=data.comment
        )
    )
    CHANGE.event(
        session,
        change,
        actor,
        "approval",
        f"Approved as {filled.ref.replace('_', ' ')}"
        + (f": {data.comment}" if data.comment else ""),
    )
    if change.status == Status.SUBMITTED and not _outstanding(change):
        _move(session, actor, change, Transition.APPROVE, "all approvals given")
    return CHANGE.saved(session, change, actor, "change.approved", before)


def reject(session: Session, *, actor: Principal, key: str, data: schemas.RejectionIn) -> Change:
    require(actor, WORK)
    change = get(session, actor=actor, key=key)
    before = snapshot(change)
    domain.next_status(Status(change.status), Transition.REJECT, ChangeType(change.type))
    # Anyone who could give one of the outstanding approvals may refuse it.
    filled = approvals.requirement_for(
        _approving(session, actor, change),
        _outstanding(change),
        _filled(change),
        None,
        approval_policy(session, change.platform_slug),
    )
    change.decisions.append(
        ChangeDecision(
            decision="rejected", requirement=filled.ref, by=str(actor), comment=data.comment
        )
    )
    _move(session, actor, change, Transition.REJECT, data.comment)
    return CHANGE.saved(session, change, actor, "change.rejected", before)


RUNS = frozenset(
    {
        Transition.SCHEDULE,
        Transition.START,
        Transition.COMPLETE,
        Transition.FAIL,
        Transition.ROLL_BACK,
        Transition.CLOSE,
    }
)
FINISHING = {Transition.COMPLETE: False, Transition.FAIL: True, Transition.ROLL_BACK: True}


def transition(
    session: Session, *, actor: Principal, key: str, move: Transition, data: schemas.TransitionIn
) -> Change:
    """Schedule, start, complete, fail, roll back or close a change."""
    if move not in RUNS:
        raise ValidationFailed(
            f"{move.value} is not done by a transition",
            fields={"move": "use submit, approve or reject"},
        )
    require(actor, WORK)
    change = CHANGE.held(get(session, actor=actor, key=key), data.version)
    before = snapshot(change)
    if move in (Transition.SCHEDULE, Transition.START):
        _check_gates(session, actor, change, _reassess(session, change))
    if move is Transition.CLOSE and change.type == ChangeType.EMERGENCY and _outstanding(change):
        raise Conflict(
            f"{change.key} is an emergency change: review it ({', '.join(r.ref for r in _outstanding(change))}) before closing",
            fields={"status": "review outstanding"},
        )
    _move(session, actor, change, move, data.note)
    _stamp(change, move)
    return CHANGE.saved(session, change, actor, f"change.{change.status}", before)


def _stamp(change: Change, move: Transition) -> None:
    now = clock.now()
    if move is Transition.START:
        change.started_at = now
    if move in FINISHING:
        change.finished_at = change.finished_at or now
        change.failed = change.failed or FINISHING[move]


def grant_exception(
    session: Session, *, actor: Principal, key: str, data: schemas.ExceptionIn
) -> Change:
    """The operations manager lets a change run inside a freeze; the reason is kept."""
    change = get(session, actor=actor, key=key)
    require(actor, Action.GOVERN, platforms=platforms_of(session, change))
    if change.status not in (Status.DRAFT, Status.SUBMITTED, Status.APPROVED):
        raise Conflict(
            f"{change.key} is {change.status.replace('_', ' ')}: exceptions are granted before it is scheduled",
            fields={"status": change.status},
        )
    before = snapshot(change)
    change.freeze_exception, change.freeze_exception_by = data.reason, str(actor)
    CHANGE.event(session, change, actor, "exception", f"Freeze exception granted: {data.reason}")
    return CHANGE.saved(session, change, actor, "change.freeze_exception", before)


# --- changes and incidents ----------------------------------------------------------------


def mark_cause(session: Session, *, actor: Principal, key: str, data: schemas.CauseIn) -> Change:
    """The change caused the incident: it fails (if it had not already) and both timelines
    say so."""
    require(actor, WORK)
    change = get(session, actor=actor, key=key)
    incident = incidents.get(session, actor=actor, key=data.incident)
    if incident.key in change.incident_keys:
        raise Conflict(f"{change.key} is already marked as the cause of {incident.key}")
    before = snapshot(change)
    if change.status in (Status.IN_PROGRESS, Status.COMPLETED):
        _move(session, actor, change, Transition.FAIL, f"caused {incident.key}")
        _stamp(change, Transition.FAIL)
    elif not change.failed:
        raise Conflict(
            f"{change.key} is {change.status.replace('_', ' ')}: only a change that ran can cause an incident",
            fields={"status": change.status},
        )
    change.incidents.append(ChangeIncident(incident_key=incident.key, marked_by=str(actor)))
    CHANGE.event(session, change, actor, "cause", f"Marked as the cause of {incident.key}")
    audit.add_event(
        session,
        subject_type=incidents.SUBJECT,
        subject_key=incident.key,
        actor=str(actor),
        kind="cause",
        text=f"Caused by change {change.key}: {change.title}",
    )
    return CHANGE.saved(session, change, actor, "change.marked_cause", before)


def caused_by(session: Session, *, actor: Principal, incident_key: str) -> list[str]:
    """Keys of the changes marked as the incident's cause."""
    require(actor, Action.READ)
    query = (
        select(Change.number)
        .join(ChangeIncident)
        .where(ChangeIncident.incident_key == incident_key.upper())
    )
    return [f"{PREFIX}-{n}" for n in session.scalars(query.order_by(Change.number))]


# --- changes reported by pipelines --------------------------------------------------------


def record_deployment(session: Session, *, actor: Principal, data: schemas.PipelineEvent) -> Change:
    """A deployment a CI/CD pipeline reports: a standard change already run, on the service's
    timeline and in its change failure rate."""
    require(actor, WORK)
    [service] = services_named(session, [data.service])
    finished = data.finished_at or clock.now()
    started = data.started_at or finished
    if finished < started:
        raise ValidationFailed(
            "finished before it started", fields={"finished_at": "before started_at"}
        )
    outcome = {
        "succeeded": Status.COMPLETED,
        "failed": Status.FAILED,
        "rolled_back": Status.ROLLED_BACK,
    }[data.outcome]
    change = Change(
        number=keys.next_number(session, PREFIX),
        title=data.summary,
        type=ChangeType.STANDARD,
        status=outcome,
        platform_slug=service.platform.slug,
        squad=squad_named(session, data.squad) if data.squad else service.owner.slug,
        implementer=str(actor),
        vendor=catalog.vendor_named(session, data.vendor),
        planned_start=started,
        planned_end=max(finished, started + timedelta(minutes=1)),
        started_at=started,
        finished_at=finished,
        failed=outcome != Status.COMPLETED,
        links=[link.model_dump() for link in data.links],
        source=f"pipeline:{data.pipeline}" if data.pipeline else "pipeline",
        created_by=str(actor),
        services=[ChangeService(service_slug=service.slug)],
    )
    _reassess(session, change)
    session.add(change)
    session.flush()
    CHANGE.event(
        session, change, actor, "deployed", f"Deployment reported: {data.outcome.replace('_', ' ')}"
    )
    return CHANGE.audited(session, change, actor, "change.recorded", None)


# --- reading ------------------------------------------------------------------------------


def read(change: Change) -> schemas.ChangeRead:
    return schemas.ChangeRead(
        **summary(change).model_dump(),
        description=change.description,
        implementer=change.implementer,
        vendor=change.vendor,
        rollback_plan=change.rollback_plan,
        test_evidence=change.test_evidence,
        links=[schemas.LinkRead(kind=link["kind"], url=link["url"]) for link in change.links],
        template=change.template,
        source=change.source,
        started_at=change.started_at,
        finished_at=change.finished_at,
        risk_factors=[schemas.FactorRead(**f) for f in change.risk_factors],
        required_approvals=change.required_approvals,
        outstanding_approvals=[r.ref for r in _outstanding(change)],
        decisions=[
            schemas.DecisionRead(
                decision=d.decision, requirement=d.requirement, by=d.by, comment=d.comment, at=d.at
            )
            for d in change.decisions
        ],
        freeze_exception=change.freeze_exception,
        freeze_exception_by=change.freeze_exception_by,
        incidents=change.incident_keys,
        created_by=change.created_by,
        version=change.version,
    )


def figures_by_squad(
    session: Session, *, actor: Principal, since: datetime, until: datetime
) -> list[schemas.FiguresRead]:
    """Change figures per squad, for other domains' KPIs (see reports.figures)."""
    return reports.figures(session, actor=actor, since=since, until=until, by="squad")

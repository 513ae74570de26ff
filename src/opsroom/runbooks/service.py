"""Runbooks: jobs in an automation tool that responders run on an incident, with its
context. A risky one waits for an operations manager's approval; each keeps to its runs per
hour; the worker launches the run and polls the tool until it reports the outcome, every
step on the incident's timeline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.alerts import service as alerts
from opsroom.audit import service as audit
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, integration_principal, require
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import IncidentDeclared
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import Conflict, NotFound, RateLimited, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.runbooks import domain, schemas
from opsroom.runbooks.domain import RunState
from opsroom.runbooks.models import Runbook, RunbookRun

ATTACHED_TIMER = "runbook.attached"
LAUNCH_TIMER = "runbook.launch"
POLL_TIMER = "runbook.poll"
INCIDENT = "incident"


def _snapshot(runbook: Runbook) -> dict[str, object]:
    return {c: getattr(runbook, c) for c in ("name", "platform_slug", "tool", "base_url", "job")}


RUNBOOK = Record("runbook", _snapshot)


def create(session: Session, *, actor: Principal, data: schemas.RunbookIn) -> Runbook:
    """Offer a job on the platform's incidents (its operations manager)."""
    platform = catalog.get_platform(session, data.platform).slug
    require(actor, Action.GOVERN, platforms=[platform])
    if session.scalar(select(Runbook).where(Runbook.slug == data.slug)) is not None:
        raise Conflict(f"a runbook '{data.slug}' exists", fields={"slug": "taken"})
    if data.integration is not None:
        _integration(session, data.integration)
    runbook = Runbook(
        **data.model_dump(exclude={"platform", "token"}),
        platform_slug=platform,
        token=data.token.get_secret_value(),
        created_by=str(actor),
    )
    session.add(runbook)
    return RUNBOOK.audited(session, runbook, actor, "runbook.created", None)


def _integration(session: Session, slug: str) -> None:
    try:
        alerts.get_integration(session, slug)
    except NotFound as exc:
        raise ValidationFailed(
            f"no integration '{slug}'", fields={"integration": "not an integration"}
        ) from exc


def get(session: Session, slug: str) -> Runbook:
    found = session.scalar(select(Runbook).where(Runbook.slug == slug))
    if found is None:
        raise NotFound(f"no runbook '{slug}'")
    return found


def offered(session: Session, *, actor: Principal, platform: str | None = None) -> list[Runbook]:
    require(actor, Action.READ)
    query = select(Runbook).order_by(Runbook.name)
    if platform:
        query = query.where(Runbook.platform_slug == platform)
    return list(session.scalars(query))


def for_incident(session: Session, *, actor: Principal, key: str) -> list[Runbook]:
    """The runbooks of the incident's platform."""
    platform = incidents.get(session, actor=actor, key=key).platform_slug
    return offered(session, actor=actor, platform=platform)


def tell(session: Session, run: RunbookRun, actor: str, kind: str, text: str) -> None:
    audit.add_event(
        session,
        subject_type=INCIDENT,
        subject_key=run.incident_key,
        actor=actor,
        kind=kind,
        text=text,
        data={"run": run.id, "runbook": run.runbook_slug},
    )


def _context(session: Session, actor: Principal, key: str) -> dict[str, str]:
    incident = incidents.summary(incidents.get(session, actor=actor, key=key))
    link = settings_of(session).base_url.rstrip("/") + f"/incidents/{incident.key}"
    return {
        "incident": incident.key,
        "title": incident.title,
        "priority": incident.priority,
        "platform": incident.platform,
        "services": ",".join(incident.services),
        "service": incident.services[0] if incident.services else "",
        "link": link,
    }


def _check_rate(session: Session, runbook: Runbook) -> None:
    since = clock.now() - domain.RATE_WINDOW
    count, oldest = session.execute(
        select(func.count(), func.min(RunbookRun.created_at)).where(
            RunbookRun.runbook_slug == runbook.slug,
            RunbookRun.created_at > since,
            RunbookRun.state != RunState.REJECTED,
        )
    ).one()
    domain.check_rate(runbook.name, runbook.runs_per_hour, count, oldest, clock.now())


def run(session: Session, *, actor: Principal, key: str, data: schemas.RunIn) -> RunbookRun:
    """Ask for a run of a runbook on the incident: queued for the worker, or waiting for
    approval if the job is risky. Refused (429) past the runbook's runs per hour."""
    require(actor, Action.WORK_INCIDENTS)
    runbook = get(session, data.runbook)
    context = _context(session, actor, key)
    if context["platform"] != runbook.platform_slug:
        raise ValidationFailed(
            f"{runbook.name} runs on {runbook.platform_slug}'s incidents only",
            fields={"runbook": "of another platform"},
        )
    _check_rate(session, runbook)
    now = clock.now()
    state = domain.first_state(runbook.risky)
    found = RunbookRun(
        runbook_slug=runbook.slug,
        incident_key=context["incident"],
        state=state,
        context=context,
        requested_by=str(actor),
        created_at=now,
        updated_at=now,
    )
    session.add(found)
    session.flush()
    waits = " (awaits approval)" if state is RunState.AWAITING_APPROVAL else ""
    tell(
        session, found, str(actor), "runbook.requested", f"Runbook {runbook.name} asked for{waits}"
    )
    if state is RunState.QUEUED:
        schedule(session, found, LAUNCH_TIMER)
    return found


def schedule(session: Session, found: RunbookRun, kind: str) -> None:
    delay = domain.POLL_EVERY if kind == POLL_TIMER else timedelta(0)
    jobs.schedule(
        session,
        kind=kind,
        subject=f"runbook-run:{found.id}",
        due_at=clock.now() + delay,
        payload={"run": found.id},
        # a poll schedules the next from its own timer: only the launch is de-duplicated
        dedup_key=f"{kind}:{found.id}" if kind == LAUNCH_TIMER else None,
    )


def get_run(session: Session, *, actor: Principal, run_id: int) -> RunbookRun:
    require(actor, Action.READ)
    found = session.get(RunbookRun, run_id)
    if found is None:
        raise NotFound(f"no runbook run {run_id}")
    return found


def runs(session: Session, *, actor: Principal, key: str) -> list[RunbookRun]:
    require(actor, Action.READ)
    query = select(RunbookRun).where(RunbookRun.incident_key == key.upper())
    return list(session.scalars(query.order_by(RunbookRun.id)))


def decide(
    session: Session, *, actor: Principal, run_id: int, approve: bool, data: schemas.DecisionIn
) -> RunbookRun:
    """Approve (the run is queued) or reject a risky run: the platform's operations manager."""
    found = get_run(session, actor=actor, run_id=run_id)
    runbook = get(session, found.runbook_slug)
    require(actor, Action.GOVERN, platforms=[runbook.platform_slug])
    if found.state != RunState.AWAITING_APPROVAL:
        raise Conflict(
            f"run {run_id} is {found.state.replace('_', ' ')}, not awaiting approval",
            fields={"state": found.state},
        )
    found.state = RunState.QUEUED if approve else RunState.REJECTED
    found.decided_by, found.decision_note, found.updated_at = str(actor), data.note, clock.now()
    verdict = "approved" if approve else "rejected"
    note = f": {data.note}" if data.note else ""
    tell(
        session, found, str(actor), f"runbook.{verdict}", f"Runbook {runbook.name} {verdict}{note}"
    )
    if approve:
        schedule(session, found, LAUNCH_TIMER)
    return found


def read(found: RunbookRun) -> schemas.RunRead:
    return schemas.RunRead(
        id=found.id,
        runbook=found.runbook_slug,
        incident=found.incident_key,
        state=RunState(found.state),
        context=found.context,
        requested_by=found.requested_by,
        decided_by=found.decided_by,
        decision_note=found.decision_note,
        execution=found.execution,
        tool_status=found.tool_status,
        last_error=found.last_error,
        created_at=found.created_at,
        updated_at=found.updated_at,
    )


def read_runbook(runbook: Runbook) -> schemas.RunbookRead:
    return schemas.RunbookRead(
        slug=runbook.slug,
        name=runbook.name,
        platform=runbook.platform_slug,
        tool=domain.Tool(runbook.tool),
        base_url=runbook.base_url,
        job=runbook.job,
        risky=runbook.risky,
        runs_per_hour=runbook.runs_per_hour,
        integration=runbook.integration,
        created_by=runbook.created_by,
    )


# --- runbooks attached to an integration ----------------------------------------------------


def attached_on_declaration(session: Session, event: IncidentDeclared) -> None:
    """Look, once the declaration is done, for the runbooks attached to the integration whose
    alerts opened the incident (its source is set after it is declared)."""
    if session.scalar(select(Runbook.id).where(Runbook.integration.is_not(None)).limit(1)):
        jobs.schedule(
            session,
            kind=ATTACHED_TIMER,
            subject=event.key,
            due_at=clock.now(),
            dedup_key=f"{ATTACHED_TIMER}:{event.key}",
        )


def run_attached(session: Session, timer: Due) -> None:
    """Run each runbook attached to the integration that opened the incident, as it."""
    incident = incidents.find(session, timer.subject)
    kind, _, slug = incident.source.partition(":")
    if kind != "integration":
        return
    attached = select(Runbook).where(
        Runbook.integration == slug, Runbook.platform_slug == incident.platform_slug
    )
    for runbook in session.scalars(attached.order_by(Runbook.slug)):
        _run_as(session, integration_principal(slug), timer.subject, runbook)


def _run_as(session: Session, actor: Principal, key: str, runbook: Runbook) -> None:
    try:
        with session.begin_nested():
            run(session, actor=actor, key=key, data=schemas.RunIn(runbook=runbook.slug))
    except RateLimited as exc:
        text = f"Runbook {runbook.name} not run: {exc.message}"
        audit.add_event(
            session,
            subject_type=INCIDENT,
            subject_key=key,
            actor=str(actor),
            kind="runbook.limited",
            text=text,
        )

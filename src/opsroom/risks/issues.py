"""The issue register beside the risks: known present problems that are not incidents (an
expiring certificate, a vendor out of support), with an owner, a due date and escalation;
an issue left unresolved past its due date escalates on its own (a durable timer). A
vendor's contract keeps one issue open per component it no longer supports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock, keys
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.risks import domain, schemas
from opsroom.risks.domain import IssueStatus, IssueTransition
from opsroom.risks.models import Issue
from opsroom.risks.records import get as get_risk
from opsroom.vendors.domain import OutOfSupport, SupportRecorded

PREFIX = "ISS"
OVERDUE_TIMER = "issue.overdue"
WORKER = "opsroom-worker"


def _snapshot(issue: Issue) -> dict[str, Any]:
    fields = ("title", "owner", "owner_squad", "due_on", "status", "escalated_to")
    return {name: getattr(issue, name) for name in fields}


ISSUE = Record("issue", _snapshot)


def get(session: Session, *, actor: Principal, key: str) -> Issue:
    require(actor, Action.READ)
    return keys.find(session, select(Issue), Issue.number, key, PREFIX, "issue")


def search(
    session: Session,
    *,
    actor: Principal,
    platform: str | None = None,
    squad: str | None = None,
    open_only: bool = False,
) -> list[Issue]:
    require(actor, Action.READ)
    query = select(Issue)
    if platform:
        query = query.where(Issue.platform_slug == platform)
    if squad:
        query = query.where(Issue.owner_squad == squad)
    if open_only:
        query = query.where(Issue.status != IssueStatus.RESOLVED)
    return list(session.scalars(query.order_by(Issue.due_on, Issue.number)))


def _risk_number(session: Session, actor: Principal, key: str | None) -> int | None:
    if key is None:
        return None
    try:
        return get_risk(session, actor=actor, key=key).number
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"risk": exc.message}) from None


def create(session: Session, *, actor: Principal, data: schemas.IssueCreate) -> Issue:
    require(actor, Action.WORK_INCIDENTS)
    try:
        squad = catalog.get_squad(session, data.owner_squad)
    except NotFound:
        raise ValidationFailed(
            f"no squad '{data.owner_squad}'", fields={"owner_squad": "unknown squad"}
        ) from None
    issue = Issue(
        number=keys.next_number(session, PREFIX),
        title=data.title,
        description=data.description,
        platform_slug=squad.platform.slug,
        owner=data.owner,
        owner_squad=squad.slug,
        due_on=data.due_on,
        status=IssueStatus.OPEN,
        risk_number=_risk_number(session, actor, data.risk),
        created_by=str(actor),
    )
    session.add(issue)
    session.flush()
    _escalate_when_overdue(session, issue)
    ISSUE.event(session, issue, actor, "raised", f"Issue raised for {squad.slug}")
    return ISSUE.audited(session, issue, actor, "issue.raised", None)


def update(session: Session, *, actor: Principal, key: str, data: schemas.IssueUpdate) -> Issue:
    """Change what describes an issue; a new due date moves its escalation."""
    require(actor, Action.WORK_INCIDENTS)
    issue = ISSUE.held(get(session, actor=actor, key=key), data.version)
    before = _snapshot(issue)
    changes = data.model_dump(exclude_unset=True, exclude={"version"}, exclude_none=True)
    for name, value in changes.items():
        setattr(issue, name, value)
    if "due_on" in changes and IssueStatus(issue.status) is not IssueStatus.RESOLVED:
        _escalate_when_overdue(session, issue)
    moved = f": due {issue.due_on:%d %b %Y}" if before["due_on"] != issue.due_on else ""
    ISSUE.event(session, issue, actor, "edit", f"Issue edited{moved}")
    return ISSUE.saved(session, issue, actor, "issue.updated", before)


def _escalate_when_overdue(session: Session, issue: Issue) -> None:
    """An issue is overdue from the day after its due date."""
    jobs.schedule(
        session,
        kind=OVERDUE_TIMER,
        subject=issue.key,
        due_at=clock.midnight(issue.due_on + timedelta(days=1)),
        dedup_key=f"{issue.key}:overdue",
    )


def transition(
    session: Session,
    *,
    actor: Principal,
    key: str,
    move: IssueTransition,
    data: schemas.IssueMove,
) -> Issue:
    require(actor, Action.WORK_INCIDENTS)
    issue = ISSUE.held(get(session, actor=actor, key=key), data.version)
    target = domain.next_issue_status(IssueStatus(issue.status), move, data.to, data.reason)
    before = _snapshot(issue)
    issue.status = target
    if target is IssueStatus.RESOLVED:
        jobs.cancel(session, subject=issue.key, kind=OVERDUE_TIMER)
    if move is IssueTransition.REOPEN:
        _escalate_when_overdue(session, issue)
    if move is IssueTransition.ESCALATE:
        issue.escalated_to, issue.escalation_reason = data.to, data.reason
    issue.resolved_at = clock.now() if target is IssueStatus.RESOLVED else None
    note = f" to {data.to}: {data.reason}" if move is IssueTransition.ESCALATE else ""
    ISSUE.event(session, issue, actor, move.value, f"{target.value.capitalize()}{note}")
    return ISSUE.saved(session, issue, actor, f"issue.{move.value}", before)


def escalate_overdue(session: Session, timer: Due) -> None:
    """Past its due date and unresolved: the issue goes up to its platform's operations
    manager, and its owner and that manager hear of it."""
    issue = session.scalar(select(Issue).where(Issue.number == keys.parse(timer.subject, PREFIX)))
    if issue is None or not domain.issue_overdue(
        IssueStatus(issue.status), issue.due_on, clock.now().date()
    ):
        return
    before = _snapshot(issue)
    managers = _operations_managers(session, issue)
    whom = ", ".join(managers) or "no operations manager (none set on the platform)"
    if IssueStatus(issue.status) is IssueStatus.OPEN:
        issue.status, issue.escalated_to = IssueStatus.ESCALATED, ", ".join(managers)
        issue.escalation_reason = f"past its due date, {issue.due_on:%d %b %Y}"
    ISSUE.event(
        session, issue, WORKER, "escalate", f"Overdue since {issue.due_on:%d %b %Y}: up to {whom}"
    )
    ISSUE.saved(session, issue, WORKER, "issue.overdue", before)
    for person in dict.fromkeys([*([issue.owner] if issue.owner else []), *managers]):
        notify.notify_person(
            session,
            person=person,
            kind=NoticeKind.ISSUE_OVERDUE,
            subject=issue.key,
            title=f"{issue.key} is overdue since {issue.due_on:%d %b %Y}",
            body=f"{issue.title} (squad {issue.owner_squad}, owner {issue.owner or 'none'})",
            path=f"/issues#{issue.key}",
            dedup=f"{NoticeKind.ISSUE_OVERDUE}:{issue.key}:{issue.due_on}",
        )


# --- components out of vendor support -------------------------------------------------------

SUPPORT_SOURCE = "vendor-support"


def _support_source(vendor: str, component: str) -> str:
    return f"{SUPPORT_SOURCE}:{vendor}:{component.casefold()}"[:300]


def _open_support_issues(session: Session, vendor: str) -> dict[str, Issue]:
    query = select(Issue).where(
        Issue.source.startswith(f"{SUPPORT_SOURCE}:{vendor}:", autoescape=True),
        Issue.status != IssueStatus.RESOLVED,
    )
    return {str(issue.source): issue for issue in session.scalars(query)}


def track_out_of_support(session: Session, event: SupportRecorded) -> None:
    """The vendor's contract was recorded: each component out of support has its open issue,
    due the day support ends (so it escalates once past it); each issue of a component that
    is supported again is resolved. Recording the same contract again changes nothing."""
    open_issues = _open_support_issues(session, event.vendor)
    for component in event.components:
        source = _support_source(event.vendor, component.component)
        found = open_issues.pop(source, None)
        if found is None:
            _raise_support_issue(session, event, component, source)
        elif found.due_on != component.ends_on:
            data = schemas.IssueUpdate(version=found.version, due_on=component.ends_on)
            update(session, actor=event.actor, key=found.key, data=data)
    for renewed in open_issues.values():
        move = schemas.IssueMove(version=renewed.version, reason="support renewed")
        transition(
            session, actor=event.actor, key=renewed.key, move=IssueTransition.RESOLVE, data=move
        )


def _raise_support_issue(
    session: Session, event: SupportRecorded, component: OutOfSupport, source: str
) -> None:
    services = catalog.get_vendor(session, event.vendor).services
    squad = min(services, key=lambda link: link.service.slug).service.owner.slug
    data = schemas.IssueCreate(
        title=f"{component.component} is out of {event.name}'s support"[:300],
        description=f"{event.name}'s contract does not support {component.component} "
        f"from {component.ends_on:%d %b %Y}: upgrade it or renew its support.",
        owner_squad=squad,
        owner=event.owner,
        due_on=component.ends_on,
    )
    create(session, actor=event.actor, data=data).source = source


def _operations_managers(session: Session, issue: Issue) -> list[str]:
    manager = catalog.get_platform(session, issue.platform_slug).operations_manager_email
    return [manager] if manager else []


def read(issue: Issue) -> schemas.IssueRead:
    status = IssueStatus(issue.status)
    return schemas.IssueRead(
        key=issue.key,
        title=issue.title,
        description=issue.description,
        platform=issue.platform_slug,
        owner=issue.owner,
        owner_squad=issue.owner_squad,
        due_on=issue.due_on,
        overdue=domain.issue_overdue(status, issue.due_on, clock.now().date()),
        status=status,
        escalated_to=issue.escalated_to,
        escalation_reason=issue.escalation_reason,
        risk=keys.format_key("RSK", issue.risk_number) if issue.risk_number else None,
        resolved_at=issue.resolved_at,
        allowed_transitions=domain.issue_allowed(status),
        created_by=issue.created_by,
        created_at=issue.created_at,
        version=issue.version,
    )

"""Action items, one tracker for the whole platform: raise them from any source, work them
to done and verified (or won't do, once an operations manager accepts why), chase the
overdue ones and count them for the KPI pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from opsroom.actions import domain, schemas
from opsroom.actions.domain import ActionRaised, Source, Status, Transition
from opsroom.actions.models import ActionItem
from opsroom.audit import service as audit
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.improvement import service as settings
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority
from opsroom.infra import clock, events, keys
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind

PREFIX = "ACT"
SUBJECT = "action"
WORKER = "opsroom-worker"
DUE_TIMER = "action.due"
ESCALATION_TIMER = "action.escalate"


def today() -> date:
    return clock.now().date()


# --- finding ------------------------------------------------------------------------------


def get(session: Session, *, actor: Principal, key: str) -> ActionItem:
    require(actor, Action.READ)
    return keys.find(session, select(ActionItem), ActionItem.number, key, PREFIX, "action item")


def _outstanding(query: Select[Any]) -> Select[Any]:
    return query.where(ActionItem.status.in_(list(domain.OUTSTANDING)))


def _overdue(query: Select[Any]) -> Select[Any]:
    return _outstanding(query).where(ActionItem.due_on < today())


def _aged(query: Select[Any], bucket: str) -> Select[Any]:
    start, end = domain.bucket_days(bucket)
    now = clock.now()
    query = query.where(ActionItem.created_at <= now - timedelta(days=start))
    return (
        query if end is None else query.where(ActionItem.created_at > now - timedelta(days=end + 1))
    )


def _filtered(
    query: Select[Any],
    *,
    squad: str | None = None,
    platform: str | None = None,
    source_type: Source | None = None,
    source_key: str | None = None,
    priority: Priority | None = None,
    status: Sequence[Status] = (),
    outstanding: bool = False,
    overdue: bool = False,
    age: str | None = None,
    problem: int | None = None,
    text: str | None = None,
) -> Select[Any]:
    equal = {
        ActionItem.owner_squad: squad,
        ActionItem.platform_slug: platform,
        ActionItem.source_type: source_type,
        ActionItem.source_key: source_key.upper() if source_key else None,
        ActionItem.priority: int(priority) if priority else None,
        ActionItem.problem_number: problem,
    }
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    if status:
        query = query.where(ActionItem.status.in_(list(status)))
    if text:
        query = query.where(func.lower(ActionItem.title).like(f"%{text.lower()}%"))
    if outstanding:
        query = _outstanding(query)
    if overdue:
        query = _overdue(query)
    return _aged(query, age) if age else query


def search(
    session: Session,
    *,
    actor: Principal,
    limit: int = 50,
    cursor: str | None = None,
    **filters: Any,
) -> Page[ActionItem]:
    """The tracker: filter by squad, platform, source, priority, status, overdue, age or
    words in the title."""
    require(actor, Action.READ)
    query = _filtered(select(ActionItem), **filters)
    return paginate(session, query, ActionItem.number, limit=limit, cursor=cursor, descending=True)


def for_source(session: Session, *, source_type: Source, key: str) -> list[ActionItem]:
    query = select(ActionItem).where(
        ActionItem.source_type == source_type, ActionItem.source_key == key
    )
    return list(session.scalars(query.order_by(ActionItem.number)))


def for_problem(session: Session, *, number: int) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.problem_number == number)
    return list(session.scalars(query.order_by(ActionItem.number)))


def open_systemic_fixes(session: Session, *, problem_number: int) -> list[str]:
    """Keys of the systemic fixes for a problem that are not yet done."""
    query = _outstanding(
        select(ActionItem).where(
            ActionItem.problem_number == problem_number, ActionItem.systemic.is_(True)
        )
    )
    return [i.key for i in session.scalars(query.order_by(ActionItem.number))]


# --- raising and editing ---------------------------------------------------------------


def _snapshot(item: ActionItem) -> dict[str, Any]:
    fields = ("title", "kind", "owner_squad", "owner", "priority", "due_on", "status", "systemic")
    return {name: getattr(item, name) for name in fields} | {"problem": item.problem_number}


ACTION_ITEM = Record(SUBJECT, _snapshot)


def _squad(session: Session, slug: str) -> Any:
    try:
        return catalog.get_squad(session, slug)
    except NotFound:
        raise ValidationFailed(
            f"no squad '{slug}'", fields={"owner_squad": f"unknown squad '{slug}'"}
        ) from None


def _source_key(session: Session, actor: Principal, kind: Source, key: str) -> str:
    """The source's key as opsroom writes it; incidents are checked here, reviews and
    problems by their own domains in reaction to `SourceCited`."""
    prefix = domain.KEYED_SOURCES.get(kind)
    if prefix is None:
        return key
    if not key:
        raise ValidationFailed(
            f"name the {kind.value} this comes from", fields={"source_key": "required"}
        )
    if kind is Source.INCIDENT:
        try:
            return incidents.get(session, actor=actor, key=key).key
        except NotFound as exc:
            raise missing_source(exc) from None
    events.record(session, domain.SourceCited(kind, key, actor))
    number = keys.parse(key, prefix)
    return keys.format_key(prefix, number) if number else key


def missing_source(exc: NotFound) -> ValidationFailed:
    """How an action item citing a record that does not exist is refused."""
    return ValidationFailed(exc.message, fields={"source_key": exc.message})


def _problem_number(session: Session, actor: Principal, key: str | None) -> int | None:
    if key is None:
        return None
    _source_key(session, actor, Source.PROBLEM, key)
    return keys.parse(key, "PRB")


def create(session: Session, *, actor: Principal, data: schemas.ActionCreate) -> ActionItem:
    require(actor, Action.WORK_INCIDENTS)
    squad = _squad(session, data.owner_squad)
    problem = _problem_number(session, actor, data.problem)
    if data.systemic and problem is None:
        raise ValidationFailed(
            "a systemic fix names the problem it fixes", fields={"problem": "required"}
        )
    item = ActionItem(
        number=keys.next_number(session, PREFIX),
        title=data.title,
        description=data.description,
        kind=data.kind,
        platform_slug=squad.platform.slug,
        owner_squad=squad.slug,
        owner=data.owner,
        priority=int(data.priority),
        due_on=data.due_on
        or domain.default_due(
            data.priority, today(), settings.current(session, squad.platform.slug).actions
        ),
        status=Status.OPEN,
        source_type=data.source_type,
        source_key=_source_key(session, actor, data.source_type, data.source_key.upper()),
        problem_number=problem,
        systemic=data.systemic,
        independent_verification=data.independent_verification,
        created_by=str(actor),
    )
    session.add(item)
    session.flush()
    ACTION_ITEM.event(
        session, item, actor, "raised", f"Raised for {squad.slug}, due {item.due_on:%d %b %Y}"
    )
    ACTION_ITEM.audited(session, item, actor, "action.raised", None)
    _schedule(session, item)
    events.record(session, ActionRaised(item.key, item.platform_slug, str(actor)))
    return item


def update(
    session: Session, *, actor: Principal, key: str, data: schemas.ActionUpdate
) -> ActionItem:
    require(actor, Action.WORK_INCIDENTS)
    item = ACTION_ITEM.held(get(session, actor=actor, key=key), data.version)
    before = _snapshot(item)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "problem"})
    if "owner_squad" in changes:
        squad = _squad(session, changes["owner_squad"])
        item.platform_slug, changes["owner_squad"] = squad.platform.slug, squad.slug
    if "problem" in data.model_fields_set:
        item.problem_number = _problem_number(session, actor, data.problem)
    for name, value in changes.items():
        setattr(item, name, int(value) if name == "priority" else value)
    if item.systemic and item.problem_number is None:
        raise ValidationFailed(
            "a systemic fix names the problem it fixes", fields={"problem": "required"}
        )
    ACTION_ITEM.saved(session, item, actor, "action.updated", before)
    _schedule(session, item)
    return item


# --- the lifecycle ----------------------------------------------------------------------


def transition(
    session: Session,
    *,
    actor: Principal,
    key: str,
    move: Transition,
    data: schemas.ActionMove,
) -> ActionItem:
    item = get(session, actor=actor, key=key)
    if move is Transition.ACCEPT_WONT_DO:
        require(actor, Action.GOVERN, platforms=[item.platform_slug])
    require(actor, Action.WORK_INCIDENTS)
    ACTION_ITEM.held(item, data.version)
    target = domain.next_status(Status(item.status), move)
    domain.check_reason(move, data.reason)
    if move is Transition.VERIFY:
        domain.check_verifier(
            independent=item.independent_verification, implementer=item.done_by, verifier=str(actor)
        )
    before = _snapshot(item)
    _record_move(item, move, actor, data.reason)
    item.status = target
    note = f": {data.reason}" if data.reason else ""
    ACTION_ITEM.event(
        session, item, actor, move.value, f"{target.value.replace('_', ' ').capitalize()}{note}"
    )
    ACTION_ITEM.saved(session, item, actor, f"action.{move.value}", before)
    if target in domain.FINISHED:
        jobs.cancel(session, subject=item.key)
    elif move in (Transition.REOPEN, Transition.REJECT_WONT_DO):
        _schedule(session, item)
    return item


def _record_move(item: ActionItem, move: Transition, actor: Principal, reason: str) -> None:
    who, now = str(actor), clock.now()
    if move is Transition.COMPLETE:
        item.done_by, item.finished_at = who, now
    elif move is Transition.VERIFY:
        item.verified_by = who
    elif move is Transition.REQUEST_WONT_DO:
        item.wont_do_reason = reason
    elif move is Transition.ACCEPT_WONT_DO:
        item.wont_do_accepted_by, item.finished_at = who, now
    elif move is Transition.REOPEN:
        item.done_by = item.verified_by = item.wont_do_accepted_by = item.finished_at = None
    elif move is Transition.REJECT_WONT_DO:
        item.wont_do_reason = ""


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    item = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=SUBJECT, subject_key=item.key)


# --- chasing: reminders to the owner, escalation to the squad lead ------------------------


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _schedule(session: Session, item: ActionItem) -> None:
    if Status(item.status) not in domain.OUTSTANDING:
        return
    jobs.schedule(
        session,
        kind=DUE_TIMER,
        subject=item.key,
        due_at=_midnight(item.due_on + timedelta(days=1)),
        dedup_key=f"{item.key}:due",
    )
    jobs.schedule(
        session,
        kind=ESCALATION_TIMER,
        subject=item.key,
        due_at=_midnight(
            domain.escalation_due(
                item.due_on, settings.current(session, item.platform_slug).actions
            )
        ),
        dedup_key=f"{item.key}:escalate",
    )


def _still_overdue(session: Session, timer: Due) -> ActionItem | None:
    item = session.scalar(
        select(ActionItem).where(ActionItem.number == keys.parse(timer.subject, PREFIX))
    )
    if item is None or not domain.is_overdue(Status(item.status), item.due_on, today()):
        return None
    return item


def remind_due(session: Session, timer: Due) -> None:
    item = _still_overdue(session, timer)
    if item is None:
        return
    item.reminded_at = clock.now()
    people = [item.owner] if item.owner else squad_leads(session, item.owner_squad)
    whom = ", ".join(people) or f"squad {item.owner_squad} (no lead to notify)"
    ACTION_ITEM.event(
        session, item, WORKER, "reminder", f"Overdue since {item.due_on:%d %b}: {whom} reminded"
    )
    ACTION_ITEM.audited(session, item, WORKER, "action.reminded", None, after={"remind": people})
    _notify(
        session,
        item,
        people,
        NoticeKind.ACTION_OVERDUE,
        f"{item.key} is overdue since {item.due_on:%d %b}",
    )


def escalate_overdue(session: Session, timer: Due) -> None:
    item = _still_overdue(session, timer)
    if item is None:
        return
    item.escalated_at = clock.now()
    leads = squad_leads(session, item.owner_squad)
    days = (today() - item.due_on).days
    ACTION_ITEM.event(
        session,
        item,
        WORKER,
        "escalation",
        f"Still overdue {days} days after {item.due_on:%d %b}: escalated to {', '.join(leads) or f'squad {item.owner_squad} (no lead to notify)'}",
    )
    ACTION_ITEM.audited(
        session, item, WORKER, "action.escalated", None, after={"escalate_to": leads}
    )
    _notify(
        session,
        item,
        leads,
        NoticeKind.ACTION_ESCALATED,
        f"{item.key} is still overdue {days} days after {item.due_on:%d %b}",
    )


def _notify(
    session: Session, item: ActionItem, people: Sequence[str], kind: NoticeKind, title: str
) -> None:
    owner = item.owner or f"squad {item.owner_squad}"
    for person in people:
        notify.notify_person(
            session,
            person=person,
            kind=kind,
            subject=item.key,
            title=title,
            body=f"{item.title} (owner {owner}, {Priority(item.priority).label})",
            path=f"/actions/{item.key}",
            dedup=f"{kind}:{item.key}:{item.due_on}",
        )


def squad_leads(session: Session, slug: str) -> list[str]:
    members = catalog.get_squad(session, slug).members
    return [m.email for m in members if "lead" in m.role.lower()]


# --- reading and figures ------------------------------------------------------------------


def read(item: ActionItem) -> schemas.ActionRead:
    status = Status(item.status)
    return schemas.ActionRead(
        key=item.key,
        title=item.title,
        description=item.description,
        kind=item.kind,
        platform=item.platform_slug,
        owner_squad=item.owner_squad,
        owner=item.owner,
        priority=Priority(item.priority).label,
        due_on=item.due_on,
        status=status,
        overdue=domain.is_overdue(status, item.due_on, today()),
        age_days=(clock.now() - item.created_at).days,
        source_type=item.source_type,
        source_key=item.source_key,
        problem=f"PRB-{item.problem_number}" if item.problem_number else None,
        systemic=item.systemic,
        independent_verification=item.independent_verification,
        done_by=item.done_by,
        verified_by=item.verified_by,
        wont_do_reason=item.wont_do_reason,
        wont_do_accepted_by=item.wont_do_accepted_by,
        finished_at=item.finished_at,
        escalated_at=item.escalated_at,
        created_by=item.created_by,
        created_at=item.created_at,
        allowed_transitions=domain.allowed(status),
        version=item.version,
    )


def figures(
    session: Session, *, actor: Principal, squad: str | None = None, platform: str | None = None
) -> schemas.ActionFigures:
    """Open and overdue items, closure rate and median age, per squad, platform or overall."""
    require(actor, Action.READ)
    items = list(session.scalars(_filtered(select(ActionItem), squad=squad, platform=platform)))
    now, day = clock.now(), today()
    ages = [now - i.created_at for i in items if i.status in domain.OUTSTANDING]
    finished = sum(i.status in domain.FINISHED for i in items)
    return schemas.ActionFigures(
        total=len(items),
        outstanding=len(ages),
        overdue=sum(domain.is_overdue(Status(i.status), i.due_on, day) for i in items),
        closure_rate_pct=domain.share(finished, len(items)),
        median_age_days=domain.median_days(ages),
        aging=domain.aging(ages),
    )

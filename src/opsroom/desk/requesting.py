"""The request catalog: request types as data (their questions, approval steps, fulfilment
squad and SLA), requests made from them with the answers checked field by field, and the
approval steps a requested ticket takes before its squad fulfils it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.desk import domain, organisations, schemas
from opsroom.desk import service as desk
from opsroom.desk.domain import (
    Approver,
    Decision,
    FieldType,
    Kind,
    Priority,
    RequestField,
    Status,
)
from opsroom.desk.models import RequestType, Ticket, TicketApproval
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.jobs import service as jobs


def _snapshot(kind: RequestType) -> dict[str, Any]:
    fields = ("name", "description", "squad", "priority", "fields", "approvals", "active")
    return {name: getattr(kind, name) for name in fields}


REQUEST_TYPE = Record("request_type", _snapshot, named="request type {key}")


def _browse(actor: Principal) -> None:
    """Requesters browse the catalog; everyone else who reads does too."""
    if actor.role is not Role.REQUESTER:
        require(actor, Action.READ)


def _offered(session: Session, actor: Principal) -> Select[RequestType]:
    """The types `actor` may see: a requester the active ones of the platforms their
    organisation is a customer of, the staff every one."""
    _browse(actor)
    query = select(RequestType)
    if actor.role is not Role.REQUESTER:
        return query
    platforms = organisations.platforms_of(session, str(actor.organisation))
    return query.where(RequestType.active.is_(True), RequestType.platform_slug.in_(platforms))


def get_type(session: Session, *, actor: Principal, slug: str) -> RequestType:
    found = session.scalar(_offered(session, actor).where(RequestType.slug == slug))
    if found is None:
        raise NotFound(f"no request type '{slug}'")
    return found


def list_types(session: Session, *, actor: Principal) -> list[RequestType]:
    """The catalog: requesters see the types they may ask for, the staff every one."""
    return list(session.scalars(_offered(session, actor).order_by(RequestType.name)))


def create_type(
    session: Session, *, actor: Principal, data: schemas.RequestTypeCreate
) -> RequestType:
    """A new request type (the operations managers of its service's platform)."""
    service = _known(catalog.get_service, session, data.service, "service")
    require(actor, Action.GOVERN, platforms=[service.platform.slug])
    squad = data.squad or service.owner.slug
    _known(catalog.get_squad, session, squad, "squad")
    if session.scalar(select(RequestType.id).where(RequestType.slug == data.slug)):
        taken = f"request type '{data.slug}' exists already"
        raise Conflict(taken, fields={"slug": taken})
    kind = RequestType(
        slug=data.slug,
        name=data.name,
        description=data.description,
        platform_slug=service.platform.slug,
        service_slug=service.slug,
        squad=squad,
        priority=data.priority,
    )
    _set_questions(session, kind, data.fields, data.approvals)
    session.add(kind)
    return REQUEST_TYPE.audited(session, kind, actor, "request_type.created", None)


def update_type(
    session: Session, *, actor: Principal, slug: str, data: schemas.RequestTypeUpdate
) -> RequestType:
    kind = REQUEST_TYPE.held(get_type(session, actor=actor, slug=slug), data.version)
    require(actor, Action.GOVERN, platforms=[kind.platform_slug])
    before = _snapshot(kind)
    for name in ("name", "description", "active"):
        if getattr(data, name) is not None:
            setattr(kind, name, getattr(data, name))
    _set_questions(
        session,
        kind,
        [schemas.RequestFieldDoc(**f) for f in kind.fields] if data.fields is None else data.fields,
        [schemas.ApprovalStepDoc(**a) for a in kind.approvals]
        if data.approvals is None
        else data.approvals,
    )
    return REQUEST_TYPE.saved(session, kind, actor, "request_type.updated", before)


def _known(get_one: Any, session: Session, slug: str, field: str) -> Any:
    try:
        return get_one(session, slug)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={field: exc.message}) from None


def _set_questions(
    session: Session,
    kind: RequestType,
    fields: list[schemas.RequestFieldDoc],
    approvals: list[schemas.ApprovalStepDoc],
) -> None:
    domain.check_fields([_question(f.model_dump()) for f in fields])
    for n, step in enumerate(approvals):
        if step.squad is not None:
            _known(catalog.get_squad, session, step.squad, f"approvals.{n}.squad")
    kind.fields = [f.model_dump(mode="json") for f in fields]
    kind.approvals = [a.model_dump(mode="json") for a in approvals]


def _question(stored: dict[str, Any]) -> RequestField:
    typed = {"type": FieldType(stored["type"]), "choices": tuple(stored["choices"])}
    return RequestField(**(stored | typed))


def read_type(kind: RequestType) -> schemas.RequestTypeRead:
    return schemas.RequestTypeRead(
        slug=kind.slug,
        name=kind.name,
        description=kind.description,
        platform=kind.platform_slug,
        service=kind.service_slug,
        squad=kind.squad,
        priority=Priority(kind.priority),
        fields=[schemas.RequestFieldDoc(**f) for f in kind.fields],
        approvals=[schemas.ApprovalStepDoc(**a) for a in kind.approvals],
        active=kind.active,
        version=kind.version,
    )


# --- requests and their approval steps ------------------------------------------------------


def make_request(session: Session, *, actor: Principal, data: schemas.RequestIn) -> Ticket:
    """A ticket of kind request in the fulfilment squad's queue, recording the answers; its
    approval steps wait, in order, before the squad fulfils it."""
    try:
        kind = get_type(session, actor=actor, slug=data.type)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"type": exc.message}) from None
    if not kind.active:
        raise ValidationFailed(f"{kind.name} is withdrawn", fields={"type": "withdrawn"})
    questions = [_question(f) for f in kind.fields]
    answers = domain.check_answers(questions, data.answers)
    asked = "\n".join(f"{q.label}: {answers[q.name]}" for q in questions if q.name in answers)
    opened = schemas.TicketCreate(
        kind=Kind.REQUEST,
        title=data.title or kind.name,
        description=asked,
        requester=data.requester,
        organisation=data.organisation,
        service=kind.service_slug,
        priority=Priority(kind.priority),
    )
    ticket = desk.open_ticket(session, actor=actor, data=opened, fulfilled_by=kind.squad)
    ticket.request_type, ticket.answers = kind.slug, answers
    ticket.approvals = [
        TicketApproval(step=n, approver=a["approver"], squad=a["squad"] or kind.squad)
        for n, a in enumerate(kind.approvals)
    ]
    session.flush()
    return ticket


def decide(
    session: Session,
    *,
    actor: Principal,
    key: str,
    decision: Decision,
    data: schemas.ApprovalIn,
) -> Ticket:
    """Approve or decline the step waiting, as someone that step allows. The requester is
    told either way; a decline closes the request."""
    ticket = desk.get(session, actor=actor, key=key)
    step = domain.next_step([Decision(a.decision) for a in ticket.approvals])
    if step is None or ticket.status not in domain.OPEN or decision is Decision.PENDING:
        raise Conflict(f"{ticket.key} waits for no approval", fields={"approvals": "none waiting"})
    waiting = ticket.approvals[step]
    _may_decide(actor, waiting, ticket)
    before = desk.TICKET.snapshot(ticket) | {"approvals": [a.decision for a in ticket.approvals]}
    waiting.decision, waiting.note = decision, data.note
    waiting.decided_by, waiting.decided_at = str(actor), clock.now()
    desk.tell_requester(
        session, ticket, _told(ticket, decision, data.note), occasion=f"approval-{step}-{decision}"
    )
    if decision is Decision.DECLINED:
        ticket.status = Status.CLOSED
        jobs.cancel(session, subject=ticket.key, kind=desk.SLA_TIMER)
    desk.TICKET.event(session, ticket, actor, str(decision), f"Approval step {step + 1} {decision}")
    return desk.TICKET.saved(session, ticket, actor, f"ticket.{decision}", before)


def _may_decide(actor: Principal, waiting: TicketApproval, ticket: Ticket) -> None:
    if Approver(waiting.approver) is Approver.SQUAD_LEAD:
        require(actor, Action.EDIT_SQUAD_ITEMS, squads=[str(waiting.squad)])
    else:
        require(actor, Action.GOVERN, platforms=[ticket.platform_slug])


def _told(ticket: Ticket, decision: Decision, note: str) -> str:
    said = f" ({note})" if note else ""
    if decision is Decision.DECLINED:
        return f"Your request was declined{said}."
    if domain.next_step([Decision(a.decision) for a in ticket.approvals]) is None:
        return f"Your request was approved{said}; the {ticket.squad} squad fulfils it now."
    return f"One approval of your request was given{said}; another is still needed."

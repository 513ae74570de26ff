"""Who a page reaches and how: each person's contact methods and the notification rules
that say which method is used after how many minutes. Everyone edits their own; an
administrator edits anyone's. Every edit is audited against the person."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, NotFound, ValidationFailed
from opsroom.notify import codes, domain, schemas
from opsroom.notify.domain import Channel
from opsroom.notify.models import ContactMethod, NotificationRule, QuietHours


def may_edit(actor: Principal, person: str) -> None:
    decision = domain.settings_editable_by(actor, person)
    if not decision.allowed:
        raise Forbidden(decision.reason)


def add_contact_method(
    session: Session, *, actor: Principal, person: str, data: schemas.ContactMethodIn
) -> ContactMethod:
    may_edit(actor, person)
    method = ContactMethod(person=person, kind=data.kind, address=data.address, label=data.label)
    if not codes.needs_verification(data.kind):
        method.verified_at = clock.now()
    session.add(method)
    session.flush()
    audit_person(
        session, actor, "contact_method.added", person, {"kind": data.kind, "label": data.label}
    )
    return method


Owned = TypeVar("Owned", ContactMethod, NotificationRule)


def _owned(session: Session, model: type[Owned], person: str, record_id: int, noun: str) -> Owned:
    """The person's contact method or rule of that id (404 for anyone else's)."""
    record = session.get(model, record_id)
    if record is None or record.person != person:
        raise NotFound(f"{person} has no {noun} {record_id}")
    return record


def own_method(session: Session, person: str, method_id: int) -> ContactMethod:
    return _owned(session, ContactMethod, person, method_id, "contact method")


def update_contact_method(
    session: Session,
    *,
    actor: Principal,
    person: str,
    method_id: int,
    data: schemas.ContactMethodUpdate,
) -> ContactMethod:
    may_edit(actor, person)
    method = own_method(session, person, method_id)
    before = {"address": method.address, "label": method.label}
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    kind, address = Channel(method.kind), changes.get("address", method.address)
    problem = domain.address_problem(kind, address)
    if problem:
        raise ValidationFailed(problem, fields={"address": problem})
    stored = domain.stored_address(kind, address)
    if stored != method.address and codes.needs_verification(kind):
        method.verified_at, method.verification_sent_at = None, None
    method.address = stored
    method.label = changes.get("label", method.label)
    session.flush()
    audit_person(
        session, actor, "contact_method.updated", person, {"id": method.id, **changes}, before
    )
    return method


def remove_contact_method(
    session: Session, *, actor: Principal, person: str, method_id: int
) -> ContactMethod:
    """Remove a contact method and the notification rules that use it."""
    may_edit(actor, person)
    method = own_method(session, person, method_id)
    for rule in session.scalars(
        select(NotificationRule).where(NotificationRule.contact_method_id == method_id)
    ):
        session.delete(rule)
    session.delete(method)
    session.flush()
    audit_person(
        session, actor, "contact_method.removed", person, {"id": method_id, "kind": method.kind}
    )
    return method


def contact_methods(session: Session, *, actor: Principal, person: str) -> list[ContactMethod]:
    require(actor, Action.READ)
    query = select(ContactMethod).where(ContactMethod.person == person).order_by(ContactMethod.id)
    return list(session.scalars(query))


def add_rule(
    session: Session, *, actor: Principal, person: str, data: schemas.RuleIn
) -> NotificationRule:
    may_edit(actor, person)
    method = session.get(ContactMethod, data.contact_method)
    if method is None or method.person != person:
        raise NotFound(f"{person} has no contact method {data.contact_method}")
    if method.verified_at is None:
        problem = "verify this contact method first: ask for a code and name it back"
        raise ValidationFailed(problem, fields={"contact_method": problem})
    rule = NotificationRule(
        person=person,
        contact_method=method,
        delay_minutes=data.delay_minutes,
        urgency=data.urgency,
    )
    session.add(rule)
    session.flush()
    audit_person(
        session,
        actor,
        "notification_rule.added",
        person,
        {"contact_method": method.id, "delay_minutes": data.delay_minutes, "urgency": data.urgency},
    )
    return rule


def _own_rule(session: Session, person: str, rule_id: int) -> NotificationRule:
    return _owned(session, NotificationRule, person, rule_id, "notification rule")


def update_rule(
    session: Session, *, actor: Principal, person: str, rule_id: int, data: schemas.RuleUpdate
) -> NotificationRule:
    may_edit(actor, person)
    rule = _own_rule(session, person, rule_id)
    before = {"delay_minutes": rule.delay_minutes, "urgency": rule.urgency}
    rule.delay_minutes = data.delay_minutes
    rule.urgency = data.urgency or rule.urgency
    session.flush()
    after = {"delay_minutes": rule.delay_minutes, "urgency": rule.urgency}
    audit_person(
        session, actor, "notification_rule.updated", person, {"id": rule.id, **after}, before
    )
    return rule


def remove_rule(
    session: Session, *, actor: Principal, person: str, rule_id: int
) -> NotificationRule:
    may_edit(actor, person)
    rule = _own_rule(session, person, rule_id)
    session.delete(rule)
    session.flush()
    audit_person(session, actor, "notification_rule.removed", person, {"id": rule_id})
    return rule


def rules(session: Session, *, actor: Principal, person: str) -> list[NotificationRule]:
    require(actor, Action.READ)
    query = select(NotificationRule).where(NotificationRule.person == person)
    return list(
        session.scalars(query.order_by(NotificationRule.delay_minutes, NotificationRule.id))
    )


def quiet_hours(session: Session, *, actor: Principal, person: str) -> QuietHours:
    require(actor, Action.READ)
    found = session.get(QuietHours, person)
    if found is None:
        raise NotFound(f"{person} has no quiet hours: every page wakes them")
    return found


def set_quiet_hours(
    session: Session, *, actor: Principal, person: str, data: schemas.QuietHoursIn
) -> QuietHours:
    """Set (or replace) when `person` is not woken for a low-urgency page."""
    may_edit(actor, person)
    found = session.get(QuietHours, person)
    before = _quiet(found) if found else None
    if found is None:
        found = QuietHours(person=person)
        session.add(found)
    found.start, found.end, found.time_zone = data.start, data.end, data.time_zone
    session.flush()
    audit_person(session, actor, "quiet_hours.set", person, _quiet(found), before)
    return found


def clear_quiet_hours(session: Session, *, actor: Principal, person: str) -> QuietHours:
    may_edit(actor, person)
    found = quiet_hours(session, actor=actor, person=person)
    session.delete(found)
    session.flush()
    audit_person(session, actor, "quiet_hours.cleared", person, {}, _quiet(found))
    return found


def _quiet(hours: QuietHours) -> dict[str, Any]:
    return {"start": hours.start.isoformat(), "end": hours.end.isoformat(), "zone": hours.time_zone}


def audit_person(
    session: Session,
    actor: Principal,
    action: str,
    person: str,
    after: dict[str, Any],
    before: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=str(actor),
        action=action,
        subject_type="person",
        subject_key=person,
        before=before,
        after=after,
    )

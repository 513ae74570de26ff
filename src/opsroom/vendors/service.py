"""Engaging a vendor on an incident: its contract clock, the escalation ladder climbed on
durable timers while it has not responded, its acknowledgement, and the clock stopped when
the incident is resolved."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth import service as users
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.catalog.service import Vendor, VendorEscalationLevel
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import OPEN, IncidentResolved, Priority, Status
from opsroom.infra import clock, keys
from opsroom.infra.errors import Conflict, Forbidden, NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.vendors import domain, schemas
from opsroom.vendors.domain import CreditStatus, EngagementStatus
from opsroom.vendors.models import VendorEngagement

ESCALATION_TIMER = "vendor.escalate"
WORKER = "opsroom-worker"
SUBJECT = "vendor-engagement"


def _timer_subject(engagement: VendorEngagement) -> str:
    return f"{SUBJECT}:{engagement.id}"


def _vendor_of_incident(session: Session, slug: str, services: list[str]) -> Vendor:
    """The vendor `slug`, which must run or support one of the incident's services."""
    try:
        vendor = catalog.get_vendor(session, slug)
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"vendor": exc.message}) from None
    if not {link.service.slug for link in vendor.services} & set(services):
        problem = f"{vendor.name} supports none of the incident's services"
        raise ValidationFailed(problem, fields={"vendor": problem})
    return vendor


def _open_engagement(session: Session, key: str, vendor: str) -> VendorEngagement | None:
    query = select(VendorEngagement).where(
        VendorEngagement.incident_key == key,
        VendorEngagement.vendor == vendor,
        VendorEngagement.status != EngagementStatus.CLOSED,
    )
    return session.scalar(query)


def engage(
    session: Session, *, actor: Principal, key: str, data: schemas.EngagementIn
) -> VendorEngagement:
    """Call the vendor in on the incident: its contract clock starts and the first level of
    its escalation ladder hears of it (by an operations manager, on their platforms' incidents)."""
    require(actor, Action.WORK_INCIDENTS)
    incident = incidents.get(session, actor=actor, key=key)
    require(actor, Action.WORK_INCIDENTS, platforms=[incident.platform_slug])
    if Status(incident.status) not in OPEN:
        raise Conflict(f"{incident.key} is {incident.status}: no vendor can be engaged on it")
    vendor = _vendor_of_incident(session, data.vendor, incident.service_slugs)
    if _open_engagement(session, incident.key, vendor.slug) is not None:
        problem = f"{vendor.name} is already engaged on {incident.key}"
        raise Conflict(problem, fields={"vendor": problem})
    engagement = _started(session, actor, incident, vendor)
    if not any(p.kind == "vendor" and p.ref == vendor.slug for p in incident.participants):
        joining = incident_schemas.ParticipantIn(kind="vendor", ref=vendor.slug)
        incidents.add_participant(session, actor=actor, key=incident.key, data=joining)
    _call(session, engagement, vendor, str(actor))
    return engagement


def _started(
    session: Session, actor: Principal, incident: incidents.Incident, vendor: Vendor
) -> VendorEngagement:
    priority = Priority(incident.priority).label
    ladder = [level.response_minutes for level in vendor.escalation]
    targets = domain.targets(vendor.sla_terms, priority, ladder)
    now = clock.now()
    engagement = VendorEngagement(
        incident_key=incident.key,
        vendor=vendor.slug,
        priority=priority,
        status=EngagementStatus.ENGAGED,
        level=1,
        engaged_by=str(actor),
        engaged_at=now,
        response_due=domain.due(now, targets.response_minutes),
        resolution_due=domain.due(now, targets.resolution_minutes),
    )
    session.add(engagement)
    session.flush()
    _audited(session, engagement, str(actor), "vendor.engaged")
    return engagement


def _audited(session: Session, engagement: VendorEngagement, actor: str, action: str) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="vendor",
        subject_key=engagement.vendor,
        after=_snapshot(engagement),
    )


def _snapshot(engagement: VendorEngagement) -> dict[str, object]:
    """What the audit log keeps of an engagement."""
    return {
        "incident": engagement.incident_key,
        "status": engagement.status,
        "level": engagement.level,
        "response_due": engagement.response_due,
        "resolution_due": engagement.resolution_due,
        "acknowledged_at": engagement.acknowledged_at,
        "resolved_at": engagement.resolved_at,
        "credit": engagement.credit,
        "credit_status": engagement.credit_status,
        "dispute_note": engagement.dispute_note,
        "settlement_note": engagement.settlement_note,
    }


def _timeline(session: Session, engagement: VendorEngagement, actor: str, text: str) -> None:
    audit.add_event(
        session,
        subject_type=incidents.SUBJECT,
        subject_key=engagement.incident_key,
        actor=actor,
        kind="vendor",
        text=text,
    )


def _addresses(vendor: Vendor, level: VendorEscalationLevel | None) -> list[str]:
    """Whom a step of the ladder reaches: the level's contact, or without one the vendor's
    support contacts."""
    if level is not None and level.email:
        return [level.email]
    return [c["email"] for c in vendor.support_contacts if c.get("email")]


def _call(session: Session, engagement: VendorEngagement, vendor: Vendor, actor: str) -> None:
    """Notify the ladder's current level, write it on the timeline, and time the next step."""
    levels = vendor.escalation
    level = levels[engagement.level - 1] if engagement.level <= len(levels) else None
    contact = level.contact if level else "support contacts"
    for address in _addresses(vendor, level):
        notify.notify_person(
            session,
            person=address,
            kind=NoticeKind.VENDOR_ESCALATION,
            subject=engagement.incident_key,
            title=f"[{engagement.priority}] {engagement.incident_key}: {vendor.name} engaged, "
            f"level {engagement.level}",
            body=_ask(engagement),
            path=f"/incidents/{engagement.incident_key}",
            dedup=f"{SUBJECT}:{engagement.id}:{engagement.level}",
            incident=engagement.incident_key,
            thread=domain.engagement_key(engagement.id),
        )
    text = f"{vendor.name} engaged at level {engagement.level} ({contact}): {_ask(engagement)}"
    _timeline(session, engagement, actor, text)
    nxt = domain.next_level(engagement.level, len(levels))
    if level is not None and nxt is not None:
        jobs.schedule(
            session,
            kind=ESCALATION_TIMER,
            subject=_timer_subject(engagement),
            due_at=domain.due(clock.now(), level.response_minutes) or clock.now(),
            dedup_key=f"{_timer_subject(engagement)}:level-{nxt}",
        )


def _ask(engagement: VendorEngagement) -> str:
    respond = _by(engagement.response_due, "respond")
    resolve = _by(engagement.resolution_due, "resolve")
    return "; ".join(part for part in (respond, resolve) if part) or "no contract targets"


def _by(moment: datetime | None, what: str) -> str:
    return f"{what} by {moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def escalate(session: Session, timer: Due) -> None:
    """The level called has not responded in time: the next one is called."""
    engagement = session.get(VendorEngagement, int(timer.subject.rsplit(":", 1)[1]))
    if engagement is None or engagement.status != EngagementStatus.ENGAGED:
        return
    if Status(incidents.find(session, engagement.incident_key).status) not in OPEN:
        return  # cancelled: no one is waiting for the vendor any more
    vendor = catalog.get_vendor(session, engagement.vendor)
    nxt = domain.next_level(engagement.level, len(vendor.escalation))
    if nxt is None:
        return
    engagement.level = nxt
    _call(session, engagement, vendor, WORKER)
    _audited(session, engagement, WORKER, "vendor.escalated")


def get(session: Session, *, actor: Principal, engagement_id: int) -> VendorEngagement:
    """An engagement on an incident the caller may see."""
    engagement = session.get(VendorEngagement, engagement_id)
    if engagement is None:
        raise NotFound(f"no vendor engagement {engagement_id}")
    incidents.get(session, actor=actor, key=engagement.incident_key)
    return engagement


def acknowledge(session: Session, *, actor: Principal, engagement_id: int) -> VendorEngagement:
    """The vendor has responded: the response clock stops and the ladder climbs no further.
    Its contact acknowledges from their own view; a responder may record it for them."""
    engagement = get(session, actor=actor, engagement_id=engagement_id)
    require(actor, Action.POST_UPDATES, vendor=engagement.vendor)
    if engagement.status != EngagementStatus.ENGAGED:
        raise Conflict(f"{engagement.vendor}'s engagement is already {engagement.status}")
    engagement.status = EngagementStatus.ACKNOWLEDGED
    engagement.acknowledged_by, engagement.acknowledged_at = str(actor), clock.now()
    jobs.cancel(session, subject=_timer_subject(engagement), kind=ESCALATION_TIMER)
    verdict = read(engagement).response
    _timeline(session, engagement, str(actor), f"{engagement.vendor} responded{_late(verdict)}")
    _audited(session, engagement, str(actor), "vendor.acknowledged")
    return engagement


def acknowledge_by_reply(session: Session, *, key: str, sender: str, text: str) -> VendorEngagement:
    """A reply to an engagement's escalation email: from one of the vendor's contacts it
    acknowledges the engagement as the contact's own view would (if it still waits) and
    is posted on the incident's timeline; from anyone else it is refused."""
    number = keys.parse(key, domain.ENGAGEMENT_PREFIX)
    engagement = session.get(VendorEngagement, number) if number is not None else None
    if engagement is None:
        raise NotFound(f"no vendor engagement {key}")
    vendor = catalog.get_vendor(session, engagement.vendor)
    if sender.lower() not in _contacts(session, vendor):
        raise Forbidden(f"{sender} is not a contact of {vendor.name}", fields={"from": sender})
    contact = Principal(name=sender.lower(), role=Role.VENDOR_CONTACT, vendor=vendor.slug)
    if engagement.status == EngagementStatus.ENGAGED:
        acknowledge(session, actor=contact, engagement_id=engagement.id)
    _timeline(session, engagement, contact.name, f"{vendor.name} replied by email: {text}")
    return engagement


def _contacts(session: Session, vendor: Vendor) -> set[str]:
    """Every address that speaks for the vendor: its ladder's, its support contacts' and
    its contact accounts'."""
    ladder = {level.email for level in vendor.escalation if level.email}
    accounts = {u.email for u in users.vendor_contacts(session, vendor=vendor.slug)}
    return {address.lower() for address in ladder | accounts | set(_addresses(vendor, None))}


def _late(verdict: schemas.VerdictRead) -> str:
    if verdict.met is False:
        return f", {verdict.minutes_over} min after the contract's response time"
    return " within the contract's response time" if verdict.met else ""


def stop_on_resolve(session: Session, event: IncidentResolved) -> None:
    """The incident is resolved: its vendors' clocks stop and their ladders climb no more."""
    query = select(VendorEngagement).where(
        VendorEngagement.incident_key == event.key,
        VendorEngagement.status != EngagementStatus.CLOSED,
    )
    for engagement in session.scalars(query):
        engagement.status = EngagementStatus.CLOSED
        engagement.resolved_at = event.resolved_at or clock.now()
        _credit(session, engagement)
        jobs.cancel(session, subject=_timer_subject(engagement), kind=ESCALATION_TIMER)
        _timeline(session, engagement, str(event.actor), f"{engagement.vendor}'s clock stopped")
        _audited(session, engagement, str(event.actor), "vendor.released")


def _credit(session: Session, engagement: VendorEngagement) -> None:
    """What the contract's credit table makes the vendor owe, fixed as its clock stops."""
    terms = catalog.get_vendor(session, engagement.vendor).sla_terms
    table = domain.credit_table(terms)
    response, resolution = _verdicts(engagement)
    engagement.credit = domain.credit_owed(table, response, resolution)
    engagement.currency = str(terms.get("currency", ""))[:10]
    owed = engagement.credit > 0
    engagement.credit_status = CreditStatus.OWED if owed else CreditStatus.NONE


def _verdicts(engagement: VendorEngagement) -> tuple[domain.Verdict, domain.Verdict]:
    """The response and resolution verdicts, judged at the clock's stop (or now)."""
    now = engagement.resolved_at or clock.now()
    return (
        domain.judge(engagement.response_due, engagement.acknowledged_at, now),
        domain.judge(engagement.resolution_due, engagement.resolved_at, now),
    )


def dispute(
    session: Session, *, actor: Principal, engagement_id: int, data: schemas.DisputeIn
) -> VendorEngagement:
    """The vendor (or a responder for them) contests the credit owed, saying why."""
    engagement = get(session, actor=actor, engagement_id=engagement_id)
    require(actor, Action.POST_UPDATES, vendor=engagement.vendor)
    engagement.credit_status = domain.disputed(CreditStatus(engagement.credit_status))
    engagement.dispute_note = data.note
    text = f"{engagement.vendor} disputed its credit of {engagement.credit}: {data.note}"
    _timeline(session, engagement, str(actor), text)
    _audited(session, engagement, str(actor), "vendor.credit_disputed")
    return engagement


def settle(
    session: Session, *, actor: Principal, engagement_id: int, data: schemas.SettlementIn
) -> VendorEngagement:
    """An operations manager of the incident's platform settles a dispute: the credit upheld
    or waived, saying why."""
    require(actor, Action.GOVERN)
    engagement = get(session, actor=actor, engagement_id=engagement_id)
    platform = incidents.get(session, actor=actor, key=engagement.incident_key).platform_slug
    require(actor, Action.GOVERN, platforms=[platform])
    status = CreditStatus(engagement.credit_status)
    engagement.credit_status = domain.settled(status, data.outcome)
    engagement.settlement_note = data.note
    text = f"{engagement.vendor}'s credit dispute settled, {data.outcome.value}: {data.note}"
    _timeline(session, engagement, str(actor), text)
    _audited(session, engagement, str(actor), "vendor.credit_settled")
    return engagement


def engaged_ever(session: Session, *, vendor: str) -> bool:
    query = select(VendorEngagement.id).where(VendorEngagement.vendor == vendor).limit(1)
    return session.scalar(query) is not None


def _visible(actor: Principal) -> Select[VendorEngagement]:
    """Engagements the caller may see: a vendor contact, their own vendor's alone."""
    query = select(VendorEngagement)
    if actor.vendor is None:
        require(actor, Action.READ)
        return query
    return query.where(VendorEngagement.vendor == actor.vendor)


def engagements(session: Session, *, actor: Principal, key: str) -> list[VendorEngagement]:
    """The vendors engaged on the incident (for a vendor contact: their own vendor's)."""
    incident = incidents.get(session, actor=actor, key=key)
    query = _visible(actor).where(VendorEngagement.incident_key == incident.key)
    return list(session.scalars(query.order_by(VendorEngagement.id)))


def search(
    session: Session,
    *,
    actor: Principal,
    incident: str | None = None,
    vendor: str | None = None,
    platform: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[VendorEngagement]:
    """Engagements newest first: on one incident, of one vendor, on one platform's
    incidents, or any of these together. An unknown vendor is refused with the field named."""
    query = _visible(actor)
    if incident:
        key = incidents.get(session, actor=actor, key=incident).key
        query = query.where(VendorEngagement.incident_key == key)
    if vendor:
        query = query.where(VendorEngagement.vendor == catalog.vendor_named(session, vendor))
    if platform:
        query = query.where(VendorEngagement.incident_key.in_(incidents.keys_on(platform)))
    return paginate(
        session, query, VendorEngagement.id, limit=limit, cursor=cursor, descending=True
    )


def engageable(session: Session, *, actor: Principal, key: str) -> list[Vendor]:
    """The vendors running or supporting one of the incident's services."""
    services = incidents.get(session, actor=actor, key=key).service_slugs
    found = {v.slug: v for s in services for v in catalog.list_vendors(session, service=s)}
    return sorted(found.values(), key=lambda v: v.name)


def _verdict(due_at: datetime | None, verdict: domain.Verdict) -> schemas.VerdictRead:
    return schemas.VerdictRead(due_at=due_at, met=verdict.met, minutes_over=verdict.minutes_over)


def read(engagement: VendorEngagement) -> schemas.EngagementRead:
    response, resolution = _verdicts(engagement)
    return schemas.EngagementRead(
        id=engagement.id,
        incident=engagement.incident_key,
        vendor=engagement.vendor,
        priority=engagement.priority,
        status=EngagementStatus(engagement.status),
        level=engagement.level,
        engaged_by=engagement.engaged_by,
        engaged_at=engagement.engaged_at,
        acknowledged_by=engagement.acknowledged_by,
        acknowledged_at=engagement.acknowledged_at,
        resolved_at=engagement.resolved_at,
        response=_verdict(engagement.response_due, response),
        resolution=_verdict(engagement.resolution_due, resolution),
        credit=engagement.credit,
        currency=engagement.currency,
        credit_status=CreditStatus(engagement.credit_status),
        dispute_note=engagement.dispute_note,
        settlement_note=engagement.settlement_note,
    )

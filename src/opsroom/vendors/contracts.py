"""A vendor's contract: its term, support level, renewal notice and the components it no
longer supports; the reminder to renew, a durable timer that tells its owner (or the
operations managers of the platforms it serves) when the notice period starts; and, for the
issue register, which components are out of support."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.catalog.service import Vendor
from opsroom.infra import clock, events
from opsroom.infra.db import locked
from opsroom.infra.errors import NotFound, ValidationFailed, require_version
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.vendors import domain, schemas
from opsroom.vendors.domain import SupportLevel
from opsroom.vendors.models import VendorContract

RENEWAL_TIMER = "vendor.contract_renewal"
WORKER = "opsroom-worker"
TERMS = ("starts_on", "ends_on", "support_level", "notice_days", "owner")
FIELDS = (*TERMS, "out_of_support")


def _subject(vendor: str) -> str:
    return f"vendor-contract:{vendor}"


def _snapshot(contract: VendorContract | None) -> dict[str, object] | None:
    return None if contract is None else {f: getattr(contract, f) for f in FIELDS}


def find(session: Session, vendor: str) -> VendorContract | None:
    return session.scalar(select(VendorContract).where(VendorContract.vendor == vendor))


def get(session: Session, *, actor: Principal, slug: str) -> VendorContract:
    vendor = catalog.get_vendor(session, slug)
    require(actor, Action.READ, vendor=vendor.slug)
    contract = find(session, vendor.slug)
    if contract is None:
        raise NotFound(f"{vendor.name} has no contract recorded")
    return contract


def set_contract(
    session: Session, *, actor: Principal, slug: str, data: schemas.ContractIn
) -> VendorContract:
    """Record the vendor's contract (or its renewal) and time the reminder to renew it."""
    require(actor, Action.GOVERN)
    vendor = catalog.get_vendor(session, slug)
    domain.check_term(data.starts_on, data.ends_on)
    components = _components(vendor, data.out_of_support)
    contract = find(session, vendor.slug)
    before = _snapshot(contract)
    if contract is None:
        contract = VendorContract(vendor=vendor.slug, version=0)
        session.add(contract)
    else:
        require_version(f"{vendor.name}'s contract", locked(contract).version, data.version)
    for field in TERMS:
        setattr(contract, field, getattr(data, field))
    contract.out_of_support = [
        {"component": c.component, "ends_on": c.ends_on.isoformat()} for c in components
    ]
    contract.version += 1
    session.flush()
    _time_reminder(session, contract)
    support = domain.SupportRecorded(vendor.slug, vendor.name, components, contract.owner, actor)
    events.record(session, support)
    audit.record(
        session,
        actor=str(actor),
        action="vendor.contract_set",
        subject_type="vendor",
        subject_key=vendor.slug,
        before=before,
        after=_snapshot(contract),
    )
    return contract


def _components(
    vendor: Vendor, named: list[schemas.OutOfSupportIn]
) -> tuple[domain.OutOfSupport, ...]:
    """The components the contract no longer supports; a squad must own the vendor's
    services for their issues to have an owner."""
    components = tuple(domain.OutOfSupport(c.component, c.ends_on) for c in named)
    domain.check_components(components)
    if components and not vendor.services:
        problem = f"{vendor.name} supports no service, so no squad would own the issues"
        raise ValidationFailed(problem, fields={"out_of_support": problem})
    return components


def _time_reminder(session: Session, contract: VendorContract) -> None:
    jobs.cancel(session, subject=_subject(contract.vendor), kind=RENEWAL_TIMER)
    day = domain.reminder_on(contract.ends_on, contract.notice_days)
    jobs.schedule(
        session,
        kind=RENEWAL_TIMER,
        subject=_subject(contract.vendor),
        due_at=max(datetime.combine(day, time.min, tzinfo=UTC), clock.now()),
        payload={"ends_on": contract.ends_on.isoformat()},
        dedup_key=f"{_subject(contract.vendor)}:{contract.ends_on.isoformat()}",
    )


def _renewers(session: Session, contract: VendorContract) -> list[str]:
    """The contract's owner; without one, the operations managers of the platforms the
    vendor's services belong to."""
    if contract.owner:
        return [contract.owner]
    vendor = catalog.get_vendor(session, contract.vendor)
    managers = {link.service.platform.operations_manager_email for link in vendor.services}
    return sorted(m for m in managers if m)


def renewal_due(session: Session, timer: Due) -> None:
    """The notice period starts: whoever renews the contract is told."""
    contract = find(session, timer.subject.removeprefix("vendor-contract:"))
    if contract is None or timer.payload.get("ends_on") != contract.ends_on.isoformat():
        return
    vendor = catalog.get_vendor(session, contract.vendor)
    for person in _renewers(session, contract):
        notify.notify_person(
            session,
            person=person,
            kind=NoticeKind.VENDOR_CONTRACT_RENEWAL,
            subject=vendor.slug,
            title=f"{vendor.name}'s contract ends on {contract.ends_on:%d %b %Y}: renew it",
            body=f"{vendor.contract_reference or vendor.name}, {contract.support_level} support",
            path=f"/vendors/{vendor.slug}/scorecard",
            dedup=f"{_subject(vendor.slug)}:{contract.ends_on.isoformat()}",
        )
    audit.record(
        session,
        actor=WORKER,
        action="vendor.contract_renewal_due",
        subject_type="vendor",
        subject_key=vendor.slug,
        after={"ends_on": contract.ends_on, "told": _renewers(session, contract)},
    )


def read(contract: VendorContract) -> schemas.ContractRead:
    return schemas.ContractRead(
        vendor=contract.vendor,
        starts_on=contract.starts_on,
        ends_on=contract.ends_on,
        support_level=SupportLevel(contract.support_level),
        notice_days=contract.notice_days,
        owner=contract.owner,
        reminder_on=domain.reminder_on(contract.ends_on, contract.notice_days),
        out_of_support=[schemas.OutOfSupportIn.model_validate(c) for c in contract.out_of_support],
        state=domain.contract_state(
            clock.now().date(), contract.starts_on, contract.ends_on, contract.notice_days
        ),
        version=contract.version,
    )

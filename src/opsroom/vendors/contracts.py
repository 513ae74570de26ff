"""A vendor's contract: its term, support level and renewal notice, and the reminder to
renew, a durable timer that tells its owner (or the operations managers of the platforms it
serves) when the notice period starts."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.errors import NotFound, require_version
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.vendors import domain, schemas
from opsroom.vendors.domain import SupportLevel
from opsroom.vendors.models import VendorContract

RENEWAL_TIMER = "vendor.contract_renewal"
WORKER = "opsroom-worker"
FIELDS = ("starts_on", "ends_on", "support_level", "notice_days", "owner")


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
    contract = find(session, vendor.slug)
    before = _snapshot(contract)
    if contract is None:
        contract = VendorContract(vendor=vendor.slug, version=0)
        session.add(contract)
    else:
        require_version(f"{vendor.name}'s contract", contract.version, data.version)
    for field in FIELDS:
        setattr(contract, field, getattr(data, field))
    contract.version += 1
    session.flush()
    _time_reminder(session, contract)
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
        state=domain.contract_state(
            clock.now().date(), contract.starts_on, contract.ends_on, contract.notice_days
        ),
        version=contract.version,
    )

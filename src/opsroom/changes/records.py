"""What every change use case shares: finding a change, the audit snapshot, its summary, and
`CHANGE` for the optimistic lock, timeline entries, audit entries and saving with a version
bump."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.changes import domain, schemas
from opsroom.changes.domain import ChangeType, Status
from opsroom.changes.models import Change
from opsroom.infra import keys

PREFIX = "CHG"
SUBJECT = "change"
# Engineers raise and run changes with the same standing they work incidents with.
WORK = Action.WORK_INCIDENTS


def get(session: Session, *, actor: Principal, key: str) -> Change:
    require(actor, Action.READ)
    return keys.find(session, select(Change), Change.number, key, PREFIX, "change")


def snapshot(change: Change) -> dict[str, Any]:
    fields = (
        "title",
        "type",
        "status",
        "squad",
        "implementer",
        "vendor",
        "planned_start",
        "planned_end",
    )
    return {name: getattr(change, name) for name in fields} | {
        "services": change.service_slugs,
        "risk": f"{change.risk_level} ({change.risk_score})",
        "in_freeze": change.in_freeze,
    }


CHANGE = Record(SUBJECT, snapshot)


def summary(change: Change) -> schemas.ChangeSummary:
    return schemas.ChangeSummary(
        key=change.key,
        title=change.title,
        type=ChangeType(change.type),
        status=Status(change.status),
        platform=change.platform_slug,
        squad=change.squad,
        services=change.service_slugs,
        planned_start=change.planned_start,
        planned_end=change.planned_end,
        risk_level=domain.RiskLevel(change.risk_level),
        risk_score=change.risk_score,
        in_freeze=change.in_freeze,
        failed=change.failed,
    )

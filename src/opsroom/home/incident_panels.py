"""What other domains show on an incident's page: the changes suspected of causing it and
the known errors whose rules match it, its review, the vendors engaged on it, its runbooks
and the watched series whose anomalies are among its alerts; a vendor contact's view of the
incident shows their vendor's engagement alone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from opsroom.anomalies import service as anomalies_service
from opsroom.auth.domain import Action, Principal, Role, decide
from opsroom.changes import service as changes_service
from opsroom.problems import service as problems_service
from opsroom.reviews import service as reviews_service
from opsroom.runbooks import service as runbooks_service
from opsroom.vendors import service as vendors_service


def vendor_panel(session: Session, actor: Principal, key: str) -> Mapping[str, Any]:
    engaged = vendors_service.engagements(session, actor=actor, key=key)
    may_engage = decide(actor, Action.WORK_INCIDENTS).allowed
    return {
        "vendor_engagements": [vendors_service.read(e) for e in engaged],
        "may_acknowledge": decide(actor, Action.POST_UPDATES, vendor=actor.vendor).allowed,
        "engageable": vendors_service.engageable(session, actor=actor, key=key)
        if may_engage
        else [],
    }


def incident_panels(session: Session, actor: Principal, key: str) -> Mapping[str, Any]:
    if actor.role is Role.VENDOR_CONTACT:
        return vendor_panel(session, actor, key)
    return {
        **vendor_panel(session, actor, key),
        "suspects": changes_service.suspects(session, actor=actor, incident_key=key),
        "known_errors": problems_service.matching_known_errors(session, actor=actor, incident=key),
        "review": reviews_service.of_incident(session, actor=actor, key=key),
        "anomaly_charts": anomalies_service.incident_charts(session, actor=actor, key=key),
        **runbook_panel(session, actor, key),
    }


def runbook_panel(session: Session, actor: Principal, key: str) -> Mapping[str, Any]:
    runs = runbooks_service.runs(session, actor=actor, key=key)
    return {
        "runbook_runs": [runbooks_service.read(r) for r in runs],
        "runbooks": [
            runbooks_service.read_runbook(r)
            for r in runbooks_service.for_incident(session, actor=actor, key=key)
        ],
    }

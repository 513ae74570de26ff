"""Finance's own rules: during the close a slow ledger is a major incident, stakeholders
hear every 20 minutes, SOX wants a review of every P3 too, and the ledger and the close are
held to higher availability than their tiers. The other platforms inherit
the installation's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from opsroom.audit.documents import Document
from opsroom.auth.domain import Principal
from opsroom.improvement.service import PROBLEM_SETTINGS
from opsroom.incidents.policy import INCIDENT_POLICY
from opsroom.kpis.targets import AVAILABILITY_TARGETS

OVERRIDES: tuple[tuple[Document[Any, Any, Any], str, dict[str, Any]], ...] = (
    (
        INCIDENT_POLICY,
        "finance",
        {
            "major": [1, 2],
            "update_cadence_minutes": {"P1": 20, "P2": 20, "P3": 120, "P4": None, "P5": None},
        },
    ),
    (PROBLEM_SETTINGS, "finance", {"review_priorities": ["P1", "P2", "P3"]}),
    (
        AVAILABILITY_TARGETS,
        "finance",
        {"services": {"general-ledger": 99.99}, "journeys": {"month-end-close": 99.95}},
    ),
)


def load(session: Session, *, actor: Principal) -> int:
    """The overrides, on platforms that have none yet; how many documents were overridden."""
    made = 0
    for document, platform, overrides in OVERRIDES:
        if document.layered(session, platform).version == 0:
            document.override(session, actor=actor, scope=platform, overrides=overrides, version=0)
            made += 1
    return made

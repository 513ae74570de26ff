"""What other domains show on an incident's page: the changes suspected of causing it and
the known errors whose rules match it, and its review."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.changes import service as changes_service
from opsroom.problems import service as problems_service
from opsroom.reviews import service as reviews_service


def incident_panels(session: Session, actor: Principal, key: str) -> Mapping[str, Any]:
    return {
        "suspects": changes_service.suspects(session, actor=actor, incident_key=key),
        "known_errors": problems_service.matching_known_errors(session, actor=actor, incident=key),
        "review": reviews_service.of_incident(session, actor=actor, key=key),
    }

"""What the layout shows around every page: the platforms to switch between and, for a
signed-in person, the major incidents open now (not for requesters: customers hear of
incidents through their tickets and the public status page)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog_service
from opsroom.incidents import service as incidents_service


def shell(session: Session, principal: Principal | None) -> Mapping[str, Any]:
    platforms = catalog_service.list_platforms(session)
    return {
        "platforms": platforms,
        "platform_names": {p.slug: p.name for p in platforms},
        "major_incidents": incidents_service.open_major(session, actor=principal)
        if principal and principal.role is not Role.REQUESTER
        else None,
    }

"""What every on-call change needs: the squad's editing right, and an audit entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog


def audit_change(
    session: Session,
    actor: Principal | str,
    action: str,
    kind: str,
    key: str,
    after: dict[str, Any],
) -> None:
    audit.record(
        session, actor=str(actor), action=action, subject_type=kind, subject_key=key, after=after
    )


def require_squad_rights(session: Session, actor: Principal, squad: str | None) -> None:
    if squad is not None:
        catalog.get_squad(session, squad)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[squad] if squad else [])

"""What every on-call change needs: the squad's editing right."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog


def require_squad_rights(session: Session, actor: Principal, squad: str | None) -> None:
    if squad is not None:
        catalog.get_squad(session, squad)
    require(actor, Action.EDIT_SQUAD_ITEMS, squads=[squad] if squad else [])

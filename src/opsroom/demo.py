"""`opsroom demo`: a believable procurement platform, so every page shows something real."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import manifest
from opsroom.catalog import service as catalog

DEMO_CATALOG = Path(__file__).parent / "catalog" / "demo_catalog.yaml"
DEMO_ACTOR = Principal(name="opsroom-demo", role=Role.ADMIN, via="cli")


def load(session: Session) -> dict[str, dict[str, int]]:
    """Load (or bring up to date) the demo data; running it twice changes nothing."""
    return manifest.apply_text(session, actor=DEMO_ACTOR, text=DEMO_CATALOG.read_text()).as_dict()


def has_data(session: Session) -> bool:
    return bool(catalog.list_platforms(session))

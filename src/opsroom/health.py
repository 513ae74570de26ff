from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from opsroom import __version__, migrate
from opsroom.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None
    schema_current: bool


@router.get("/health")
def health(session: DbSession) -> Health:
    revision = migrate.current_revision_of(session.connection())
    return Health(
        status="ok",
        version=__version__,
        database=session.get_bind().dialect.name,
        schema_revision=revision,
        schema_current=revision == migrate.head_revision(),
    )

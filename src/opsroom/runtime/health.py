from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from opsroom import __version__
from opsroom.auth.deps import DbSession
from opsroom.infra import migrate
from opsroom.web.pages import settings_of

router = APIRouter(prefix="/api/v1", tags=["system"])


class Health(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None
    schema_current: bool
    warnings: list[str]


@router.get("/health")
def health(session: DbSession, request: Request) -> Health:
    revision = migrate.current_revision_of(session.connection())
    return Health(
        status="ok",
        version=__version__,
        database=session.get_bind().dialect.name,
        schema_revision=revision,
        schema_current=revision == migrate.head_revision(),
        warnings=settings_of(request).warnings(),
    )

"""/api/v1/search: incidents, services, changes, problems, action items and people."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import errors
from opsroom.search import schemas, service

router = APIRouter(prefix="/api/v1", tags=["search"])


@router.get("/search", responses=errors(422))
def search(
    session: DbSession,
    actor: Actor,
    q: Annotated[str, Query(description="words in keys, titles, names or emails; or a key")],
    limit: Annotated[int, Query(ge=1, le=50, description="hits of each kind at most")] = 8,
) -> schemas.Results:
    """`jump` is the page of the record a key such as INC-42 names."""
    return service.find(session, actor=actor, q=q, limit=limit)

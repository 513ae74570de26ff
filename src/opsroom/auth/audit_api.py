from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from opsroom.audit import service as audit
from opsroom.audit.schemas import AuditEntryRead, VerifyRead
from opsroom.auth.deps import DbSession, can_read
from opsroom.infra.apidoc import PageOut, errors

router = APIRouter(
    prefix="/api/v1/audit", tags=["audit"], dependencies=[can_read], responses=errors()
)


@router.get("", responses=errors(400))
def list_entries(
    session: DbSession,
    subject_type: str | None = None,
    subject_key: str | None = None,
    actor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[AuditEntryRead]:
    page = audit.list_entries(
        session,
        subject_type=subject_type,
        subject_key=subject_key,
        actor=actor,
        limit=limit,
        cursor=cursor,
    )
    return PageOut(
        items=[AuditEntryRead.model_validate(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.get("/verify")
def verify(session: DbSession) -> VerifyRead:
    """Recompute the hash chain; report the first entry that was tampered with."""
    return audit.verification(session)

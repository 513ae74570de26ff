"""The audit log in the browser: who changed what, and whether the chain still holds."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.audit import service as audit_service
from opsroom.auth.deps import DbSession, can_read
from opsroom.web.pages import Filter, render

router = APIRouter(include_in_schema=False, dependencies=[can_read])

ENTRIES_PER_PAGE = 50
SUBJECT_TYPES = ("platform", "squad", "service", "journey", "vendor")


@router.get("/audit")
def audit_log(
    request: Request,
    session: DbSession,
    subject_type: Filter = None,
    subject_key: Filter = None,
    actor: Filter = None,
    cursor: Filter = None,
) -> Response:
    filters = {"subject_type": subject_type, "subject_key": subject_key, "actor": actor}
    page = audit_service.list_entries(session, limit=ENTRIES_PER_PAGE, cursor=cursor, **filters)
    context = {
        "page": page,
        "filters": filters,
        "subject_types": SUBJECT_TYPES,
        "verification": audit_service.verification(session),
    }
    return render(request, session, "audit/audit.html", context)

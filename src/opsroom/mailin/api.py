"""/api/v1/mail: the mail received, counted by outcome, and the held mail staff accept as
a ticket or discard."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import PageOut, RecordId, errors
from opsroom.mailin import schemas, service
from opsroom.mailin.domain import Outcome

router = APIRouter(prefix="/api/v1/mail", tags=["mail"])


@router.get("", responses=errors())
def list_mail(
    session: DbSession,
    actor: Actor,
    outcome: Annotated[list[Outcome], Query()] = [],  # noqa: B006 - FastAPI copies defaults
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> PageOut[schemas.MailRead]:
    """Newest first; `outcome=held` for the mail waiting on staff."""
    page = service.listing(session, actor=actor, outcome=outcome, limit=limit, cursor=cursor)
    items = [schemas.MailRead.model_validate(m) for m in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor)


@router.get("/counts", responses=errors())
def mail_counts(session: DbSession, actor: Actor) -> dict[str, int]:
    """How many mails came to each outcome (loops, held, malformed ...)."""
    return service.counts(session, actor=actor)


@router.get("/{mail_id}", responses=errors(404))
def get_mail(session: DbSession, actor: Actor, mail_id: RecordId) -> schemas.MailRead:
    return schemas.MailRead.model_validate(service.get(session, actor=actor, mail_id=mail_id))


@router.post("/{mail_id}/accept", responses=errors(404, 409))
def accept_mail(
    session: DbSession, actor: Actor, mail_id: RecordId, data: schemas.AcceptIn
) -> schemas.MailRead:
    """Open a ticket from a held mail, its sender the requester of `organisation`, about
    `service` (or OPSROOM_MAIL_SERVICE's); 409 when the mail is not held."""
    row = service.accept(session, actor=actor, mail_id=mail_id, data=data)
    return schemas.MailRead.model_validate(row)


@router.post("/{mail_id}/discard", responses=errors(404, 409))
def discard_mail(session: DbSession, actor: Actor, mail_id: RecordId) -> schemas.MailRead:
    """Throw a held mail away (it stays listed, discarded); 409 when it is not held."""
    return schemas.MailRead.model_validate(service.discard(session, actor=actor, mail_id=mail_id))

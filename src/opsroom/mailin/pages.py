"""/mail: the mail received, counted by outcome, and the held mail staff accept as a ticket
or discard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.infra.apidoc import RecordId
from opsroom.infra.db import settings_of
from opsroom.mailin import schemas, service
from opsroom.mailin.domain import Outcome
from opsroom.web.pages import Failure, Filter, Posted, RecordForms, parse_form, render

router = APIRouter(include_in_schema=False, dependencies=[can_read])
LISTED = 200


def _inbox(
    request: Request, session: Session, actor: Principal, outcome: str, failure: Failure | None
) -> Response:
    chosen = [Outcome(outcome)] if outcome in set(Outcome) else []
    page = service.listing(session, actor=actor, outcome=chosen, limit=LISTED)
    context = {
        "mails": [schemas.MailRead.model_validate(m) for m in page.items],
        "counts": service.counts(session, actor=actor),
        "services": catalog.all_services(session),
        "mail_service": settings_of(session).mail_service,
        "outcome": outcome,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "mail/inbox.html", context, status=status)


@router.get("/mail")
def inbox(request: Request, session: DbSession, actor: Actor, outcome: Filter = None) -> Response:
    return _inbox(request, session, actor, outcome or Outcome.HELD, None)


def _held_again(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure
) -> Response:
    return _inbox(request, session, actor, Outcome.HELD, failure)


_apply = RecordForms(_held_again, lambda key, name: "/mail").apply


@router.post("/mail/{mail_id}/accept")
def accept(
    request: Request, session: DbSession, actor: Actor, mail_id: RecordId, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.AcceptIn, form)
        return service.accept(session, actor=actor, mail_id=mail_id, data=data)

    return _apply(request, session, actor, str(mail_id), form, f"accept-{mail_id}", change)


@router.post("/mail/{mail_id}/discard")
def discard(
    request: Request, session: DbSession, actor: Actor, mail_id: RecordId, form: Posted
) -> Response:
    def change() -> object:
        return service.discard(session, actor=actor, mail_id=mail_id)

    return _apply(request, session, actor, str(mail_id), form, f"discard-{mail_id}", change)

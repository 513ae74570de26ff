"""Customer satisfaction: the survey a requester gets by link when their ticket is resolved,
answered once without signing in, and the CSAT it adds up to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.desk import domain, schemas
from opsroom.desk.models import Survey, Ticket, TicketMessage
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind

REQUESTER = "requester"


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_survey(session: Session, ticket: Ticket) -> None:
    """One survey per ticket: resolving it again after a reopen asks nothing twice. The link
    carries 256 random bits; only their hash is stored, so the table does not give it away."""
    if session.scalar(select(Survey.id).where(Survey.ticket_id == ticket.id)) is not None:
        return
    token = secrets.token_urlsafe(32)
    session.add(
        Survey(
            ticket_id=ticket.id,
            token_hash=_hashed(token),
            squad=ticket.squad,
            service_slug=ticket.service_slug,
            platform_slug=ticket.platform_slug,
        )
    )
    notify.notify_person(
        session,
        person=ticket.requester,
        kind=NoticeKind.TICKET_SURVEY,
        subject=ticket.key,
        title=f"[{ticket.key}] How did we do? {ticket.title}",
        body="Your request is resolved. Tell us in one click how satisfied you are.",
        path=f"/surveys/{token}",
        dedup=f"ticket:{ticket.key}:survey",
        thread=ticket.key,  # "still broken" in a reply reopens it
    )


def _survey(session: Session, token: str) -> tuple[Survey, Ticket]:
    found = session.execute(
        select(Survey, Ticket)
        .join(Ticket, Ticket.id == Survey.ticket_id)
        .where(Survey.token_hash == _hashed(token))
    ).first()
    if found is None:
        raise NotFound("no such survey")
    return found[0], found[1]


def survey(session: Session, *, token: str) -> schemas.SurveyRead:
    found, ticket = _survey(session, token)
    return schemas.SurveyRead(
        ticket=ticket.key, title=ticket.title, answered=bool(found.answered_at)
    )


def answer(session: Session, *, token: str, data: schemas.SurveyAnswer) -> schemas.SurveyRead:
    """Record the requester's answer, once; a low score leaves the squad a note to follow up."""
    found, ticket = _survey(session, token)
    if found.answered_at is not None:
        raise Conflict("this survey is already answered", fields={"score": "already answered"})
    found.score, found.comment, found.answered_at = data.score, data.comment, clock.now()
    if data.score <= domain.LOW_SCORE:
        note = f"Follow-up for the squad lead: the requester scored {data.score}/5. {data.comment}"
        ticket.messages.append(TicketMessage(author=REQUESTER, body=note.strip(), internal=True))
    session.flush()
    return schemas.SurveyRead(ticket=ticket.key, title=ticket.title, answered=True)


Counts = list[tuple[int | None, int]]  # (score or None when unanswered, surveys)


def _summed(squad: str | None, counts: Counts) -> schemas.Csat:
    scores = [score for score, n in counts if score is not None for _ in range(n)]
    sent = sum(n for _, n in counts)
    return schemas.Csat(squad=squad, sent=sent, answered=len(scores), csat=domain.csat(scores))


def csat(session: Session, *, actor: Principal, squad: str | None = None) -> schemas.Csat:
    require(actor, Action.READ)
    query = select(Survey.score, func.count()).group_by(Survey.score)
    if squad:
        query = query.where(Survey.squad == squad)
    return _summed(squad, [(score, int(n)) for score, n in session.execute(query)])


def csat_figures(
    session: Session,
    *,
    actor: Principal,
    start: datetime,
    end: datetime,
    platform: str | None = None,
    squad: str | None = None,
) -> schemas.CsatFigures:
    """CSAT of the surveys sent from `start` to `end` (the tickets resolved then), as they
    are answered so far: of the platform or squad, and of each squad."""
    require(actor, Action.READ)
    query = (
        select(Survey.squad, Survey.score, func.count())
        .where(Survey.sent_at >= start, Survey.sent_at < end)
        .group_by(Survey.squad, Survey.score)
    )
    if platform:
        query = query.where(Survey.platform_slug == platform)
    if squad:
        query = query.where(Survey.squad == squad)
    by_squad: dict[str, Counts] = {}
    for owner, score, n in session.execute(query):
        by_squad.setdefault(owner, []).append((score, int(n)))
    overall = _summed(squad, [pair for counts in by_squad.values() for pair in counts])
    return schemas.CsatFigures(
        **overall.model_dump(exclude={"squad"}),
        by_squad=[_summed(owner, counts) for owner, counts in sorted(by_squad.items())],
    )

"""Customer satisfaction: the survey sent by link when a ticket is resolved (to its requester)
or an incident (to its subscribed stakeholders), answered once without signing in and
reminded once; a low score's follow-up; and the CSAT it adds up to."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsroom.actions import service as actions
from opsroom.actions.domain import Kind as ActionKind
from opsroom.actions.domain import Source
from opsroom.actions.schemas import ActionCreate
from opsroom.auth.domain import Action, Principal, Role, require
from opsroom.catalog import service as catalog
from opsroom.desk import domain, schemas
from opsroom.desk.models import Survey, Ticket, TicketMessage
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import IncidentResolved
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.notify.subscriptions import concerned

REQUESTER = "requester"
REMINDER_TIMER = "desk.survey_reminder"
REMIND_AFTER = timedelta(days=3)
# Raises the follow-up of a low score, on behalf of whoever answered.
SURVEYOR = Principal(name="opsroom-csat", role=Role.OPERATIONS_MANAGER, via="worker")


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_link(survey: Survey) -> str:
    """A fresh link for the survey: 256 random bits, of which only the hash is kept, so the
    table does not give a link away. A new link replaces the one sent before."""
    token = secrets.token_urlsafe(32)
    survey.token_hash = _hashed(token)
    return f"/surveys/{token}"


def _ask(session: Session, survey: Survey, about: tuple[str, str], reminder: bool) -> None:
    key, title = about
    again = "Reminder: " if reminder else ""
    notify.notify_person(
        session,
        person=survey.recipient,
        kind=NoticeKind.TICKET_SURVEY,
        subject=key,
        title=f"[{key}] {again}How did we do? {title}",
        body=f"{key} is resolved. Tell us in one click how satisfied you are.",
        path=_new_link(survey),
        dedup=f"survey:{key}:{survey.recipient}:{'reminder' if reminder else 'asked'}",
        thread=key if survey.ticket_id else None,  # "still broken" in a reply reopens it
    )


def _send(session: Session, survey: Survey, about: tuple[str, str]) -> None:
    """Ask now, and remind once if unanswered after REMIND_AFTER (a durable timer)."""
    _ask(session, survey, about, reminder=False)
    session.add(survey)
    session.flush()
    jobs.schedule(
        session,
        kind=REMINDER_TIMER,
        subject=about[0],
        due_at=clock.now() + REMIND_AFTER,
        payload={"survey": survey.id},
        dedup_key=f"survey:{survey.id}:reminder",
    )


def send_survey(session: Session, ticket: Ticket) -> None:
    """One survey per ticket, to its requester: resolving it again after a reopen asks
    nothing twice."""
    if session.scalar(select(Survey.id).where(Survey.ticket_id == ticket.id)) is not None:
        return
    survey = Survey(
        ticket_id=ticket.id,
        recipient=ticket.requester,
        squad=ticket.squad,
        service_slug=ticket.service_slug,
        platform_slug=ticket.platform_slug,
    )
    _send(session, survey, (ticket.key, ticket.title))


def survey_incident(session: Session, event: IncidentResolved) -> None:
    """A resolved incident asks each stakeholder subscribed to its services (or to a journey
    through them) once, however often it is resolved again."""
    incident = incidents.find(session, event.key)
    if not incident.services:
        return
    first = incident.services[0]  # its CSAT counts for the first service and its squad
    asked = set(session.scalars(select(Survey.recipient).where(Survey.incident_key == event.key)))
    for subscription in concerned(session, incident.service_slugs):
        if subscription.subscriber in asked:
            continue
        survey = Survey(
            incident_key=incident.key,
            recipient=subscription.subscriber,
            squad=first.owner_squad,
            service_slug=first.service_slug,
            platform_slug=incident.platform_slug,
        )
        _send(session, survey, (incident.key, incident.title))


def _about(session: Session, survey: Survey) -> tuple[str, str]:
    """The key and title of what the survey asks about."""
    if survey.ticket_id is not None:
        ticket = session.get_one(Ticket, survey.ticket_id)
        return ticket.key, ticket.title
    incident = incidents.find(session, survey.incident_key or "")
    return incident.key, incident.title


def remind(session: Session, timer: Due) -> None:
    """Once, if still unanswered: the reminder carries a new link, and the first one stops
    working, so a survey has one live link at a time."""
    survey = session.get(Survey, timer.payload["survey"])
    if survey is None or survey.answered_at is not None or survey.reminded_at is not None:
        return
    survey.reminded_at = clock.now()
    _ask(session, survey, _about(session, survey), reminder=True)


def _survey(session: Session, token: str) -> Survey:
    found = session.scalar(select(Survey).where(Survey.token_hash == _hashed(token)))
    if found is None:
        raise NotFound("no such survey")
    return found


def _read(session: Session, survey: Survey) -> schemas.SurveyRead:
    key, title = _about(session, survey)
    is_ticket = survey.ticket_id is not None
    return schemas.SurveyRead(
        ticket=key if is_ticket else None,
        incident=None if is_ticket else key,
        title=title,
        answered=survey.answered_at is not None,
    )


def survey(session: Session, *, token: str) -> schemas.SurveyRead:
    return _read(session, _survey(session, token))


def _follow_up(session: Session, survey: Survey, key: str, data: schemas.SurveyAnswer) -> None:
    """A low score becomes an action item for the squad's lead: it has an owner, a due
    date, reminders and escalation, and counts in the squad's figures like any follow-up."""
    said = f' They wrote: "{data.comment}"' if data.comment else ""
    item = actions.create(
        session,
        actor=SURVEYOR,
        data=ActionCreate(
            title=f"Follow up a satisfaction score of {data.score}/5 on {key}",
            description=f"{survey.recipient} scored {key} {data.score}/5.{said}",
            kind=ActionKind.PROCESS,
            owner_squad=survey.squad,
            owner=catalog.squad_lead(session, survey.squad),
            source_type=Source.OTHER if survey.ticket_id else Source.INCIDENT,
            source_key=key,
        ),
    )
    survey.follow_up = item.key
    if survey.ticket_id is not None:
        note = f"Follow-up {item.key} for the squad lead: the requester scored {data.score}/5."
        ticket = session.get_one(Ticket, survey.ticket_id)
        ticket.messages.append(TicketMessage(author=REQUESTER, body=note, internal=True))


def answer(session: Session, *, token: str, data: schemas.SurveyAnswer) -> schemas.SurveyRead:
    """Record the answer, once; a low score opens a follow-up for the squad lead."""
    found = _survey(session, token)
    if found.answered_at is not None:
        raise Conflict("this survey is already answered", fields={"score": "already answered"})
    found.score, found.comment, found.answered_at = data.score, data.comment, clock.now()
    if data.score <= domain.LOW_SCORE:
        _follow_up(session, found, _about(session, found)[0], data)
    session.flush()
    return _read(session, found)


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


def _grouped(key: str, rows: list[tuple[dict[str, str], int | None, int]]) -> list[schemas.Csat]:
    groups: dict[str, Counts] = {}
    for owners, score, n in rows:
        groups.setdefault(owners[key], []).append((score, n))
    return [_summed(owner, counts) for owner, counts in sorted(groups.items())]


def csat_figures(
    session: Session,
    *,
    actor: Principal,
    start: datetime,
    end: datetime,
    platform: str | None = None,
    squad: str | None = None,
) -> schemas.CsatFigures:
    """CSAT of the surveys sent from `start` to `end` (the tickets and incidents resolved
    then), as they are answered so far: of the platform or squad, and per squad, service
    and platform."""
    require(actor, Action.READ)
    query = (
        select(Survey.squad, Survey.service_slug, Survey.platform_slug, Survey.score, func.count())
        .where(Survey.sent_at >= start, Survey.sent_at < end)
        .group_by(Survey.squad, Survey.service_slug, Survey.platform_slug, Survey.score)
    )
    if platform:
        query = query.where(Survey.platform_slug == platform)
    if squad:
        query = query.where(Survey.squad == squad)
    rows = [
        ({"squad": sq, "service": service, "platform": pl}, score, int(n))
        for sq, service, pl, score, n in session.execute(query)
    ]
    overall = _summed(squad, [(score, n) for _, score, n in rows])
    return schemas.CsatFigures(
        **overall.model_dump(exclude={"squad"}),
        by_squad=_grouped("squad", rows),
        by_service=_grouped("service", rows),
        by_platform=_grouped("platform", rows),
    )

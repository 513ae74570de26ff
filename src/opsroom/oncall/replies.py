"""Answering a page from the phone: an SMS reply (`ACK 4821`, `ESC 4821`, `RES 4821`) acts
as the person whose number sent it, on that person's own page, and a key pressed in a page's
call (1 acknowledge, 2 escalate) as the person called, through the same use cases as the web.
Anything else changes nothing and is logged."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.notify import service as notify
from opsroom.notify.domain import ReplyVerb, parse_reply, phone_number
from opsroom.notify.twiml import KEYS
from opsroom.oncall.escalation import escalate_now

log = logging.getLogger(__name__)

MOVES = {ReplyVerb.ACK: Transition.ACKNOWLEDGE, ReplyVerb.RES: Transition.RESOLVE}
UNANSWERED = "opsroom did not understand: reply ACK, ESC or RES and the code in the page"
UNHEARD = "opsroom did nothing: press 1 to acknowledge or 2 to escalate. Goodbye."


def answer_sms(session: Session, *, sender: str, text: str) -> str:
    """Act on a reply from `sender`'s number; the text to send back."""
    number = phone_number(sender)
    person = notify.person_with_number(session, number) if number else None
    if person is None:
        log.warning("SMS reply from unknown number %s ignored", sender)
        return UNANSWERED
    reply = parse_reply(text)
    incident = notify.page_replied_to(session, person=person, code=reply.code) if reply else None
    if reply is None or incident is None:
        log.warning("SMS reply from %s with no live code ignored: %r", person, text[:40])
        return UNANSWERED
    return _act(
        session, Principal(name=person, role=Role.RESPONDER, via="sms"), incident, reply.verb
    )


def answer_call(session: Session, *, delivery: int, digits: str) -> str:
    """Act on a key pressed in the call of outbox row `delivery`; the words said back."""
    called = notify.page_called(session, delivery=delivery)
    verb = KEYS.get(digits.strip())
    if called is None or verb is None:
        log.warning("keypress %r in call %d ignored", digits[:5], delivery)
        return UNHEARD
    person, incident = called
    return _act(session, Principal(name=person, role=Role.RESPONDER, via="voice"), incident, verb)


def _act(session: Session, actor: Principal, incident: str, verb: ReplyVerb) -> str:
    try:
        return _acted(session, actor, incident, verb)
    except (Conflict, NotFound, ValidationFailed) as refused:
        return f"{incident}: {refused.message}"


HOW = {"sms": "by SMS reply", "voice": "by key in a phone call"}


def _acted(session: Session, actor: Principal, incident: str, verb: ReplyVerb) -> str:
    if verb is ReplyVerb.ESC:
        escalate_now(session, actor=actor, incident=incident)
        return f"{incident} escalated to the next level"
    move = incident_schemas.TransitionIn(note=f"{verb.value}d {HOW[actor.via]}")
    incidents.transition(session, actor=actor, key=incident, move=MOVES[verb], data=move)
    return f"{incident} {verb.value}d"

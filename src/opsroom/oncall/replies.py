"""Answering a page from the phone: an SMS reply (`ACK 4821`, `ESC 4821`, `RES 4821`) acts
as the person whose number sent it, on that person's own page, through the same use cases
as the web. Anything else changes nothing and is logged."""

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
from opsroom.oncall.escalation import escalate_now

log = logging.getLogger(__name__)

MOVES = {ReplyVerb.ACK: Transition.ACKNOWLEDGE, ReplyVerb.RES: Transition.RESOLVE}
UNANSWERED = "opsroom did not understand: reply ACK, ESC or RES and the code in the page"


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
    actor = Principal(name=person, role=Role.RESPONDER, via="sms")
    try:
        return _act(session, actor, incident, reply.verb)
    except (Conflict, NotFound, ValidationFailed) as refused:
        return f"{incident}: {refused.message}"


def _act(session: Session, actor: Principal, incident: str, verb: ReplyVerb) -> str:
    if verb is ReplyVerb.ESC:
        escalate_now(session, actor=actor, incident=incident)
        return f"{incident} escalated to the next level"
    move = incident_schemas.TransitionIn(note=f"{verb.value}d by SMS reply")
    incidents.transition(session, actor=actor, key=incident, move=MOVES[verb], data=move)
    return f"{incident} {verb.value}d"

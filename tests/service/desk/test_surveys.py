"""Satisfaction surveys of incidents, to their subscribed stakeholders; the one reminder of an
unanswered survey; links that cannot be replayed or guessed; a low score's follow-up."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import service as actions
from opsroom.desk import schemas, surveys
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, NotFound
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.notify import subscriptions
from opsroom.runtime.worker import run_once
from tests.factories import ACTOR
from tests.improvement import RESPONDER, two_squads

STAKEHOLDERS = ("cfo@example.org", "shop@example.org")


def _move(session: Session, key: str, move: Transition) -> None:
    incidents.transition(
        session, actor=RESPONDER, key=key, move=move, data=incident_schemas.TransitionIn()
    )


def resolved_incident(session: Session) -> str:
    two_squads(session)
    for who in STAKEHOLDERS:
        data = notify_schemas.SubscriptionIn(subscriber=who, service="checkout")
        subscriptions.subscribe(session, actor=ACTOR, data=data)
    data = incident_schemas.IncidentCreate(
        title="Payments fail", services=["checkout"], impact=1, urgency=1
    )
    key = incidents.declare(session, actor=RESPONDER, data=data).key
    _move(session, key, Transition.RESOLVE)
    return key


def survey_links(session: Session, person: str) -> list[str]:
    sent = notify.log(session, actor=RESPONDER, person=person, limit=500).items
    links = [m.message["link"] for m in sorted(sent, key=lambda m: m.id)]
    return [link.rsplit("/", 1)[1] for link in links if "/surveys/" in link]


def test_a_resolved_incident_asks_each_subscribed_stakeholder_once(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    key = resolved_incident(session)
    _move(session, key, Transition.REOPEN)
    _move(session, key, Transition.RESOLVE)  # resolved again: nobody is asked twice
    for who in STAKEHOLDERS:
        (token,) = survey_links(session, who)
        read = surveys.survey(session, token=token)
        assert (read.incident, read.ticket, read.answered) == (key, None, False)
    assert surveys.csat(session, actor=RESPONDER, squad="payments").sent == 2


def test_an_unanswered_survey_is_reminded_once_with_a_new_link(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        resolved_incident(s)
        (answered,) = survey_links(s, STAKEHOLDERS[1])
        surveys.answer(s, token=answered, data=schemas.SurveyAnswer(score=5))
    frozen_clock.advance(surveys.REMIND_AFTER)
    run_once(settings, owner="w")
    frozen_clock.advance(surveys.REMIND_AFTER)
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        first, reminder = survey_links(s, STAKEHOLDERS[0])
        assert survey_links(s, STAKEHOLDERS[1]) == [answered]  # answered: no reminder
        with pytest.raises(NotFound):
            surveys.survey(s, token=first)  # the reminder's link replaced it
        assert surveys.answer(s, token=reminder, data=schemas.SurveyAnswer(score=4)).answered


def test_a_link_answers_once_and_a_guess_finds_nothing(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    resolved_incident(session)
    (token,) = survey_links(session, STAKEHOLDERS[0])
    surveys.answer(session, token=token, data=schemas.SurveyAnswer(score=5))
    with pytest.raises(Conflict):
        surveys.answer(session, token=token, data=schemas.SurveyAnswer(score=1))
    for guess in (token[:-2] + "xy", "", "a" * 43):
        with pytest.raises(NotFound):
            surveys.survey(session, token=guess)
    figures = surveys.csat(session, actor=RESPONDER)
    assert (figures.answered, figures.csat) == (1, 100.0)


def test_a_low_score_on_an_incident_opens_a_follow_up_for_the_squad_lead(
    session: Session, frozen_clock: clock.FrozenClock
) -> None:
    key = resolved_incident(session)
    (token,) = survey_links(session, STAKEHOLDERS[0])
    surveys.answer(session, token=token, data=schemas.SurveyAnswer(score=2, comment="Slow news"))
    (item,) = actions.search(session, actor=RESPONDER, squad="payments").items
    assert (item.owner, item.source_type, item.source_key) == ("lead@example.com", "incident", key)
    assert "cfo@example.org scored" in item.description and "Slow news" in item.description

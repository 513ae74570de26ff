from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import service as actions
from opsroom.auth.domain import Principal, Role
from opsroom.desk import inbound, schemas, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Priority, Status, Transition
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.jobs.models import Timer
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from tests.improvement import RESPONDER, two_squads
from tests.service.desk.conftest import customers

REQUESTER = "ann@customer.example"


def opened(session: Session, priority: Priority = Priority.P1) -> str:
    data = schemas.TicketCreate(
        title="Cannot pay my invoice",
        requester=REQUESTER,
        organisation="Acme",
        service="checkout",
        priority=priority,
    )
    return desk.open_ticket(session, actor=RESPONDER, data=data).key


def mail_to_requester(session: Session) -> list[dict[str, str]]:
    sent = notify.log(session, actor=RESPONDER, person=REQUESTER, limit=500).items
    return [m.message for m in sorted(sent, key=lambda m: m.id)]


def survey_token(session: Session) -> str:
    (link,) = [m["link"] for m in mail_to_requester(session) if "/surveys/" in m["link"]]
    return link.rsplit("/", 1)[1]


def test_a_ticket_waits_in_its_services_squad_queue_with_business_hours_targets(
    platform: Session,
) -> None:
    ticket = desk.read(desk.get(platform, actor=RESPONDER, key=opened(platform)), RESPONDER)
    assert (ticket.squad, ticket.platform, ticket.status) == ("payments", "procurement", Status.NEW)
    # Monday 10:00 in Amsterdam: P1 answers by 10:30 and resolves by 14:00 local time.
    assert ticket.first_response_due == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert ticket.resolution_due == datetime(2026, 11, 2, 13, 0, tzinfo=UTC)
    assert {t.payload["kind"] for t in jobs.pending(platform, subject=ticket.key)} == {
        "first_response",
        "resolution",
    }


def test_nobody_answering_breaches_the_first_response_target(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        customers(s)
        key = opened(s)
    frozen_clock.advance(timedelta(minutes=31))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        ticket = desk.get(s, actor=RESPONDER, key=key)
        assert (ticket.first_response_breached, ticket.resolution_breached) == (True, False)


def test_a_reply_in_time_meets_the_target_and_reaches_the_requester_a_note_does_not(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        customers(s)
        key = opened(s)
        note = schemas.MessageIn(body="Looks like the payment gateway", internal=True)
        desk.add_message(s, actor=RESPONDER, key=key, data=note)
        reply = schemas.MessageIn(body="We are looking into it")
        desk.add_message(s, actor=RESPONDER, key=key, data=reply)
    frozen_clock.advance(timedelta(minutes=31))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        ticket = desk.get(s, actor=RESPONDER, key=key)
        assert (ticket.status, ticket.first_response_breached) == (Status.OPEN, False)
        assert [m["body"] for m in mail_to_requester(s)] == ["We are looking into it"]


def test_resolving_sends_one_survey_answered_once_by_its_link(platform: Session) -> None:
    key = opened(platform)
    desk.transition(
        platform, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
    )
    token = survey_token(platform)
    assert surveys.survey(platform, token=token).answered is False
    answer = schemas.SurveyAnswer(score=5, comment="Quick, thanks")
    assert surveys.answer(platform, token=token, data=answer).answered
    with pytest.raises(Conflict, match="already answered"):
        surveys.answer(platform, token=token, data=answer)
    with pytest.raises(NotFound):
        surveys.answer(platform, token=token[:-1] + "x", data=answer)
    figures = surveys.csat(platform, actor=RESPONDER, squad="payments")
    assert (figures.sent, figures.answered, figures.csat) == (1, 1, 100.0)


def test_a_low_score_opens_a_follow_up_for_the_squad_lead(platform: Session) -> None:
    key = opened(platform)
    desk.transition(
        platform, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
    )
    answer = schemas.SurveyAnswer(score=1, comment="Took days")
    surveys.answer(platform, token=survey_token(platform), data=answer)
    ticket = desk.get(platform, actor=RESPONDER, key=key)
    (item,) = actions.search(platform, actor=RESPONDER, squad="payments").items
    assert (item.owner, item.source_key) == ("lead@example.com", key)
    assert "score of 1/5" in item.title and "Took days" in item.description
    assert ticket.messages[-1].internal and item.key in ticket.messages[-1].body
    assert surveys.csat(platform, actor=RESPONDER).csat == 0.0


def test_customer_updates_of_a_linked_incident_reach_the_requester_internal_ones_not(
    platform: Session,
) -> None:
    key = opened(platform)
    data = incident_schemas.IncidentCreate(title="Checkout down", services=["checkout"])
    incident = incidents.declare(platform, actor=RESPONDER, data=data).key
    desk.escalate(platform, actor=RESPONDER, key=key, data=schemas.EscalationIn(incident=incident))
    for audience, body in ((Audience.INTERNAL, "db failover"), (Audience.CUSTOMER, "Fix deployed")):
        update = incident_schemas.StatusUpdateIn(audience=audience, body=body)
        incidents.post_status_update(platform, actor=RESPONDER, key=incident, data=update)
    ticket = desk.read(desk.get(platform, actor=RESPONDER, key=key), RESPONDER)
    assert ticket.incident == incident
    told = f"We are handling this as part of incident {incident}: Checkout down."
    assert [m.body for m in ticket.messages] == [told, "Fix deployed"]
    assert [m["body"] for m in mail_to_requester(platform)] == [told, "Fix deployed"]


def test_bad_input_changes_nothing(platform: Session) -> None:
    key = opened(platform)
    bad = schemas.TicketCreate(
        title="Where is my order", requester=REQUESTER, organisation="Acme", service="nope"
    )
    with pytest.raises(ValidationFailed) as refused:
        desk.open_ticket(platform, actor=RESPONDER, data=bad)
    assert refused.value.fields == {"service": "unknown service"}
    with pytest.raises(ValidationFailed, match="no incident INC-99"):
        desk.escalate(
            platform, actor=RESPONDER, key=key, data=schemas.EscalationIn(incident="INC-99")
        )
    with pytest.raises(StaleVersion):
        desk.transition(
            platform,
            actor=RESPONDER,
            key=key,
            move=Transition.RESOLVE,
            data=schemas.TicketMove(version=7),
        )
    assert desk.get(platform, actor=RESPONDER, key=key).status == Status.NEW


def sla_timers(session: Session, key: str) -> list[Timer]:
    """The ticket's SLA timers (a resolved ticket also waits to remind of its survey)."""
    return [t for t in jobs.pending(session, subject=key) if t.kind == desk.SLA_TIMER]


def test_reopening_runs_the_resolution_timer_again_from_then_and_resolving_stops_it(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        customers(s)
        key = opened(s)
        desk.add_message(s, actor=RESPONDER, key=key, data=schemas.MessageIn(body="On it"))
        desk.transition(
            s, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
        )
        assert sla_timers(s, key) == []
    frozen_clock.advance(timedelta(hours=2))  # reopened at 12:00 in Amsterdam
    with session_scope(settings) as s:
        desk.transition(
            s, actor=RESPONDER, key=key, move=Transition.REOPEN, data=schemas.TicketMove()
        )
        assert [t.payload["kind"] for t in sla_timers(s, key)] == ["resolution"]
        ticket = desk.get(s, actor=RESPONDER, key=key)
        assert ticket.resolution_due == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    frozen_clock.advance(timedelta(hours=2, minutes=1))  # past the first target, not the new
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert not desk.get(s, actor=RESPONDER, key=key).resolution_breached
    frozen_clock.advance(timedelta(hours=2))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert desk.get(s, actor=RESPONDER, key=key).resolution_breached
        desk.transition(
            s, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
        )
        assert sla_timers(s, key) == []


def test_a_requesters_message_or_mail_reopens_with_timers_from_that_moment(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    ann = Principal(name=REQUESTER, role=Role.REQUESTER, organisation="Acme")
    keys = [opened(platform), opened(platform)]
    for key in keys:
        desk.transition(
            platform, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TicketMove()
        )
    frozen_clock.advance(timedelta(hours=2))  # 12:00 in Amsterdam: P1 resolves by 16:00
    desk.add_message(platform, actor=ann, key=keys[0], data=schemas.MessageIn(body="Again"))
    inbound.customer_reply(platform, key=keys[1], sender=REQUESTER, body="Still broken")
    for key in keys:
        ticket = desk.get(platform, actor=RESPONDER, key=key)
        assert (ticket.status, ticket.resolution_due) == (
            Status.OPEN,
            datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        )
        pending = {t.payload["kind"]: t.due_at for t in sla_timers(platform, key)}
        assert pending == {
            "first_response": datetime(2026, 11, 2, 11, 30, tzinfo=UTC),
            "resolution": datetime(2026, 11, 2, 15, 0, tzinfo=UTC),
        }

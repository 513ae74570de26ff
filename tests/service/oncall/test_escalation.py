"""Escalation on durable timers: page at once, next level on timeout, stop on acknowledge or
resolve, low urgency waits for working hours, deliveries retried and logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.catalog.hours import WORKING_HOURS
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import NotFound
from opsroom.notify import domain as notify_domain
from opsroom.notify import service as notify
from opsroom.oncall import service as oncall
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver


def _declare(settings: Settings, urgency: int = 1, impact: int = 3, service: str = "auth") -> str:
    with session_scope(settings) as s:
        data = incident_schemas.IncidentCreate(
            title="Logins fail", impact=impact, urgency=urgency, services=[service]
        )
        return incidents.declare(s, actor=ACTOR, data=data).key


def _paged(receiver: WebhookReceiver) -> list[str]:
    return [p.path.split("to=")[1] for p in receiver.posts]


def _timeline(settings: Settings, key: str) -> list[str]:
    with session_scope(settings) as s:
        return [e.text for e in incidents.timeline(s, actor=ACTOR, key=key)]


def _work(settings: Settings) -> None:
    while run_once(settings, owner="w1"):
        pass


def test_high_urgency_pages_the_on_call_at_once_then_escalates_on_timeout(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.advance(timedelta(hours=1))
    key = _declare(paging, impact=1)
    with session_scope(paging) as s:
        queued = notify.log(s, actor=ACTOR, incident=key).items
    assert [(m.person, m.status) for m in queued] == [("alice@example.com", "pending")]

    _work(paging)
    assert _paged(receiver) == ["alice@example.com"]
    body = receiver.posts[0]
    secret = paging.signing_secret.get_secret_value()
    assert body.headers["x-opsroom-signature"] == notify_domain.signature(secret, body.body)
    assert body.json()["incident"] == key and body.json()["priority"] == "P1"
    assert f"ack?incident={key}&person=alice@example.com" in body.json()["ack_link"]
    assert "Paged alice@example.com by webhook, delivered 10:00:00 UTC" in _timeline(paging, key)

    frozen_clock.advance(timedelta(minutes=4))
    _work(paging)
    assert _paged(receiver) == ["alice@example.com"]
    frozen_clock.advance(timedelta(minutes=1))
    _work(paging)
    assert _paged(receiver) == ["alice@example.com", "carol@example.com"]
    frozen_clock.advance(timedelta(hours=1))
    _work(paging)
    assert len(receiver.posts) == 2
    with session_scope(paging) as s:
        assert oncall.get_escalation(s, actor=ACTOR, incident=key).status == "exhausted"


def test_acknowledging_stops_the_escalation(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    key = _declare(paging)
    _work(paging)
    with session_scope(paging) as s:
        incidents.transition(
            s,
            actor=ACTOR,
            key=key,
            move=Transition.ACKNOWLEDGE,
            data=incident_schemas.TransitionIn(),
        )
    frozen_clock.advance(timedelta(minutes=30))
    _work(paging)
    assert _paged(receiver) == ["alice@example.com"]
    assert "Escalation stopped (acknowledged by tester)" in _timeline(paging, key)


def test_resolving_stops_delayed_follow_up_pages(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(paging) as s:
        method = notify.contact_methods(s, actor=ACTOR, person="alice@example.com")[0]
        notify.add_rule(
            s,
            actor=ACTOR,
            person="alice@example.com",
            data=notify.schemas.RuleIn(contact_method=method.id, delay_minutes=2),
        )
    key = _declare(paging)
    with session_scope(paging) as s:
        incidents.transition(
            s, actor=ACTOR, key=key, move=Transition.RESOLVE, data=incident_schemas.TransitionIn()
        )
    frozen_clock.advance(timedelta(minutes=30))
    _work(paging)
    assert receiver.posts == []
    with session_scope(paging) as s:
        assert [m.status for m in notify.log(s, actor=ACTOR, incident=key).items] == ["cancelled"]
    assert "Escalation stopped (resolved by tester); 1 follow-up page dropped" in _timeline(
        paging, key
    )


def test_low_urgency_waits_for_working_hours(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.advance(timedelta(days=5, hours=14))  # Saturday 23:00 UTC
    _declare(paging, urgency=3)
    _work(paging)
    assert receiver.posts == []
    frozen_clock.advance(datetime(2026, 11, 9, 8, 0, tzinfo=UTC) - clock.now())  # Monday 09:00 CET
    _work(paging)
    assert _paged(receiver) == ["alice@example.com"]  # her week runs to 10:00 local


def test_low_urgency_waits_for_the_working_hours_of_the_incidents_platform(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.advance(timedelta(hours=1))  # Monday 10:00 UTC: 11:00 where opsroom is
    with session_scope(paging) as s:
        late = {"time_zone": "UTC", "start": "10:30:00"}
        WORKING_HOURS.override(s, actor=ACTOR, scope="procurement", overrides=late, version=0)
    _declare(paging, urgency=3)
    _work(paging)
    assert receiver.posts == []
    frozen_clock.advance(timedelta(minutes=30))
    _work(paging)
    assert _paged(receiver) == ["alice@example.com"]


def test_failed_deliveries_are_retried_with_backoff_and_logged(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    receiver.answers = [503, 503]
    key = _declare(paging)
    _work(paging)
    frozen_clock.advance(timedelta(seconds=10))
    _work(paging)
    frozen_clock.advance(timedelta(seconds=19))
    _work(paging)
    assert len(receiver.posts) == 2
    frozen_clock.advance(timedelta(seconds=1))
    _work(paging)
    assert len(receiver.posts) == 3
    retries = [t for t in _timeline(paging, key) if "retrying" in t]
    assert retries == [  # one entry, updated at each attempt
        "Page to alice@example.com by webhook failed (attempt 2 at 09:00:10 UTC): HTTP 503: ok; "
        "retrying at 09:00:30 UTC"
    ]
    with session_scope(paging) as s:
        (sent,) = notify.log(s, actor=ACTOR, incident=key).items
    assert (sent.status, sent.attempts) == ("sent", 3)


def test_a_refused_delivery_fails_for_good_and_shows_on_the_incident(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    receiver.answers = [404]
    key = _declare(paging)
    _work(paging)
    frozen_clock.advance(timedelta(minutes=1))
    _work(paging)
    assert len(receiver.posts) == 1
    with session_scope(paging) as s:
        failed = notify.log(
            s, actor=ACTOR, incident=key, status=notify_domain.Delivery.FAILED
        ).items
    assert [m.last_error for m in failed] == ["HTTP 404: ok"]
    assert any(
        t.startswith("Page to alice@example.com by webhook failed for good after 1 attempt:")
        for t in _timeline(paging, key)
    )


def test_an_incident_on_a_service_without_a_policy_pages_nobody(
    paging: Settings, receiver: WebhookReceiver
) -> None:
    with session_scope(paging) as s:
        factories.squad(s, "data")
        factories.service(s, "warehouse", owner="data")
    key = _declare(paging, service="warehouse")
    _work(paging)
    assert receiver.posts == []
    with session_scope(paging) as s, pytest.raises(NotFound):
        oncall.get_escalation(s, actor=ACTOR, incident=key)


def test_escalations_due_together_each_page_and_log_on_their_own_incident(
    paging: Settings, receiver: WebhookReceiver, frozen_clock: clock.FrozenClock
) -> None:
    keys = [_declare(paging) for _ in range(3)]
    _work(paging)
    with session_scope(paging) as s:
        incidents.transition(
            s,
            actor=ACTOR,
            key=keys[1],
            move=Transition.ACKNOWLEDGE,
            data=incident_schemas.TransitionIn(),
        )
    frozen_clock.advance(timedelta(minutes=5))
    assert run_once(paging, owner="w1") == 2 + 2  # two level-2 timers in one batch, two pages

    assert sorted(p.json()["incident"] for p in receiver.posts[3:]) == [keys[0], keys[2]]
    for key in (keys[0], keys[2]):
        timeline = _timeline(paging, key)
        assert "Escalation level 2: paging carol@example.com" in timeline
        assert "Paged carol@example.com by webhook, delivered 09:05:00 UTC" in timeline
        with session_scope(paging) as s:
            log = notify.log(s, actor=ACTOR, incident=key).items
        assert sorted((m.person, m.status) for m in log) == [
            ("alice@example.com", "sent"),
            ("carol@example.com", "sent"),
        ]
    assert not any("level 2" in text for text in _timeline(paging, keys[1]))

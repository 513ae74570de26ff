"""Reminders that reach people: a stakeholder update falling due, and contact methods and
rules being changed and removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth import service as auth
from opsroom.auth.domain import Principal, Role
from opsroom.auth.schemas import UserCreate
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Role as IncidentRole
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Forbidden, NotFound, ValidationFailed
from opsroom.notify import schemas
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR

RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)
PEOPLE = ("cmd@example.com", "comms@example.com")


@pytest.fixture
def platform(settings: Settings, frozen_clock: clock.FrozenClock) -> Settings:
    with session_scope(settings) as s:
        factories.small_platform(s)
        for email in PEOPLE:
            auth.create_user(
                s,
                actor=ACTOR,
                data=UserCreate(email=email, display_name=email[:4], service_account=True),
            )
    return settings


def major(settings: Settings, *, communications_lead: bool = True) -> str:
    with session_scope(settings) as s:
        data = incident_schemas.IncidentCreate(
            title="Sign-in fails",
            impact=1,
            urgency=1,
            services=["auth"],
            commander="cmd@example.com",
        )
        key = incidents.declare(s, actor=RESPONDER, data=data).key
        if communications_lead:
            incidents.assign_role(
                s,
                actor=RESPONDER,
                key=key,
                data=incident_schemas.RoleIn(
                    role=IncidentRole.COMMUNICATIONS_LEAD, person="comms@example.com"
                ),
            )
    return key


def titles(session: Session, person: str) -> list[str]:
    return [r.message["title"] for r in notify.log(session, actor=ACTOR, person=person).items]


def post_update(settings: Settings, key: str) -> None:
    with session_scope(settings) as s:
        incidents.post_status_update(
            s,
            actor=RESPONDER,
            key=key,
            data=incident_schemas.StatusUpdateIn(audience="internal", body="Still failing over."),
        )


def test_the_communications_lead_hears_when_the_update_falls_due(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    key = major(platform)
    post_update(platform, key)
    frozen_clock.advance(timedelta(minutes=31))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert titles(s, "comms@example.com") == [f"Update due for {key}, last update 31 min ago"]
        assert all(
            r.kind == "incident.page"
            for r in notify.log(s, actor=ACTOR, person="cmd@example.com").items
        )


def test_without_a_communications_lead_the_commander_is_told(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    key = major(platform, communications_lead=False)
    frozen_clock.advance(timedelta(minutes=45))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert f"Update due for {key}, no update since detection 45 min ago" in titles(
            s, "cmd@example.com"
        )


def test_no_reminder_after_a_fresh_update_or_once_resolved(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    key = major(platform)
    frozen_clock.advance(timedelta(minutes=20))
    post_update(platform, key)
    frozen_clock.advance(timedelta(minutes=15))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        incidents.transition(
            s,
            actor=RESPONDER,
            key=key,
            move=Transition.RESOLVE,
            data=incident_schemas.TransitionIn(),
        )
    frozen_clock.advance(timedelta(hours=2))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert titles(s, "comms@example.com") == []


def test_the_reminder_repeats_at_the_cadence_until_an_update_is_posted(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    key = major(platform)
    post_update(platform, key)
    for minutes in (31, 30, 30):  # P1: an update every 30 minutes
        frozen_clock.advance(timedelta(minutes=minutes))
        run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert titles(s, "comms@example.com") == [
            f"Update due for {key}, last update {m} min ago" for m in (91, 61, 31)
        ]
    post_update(platform, key)
    frozen_clock.advance(timedelta(minutes=29))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert len(titles(s, "comms@example.com")) == 3
    frozen_clock.advance(timedelta(minutes=2))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert titles(s, "comms@example.com")[0] == f"Update due for {key}, last update 31 min ago"
        assert len(titles(s, "comms@example.com")) == 4


def test_the_reminder_stops_once_the_incident_is_resolved(
    platform: Settings, frozen_clock: clock.FrozenClock
) -> None:
    key = major(platform)
    frozen_clock.advance(timedelta(minutes=31))
    run_once(platform, owner="w")
    with session_scope(platform) as s:
        incidents.transition(
            s,
            actor=RESPONDER,
            key=key,
            move=Transition.RESOLVE,
            data=incident_schemas.TransitionIn(),
        )
    for _ in range(4):
        frozen_clock.advance(timedelta(minutes=30))
        run_once(platform, owner="w")
    with session_scope(platform) as s:
        assert len(titles(s, "comms@example.com")) == 1


def test_contact_methods_and_rules_are_edited_and_removed_with_an_audit_trail(
    platform: Settings,
) -> None:
    person = "comms@example.com"
    me = Principal(name=person, role=Role.VIEWER)
    with session_scope(platform) as s:
        method = notify.add_contact_method(
            s,
            actor=me,
            person=person,
            data=schemas.ContactMethodIn(kind="slack", address="https://chat.example.com/a"),
        )
        rule = notify.add_rule(
            s, actor=me, person=person, data=schemas.RuleIn(contact_method=method.id)
        )
        notify.update_contact_method(
            s,
            actor=me,
            person=person,
            method_id=method.id,
            data=schemas.ContactMethodUpdate(
                address="https://chat.example.com/b", label="ops channel"
            ),
        )
        notify.update_rule(
            s, actor=me, person=person, rule_id=rule.id, data=schemas.RuleUpdate(delay_minutes=5)
        )
        with pytest.raises(ValidationFailed) as bad:
            notify.update_contact_method(
                s,
                actor=me,
                person=person,
                method_id=method.id,
                data=schemas.ContactMethodUpdate(address="not-a-url"),
            )
        assert bad.value.fields == {"address": "a webhook or chat contact needs an http(s) URL"}
        with pytest.raises(Forbidden):
            notify.remove_contact_method(
                s,
                actor=Principal(name="x@example.com", role=Role.RESPONDER),
                person=person,
                method_id=method.id,
            )
        with pytest.raises(NotFound):
            notify.remove_rule(s, actor=ACTOR, person="cmd@example.com", rule_id=rule.id)
        (current,) = notify.contact_methods(s, actor=me, person=person)
        assert (current.address, current.label) == ("https://chat.example.com/b", "ops channel")
        assert notify.rules(s, actor=me, person=person)[0].delay_minutes == 5
        notify.remove_contact_method(s, actor=me, person=person, method_id=method.id)
        assert notify.contact_methods(s, actor=me, person=person) == []
        assert notify.rules(s, actor=me, person=person) == []
        actions = [
            e.action for e in audit.list_entries(s, subject_type="person", subject_key=person).items
        ]
    assert {
        "contact_method.added",
        "contact_method.updated",
        "notification_rule.updated",
        "contact_method.removed",
    } <= set(actions)

"""Stakeholder subscriptions: who may subscribe whom, and the status updates that reach
subscribers of a service or a journey through the outbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth import service as auth
from opsroom.auth.domain import Principal, Role
from opsroom.auth.schemas import UserCreate
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import DECLARED_FOR_CUSTOMERS, Priority, Transition
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, ValidationFailed
from opsroom.notify import domain, subscriptions
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver, webhook_receiver

VIEWER = Principal(name="cfo@example.com", role=Role.VIEWER)
# Manages other people's subscriptions to what is on the platform they govern.
MANAGER = Principal(
    name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=frozenset({"procurement"})
)
RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as r:
        yield r


@pytest.fixture
def platform(settings: Settings, frozen_clock: clock.FrozenClock) -> Settings:
    """small_platform (journey login = gateway, auth); cfo@ has a viewer's account, resp@ a
    responder's."""
    with session_scope(settings) as s:
        factories.small_platform(s)
        for email, role in (("cfo@example.com", Role.VIEWER), ("resp@example.com", Role.RESPONDER)):
            auth.create_user(
                s,
                actor=ACTOR,
                data=UserCreate(email=email, display_name=email, role=role, service_account=True),
            )
    return settings


def subscribe(
    session: Session, actor: Principal = VIEWER, **fields: str
) -> notify_schemas.SubscriptionRead:
    data = notify_schemas.SubscriptionIn.model_validate(fields)
    return notify_schemas.SubscriptionRead.model_validate(
        subscriptions.subscribe(session, actor=actor, data=data)
    )


def declare(session: Session, **fields: object) -> str:
    data = incident_schemas.IncidentCreate.model_validate(
        {"title": "Sign-in fails", "impact": 2, "urgency": 2, "services": ["auth"], **fields}
    )
    return incidents.declare(session, actor=RESPONDER, data=data).key


def queued(session: Session, person: str) -> list[dict[str, str]]:
    rows = notify.log(session, actor=ACTOR, person=person).items
    return [r.message for r in reversed(rows)]


def test_anyone_subscribes_themselves_to_a_service_or_journey(platform: Settings) -> None:
    with session_scope(platform) as s:
        mine = subscribe(s, service="auth")
        journey = subscribe(s, journey="login")
        listed = subscriptions.listing(s, actor=VIEWER, subscriber="cfo@example.com")
    assert (mine.subscriber, mine.person, mine.target_kind, mine.target) == (
        "cfo@example.com",
        True,
        "service",
        "auth",
    )
    assert journey.target_kind == "journey"
    assert [x.id for x in listed] == [mine.id, journey.id]


def test_only_operations_managers_subscribe_others_and_bare_addresses(platform: Settings) -> None:
    with session_scope(platform) as s:
        with pytest.raises(Forbidden):
            subscribe(s, subscriber="board@example.com", service="auth")
        bare = subscribe(s, MANAGER, subscriber="Board@Example.com", service="auth")
        assert (bare.subscriber, bare.person) == ("board@example.com", False)
        with pytest.raises(Forbidden):
            subscriptions.unsubscribe(s, actor=VIEWER, subscription_id=bare.id)
        subscriptions.unsubscribe(s, actor=MANAGER, subscription_id=bare.id)
        assert subscriptions.listing(s, actor=VIEWER) == []


def test_unknown_targets_and_duplicates_are_refused_by_field(platform: Settings) -> None:
    with session_scope(platform) as s:
        with pytest.raises(ValidationFailed) as unknown:
            subscribe(s, journey="checkout")
        assert unknown.value.fields == {"journey": "unknown journey 'checkout'"}
        subscribe(s, service="auth")
        with pytest.raises(Conflict) as twice:
            subscribe(s, service="auth")
        assert twice.value.fields == {"service": "already subscribed"}
    with pytest.raises(ValueError, match="either a service or a journey"):
        notify_schemas.SubscriptionIn(service="auth", journey="login")


def test_subscribers_hear_of_declaration_updates_priority_and_resolution_once_each(
    platform: Settings,
) -> None:
    with session_scope(platform) as s:
        subscribe(s, service="auth")
        subscribe(s, journey="login")  # the same person through the journey: told once
        subscribe(s, MANAGER, subscriber="board@example.com", journey="login")
        subscribe(s, MANAGER, subscriber="search@example.com", service="search")
        key = declare(s)
    with session_scope(platform) as s:
        incidents.post_status_update(
            s,
            actor=RESPONDER,
            key=key,
            data=incident_schemas.StatusUpdateIn(audience="customer", body="Failing over the IdP."),
        )
        incidents.override_priority(
            s,
            actor=RESPONDER,
            key=key,
            data=incident_schemas.PriorityOverride(
                priority=Priority.P1, reason="Board meeting", version=1
            ),
        )
        incidents.transition(
            s,
            actor=RESPONDER,
            key=key,
            move=Transition.RESOLVE,
            data=incident_schemas.TransitionIn(),
        )
    with session_scope(platform) as s:
        titles = [m["title"] for m in queued(s, "cfo@example.com")]
        board = queued(s, "board@example.com")
        assert queued(s, "search@example.com") == []
    assert titles == [
        f"[P3] {key} declared: Sign-in fails",
        f"[P3] {key} update: Sign-in fails",
        f"[P1] {key} is now P1: Sign-in fails",
        f"[P1] {key} resolved: Sign-in fails",
        f"[{key}] How did we do? Sign-in fails",  # the satisfaction survey, once resolved
    ]
    assert [m["title"] for m in board] == titles
    assert board[1]["body"] == "Failing over the IdP."
    assert all(m["kind"] == "incident.status_update" for m in board[:-1])


def test_a_status_update_is_delivered_to_the_persons_contact_method_and_on_the_timeline(
    platform: Settings, receiver: WebhookReceiver
) -> None:
    with session_scope(platform) as s:
        notify.add_contact_method(
            s,
            actor=VIEWER,
            person="cfo@example.com",
            data=notify_schemas.ContactMethodIn(kind="webhook", address=receiver.url),
        )
        subscribe(s, service="auth")
        key = declare(s)
    run_once(platform, owner="w")
    (post,) = receiver.posts
    assert post.json()["event"] == "incident.status_update"
    assert post.json()["subject"] == key
    secret = platform.signing_secret.get_secret_value()
    assert post.headers[domain.SIGNATURE_HEADER.lower()] == domain.signature(secret, post.body)
    with session_scope(platform) as s:
        texts = [e.text for e in incidents.timeline(s, actor=RESPONDER, key=key)]
    assert any(t.startswith("Sent status update to cfo@example.com by webhook") for t in texts)


def test_the_unsubscribe_link_works_once_and_only_when_signed(platform: Settings) -> None:
    secret = platform.signing_secret.get_secret_value()
    with session_scope(platform) as s:
        made = subscribe(s, MANAGER, subscriber="board@example.com", service="auth")
        token = domain.unsubscribe_token(secret, subscription=made.id)
        with pytest.raises(ValidationFailed):
            subscriptions.unsubscribe_by_link(
                s, secret=secret, subscription_id=made.id, token="x" * 32
            )
        removed = subscriptions.unsubscribe_by_link(
            s, secret=secret, subscription_id=made.id, token=token
        )
        assert removed is not None and removed.subscriber == "board@example.com"
        assert (
            subscriptions.unsubscribe_by_link(
                s, secret=secret, subscription_id=made.id, token=token
            )
            is None
        )
        key = declare(s)
        assert queued(s, "board@example.com") == [] and key


def post_update(session: Session, key: str, audience: str, body: str) -> None:
    data = incident_schemas.StatusUpdateIn(audience=audience, body=body)
    incidents.post_status_update(session, actor=RESPONDER, key=key, data=data)


def bodies(session: Session, person: str) -> list[str]:
    return [m["body"] for m in queued(session, person) if " update: " in m["title"]]


def test_audiences_default_by_role_and_can_be_chosen(platform: Settings) -> None:
    with session_scope(platform) as s:
        viewer = subscribe(s, service="auth")
        responder = subscribe(s, RESPONDER, service="auth")
        bare = subscribe(s, MANAGER, subscriber="board@example.com", service="auth")
        chosen = subscribe(
            s, MANAGER, subscriber="war-room@example.com", service="auth", audience="internal"
        )
        quiet = subscribe(s, RESPONDER, journey="login", audience="customer")
        (last, *_) = audit.list_entries(s, subject_key="resp@example.com").items
    assert last.after == {"id": quiet.id, "journey": "login", "audience": "customer"}
    assert [x.audience for x in (viewer, responder, bare, chosen, quiet)] == [
        "customer",
        "internal",
        "customer",
        "internal",
        "customer",
    ]
    with pytest.raises(ValueError, match="audience"):
        notify_schemas.SubscriptionIn(service="auth", audience="everyone")


def test_an_internal_update_reaches_internal_subscribers_only_a_customer_update_everyone(
    platform: Settings,
) -> None:
    with session_scope(platform) as s:
        subscribe(s, service="auth")  # a viewer: customer updates
        subscribe(s, RESPONDER, service="auth")  # a responder: internal and customer
        subscribe(s, MANAGER, subscriber="board@example.com", journey="login")  # customer
        subscribe(
            s, MANAGER, subscriber="war-room@example.com", service="auth", audience="internal"
        )
        # customer updates through the service, every update through the journey: told once
        subscribe(s, MANAGER, subscriber="pm@example.com", service="auth", audience="customer")
        subscribe(s, MANAGER, subscriber="pm@example.com", journey="login", audience="internal")
        key = declare(s)
    with session_scope(platform) as s:
        post_update(s, key, "internal", "Failing over the IdP; db replica lag 40 s.")
        post_update(s, key, "customer", "Sign-in is slow; we are failing over.")
    with session_scope(platform) as s:
        heard = {
            p: bodies(s, f"{p}@example.com") for p in ("cfo", "resp", "board", "war-room", "pm")
        }
    customer = ["Sign-in is slow; we are failing over."]
    every = ["Failing over the IdP; db replica lag 40 s.", *customer]
    assert heard == {
        "cfo": customer,
        "resp": every,
        "board": customer,
        "war-room": every,
        "pm": every,
    }


def test_only_internal_subscribers_read_the_description_of_a_declared_incident(
    platform: Settings,
) -> None:
    with session_scope(platform) as s:
        subscribe(s, service="auth")  # a viewer: customer
        subscribe(s, RESPONDER, service="auth")  # a responder: internal
        declare(s, description="IdP cert expired on idp-2; rotating keys by hand.")
    with session_scope(platform) as s:
        told = {p: declared(s, f"{p}@example.com") for p in ("cfo", "resp")}
    assert told == {
        "cfo": [DECLARED_FOR_CUSTOMERS],
        "resp": ["IdP cert expired on idp-2; rotating keys by hand."],
    }


def declared(session: Session, person: str) -> list[str]:
    return [m["body"] for m in queued(session, person) if " declared: " in m["title"]]


def test_a_subscription_changes_its_audience_and_hears_accordingly(platform: Settings) -> None:
    with session_scope(platform) as s:
        board = subscribe(s, MANAGER, subscriber="board@example.com", service="auth")
        key = declare(s)
    with session_scope(platform) as s:
        with pytest.raises(Forbidden):
            subscriptions.change_audience(
                s, actor=VIEWER, subscription_id=board.id, audience="internal"
            )
        subscriptions.change_audience(
            s, actor=MANAGER, subscription_id=board.id, audience="internal"
        )
        subscriptions.change_audience(
            s, actor=MANAGER, subscription_id=board.id, audience="internal"
        )
        changes = [
            e.after
            for e in audit.list_entries(s, subject_key="board@example.com").items
            if e.action == "subscription.changed"
        ]
        post_update(s, key, "internal", "Restarting the IdP pods.")
    with session_scope(platform) as s:
        assert bodies(s, "board@example.com") == ["Restarting the IdP pods."]
        assert subscriptions.get(s, board.id).audience == "internal"
    assert changes == [{"id": board.id, "service": "auth", "audience": "internal"}]  # once

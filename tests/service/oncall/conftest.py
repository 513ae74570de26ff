from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from tests import factories
from tests.factories import ACTOR
from tests.peers.receivers import WebhookReceiver, webhook_receiver

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as r:
        yield r


def rotation(*people: str, **extra: object) -> schemas.LayerIn:
    return schemas.LayerIn.model_validate(
        {"participants": list(people), "start": MONDAY, "zone": "Europe/Amsterdam", **extra}
    )


def webhook_contact(session: Session, person: str, url: str, delay: int | None = None) -> None:
    method = notify.add_contact_method(
        session,
        actor=ACTOR,
        person=person,
        data=notify_schemas.ContactMethodIn(kind="webhook", address=f"{url}?to={person}"),
    )
    if delay is not None:
        notify.add_rule(
            session,
            actor=ACTOR,
            person=person,
            data=notify_schemas.RuleIn(contact_method=method.id, delay_minutes=delay),
        )


@pytest.fixture
def paging(settings: Settings, receiver: WebhookReceiver) -> Settings:
    """small_platform; identity's weekly rotation alice/bob; policy: identity's on-call, then
    carol after 5 minutes; everyone reachable at the receiver."""
    with session_scope(settings) as s:
        factories.small_platform(s)
        oncall.create_schedule(
            s,
            actor=ACTOR,
            data=schemas.ScheduleCreate(
                slug="identity-primary",
                name="Identity primary",
                squad="identity",
                zone="Europe/Amsterdam",
                layers=[rotation("alice@example.com", "bob@example.com")],
            ),
        )
        oncall.create_policy(
            s,
            actor=ACTOR,
            data=schemas.PolicyCreate.model_validate(
                {
                    "slug": "identity-default",
                    "name": "Identity default",
                    "squad": "identity",
                    "squad_default": True,
                    "levels": [
                        {"targets": [{"kind": "squad", "ref": "identity"}], "timeout_minutes": 5},
                        {
                            "targets": [{"kind": "person", "ref": "carol@example.com"}],
                            "timeout_minutes": 5,
                        },
                    ],
                }
            ),
        )
        for person in ("alice@example.com", "bob@example.com", "carol@example.com"):
            webhook_contact(s, person, receiver.url)
    return settings

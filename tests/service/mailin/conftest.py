"""What the inbound mail tests share: the desk's platform, a requester account of Acme, a
vendor with its escalation ladder, and settings that take tickets by email for checkout."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session

from opsroom.auth import schemas as auth_schemas
from opsroom.auth import service as users
from opsroom.auth.domain import Role
from opsroom.catalog.schemas import MemberIn
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import domain as notify_domain
from opsroom.notify import service as notify
from tests import factories
from tests.factories import ACTOR
from tests.service.vendors.test_engagements import vendor_platform

REQUESTER = "ann@acme.example"


@pytest.fixture
def mail_settings(settings: Settings) -> Settings:
    with session_scope(settings) as s:
        vendor_platform(s)
        checkout(s)
        account = auth_schemas.UserCreate(
            email=REQUESTER,
            display_name="Ann",
            role=Role.REQUESTER,
            organisation="Acme",
            password=SecretStr("a long enough password 1"),
        )
        users.create_user(s, actor=ACTOR, data=account)
    return settings.model_copy(
        update={
            "mail_service": "checkout",
            "mail_attachment_max_bytes": 1000,
            "mail_attachment_types": ["image/png", "text/plain"],
            "mail_sender_limit_per_hour": 5,
        }
    )


def checkout(session: Session) -> None:
    """Squad payments, led by lead@, owning checkout: where tickets by email go."""
    lead = MemberIn(name="Lee", email="lead@example.com", role="squad lead")
    factories.squad(session, "payments", members=[lead])
    factories.service(session, "checkout", owner="payments", tier=1)


@pytest.fixture
def db(mail_settings: Settings) -> Iterator[Session]:
    with session_scope(mail_settings) as s:
        yield s


def outgoing(session: Session, person: str) -> EmailMessage:
    """The last email queued for `person`, as it goes out."""
    row = notify.log(session, actor=ACTOR, person=person).items[0]
    message = notify_domain.from_dict(row.message)
    return notify_domain.email(message, sender="desk@opsroom.example", to=person)

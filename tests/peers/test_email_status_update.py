"""A stakeholder's status update reaches a real SMTP server (aiosmtpd), and its unsubscribe
link works from the mail, without signing in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from opsroom.auth.domain import Principal, Role
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import DECLARED_FOR_CUSTOMERS
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import schemas, subscriptions
from opsroom.runtime.app import create_app
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.peers.receivers import smtp_server


def test_a_subscriber_gets_the_update_by_email_and_unsubscribes_in_one_click(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with smtp_server() as (port, mailbox):
        settings = settings.model_copy(update={"smtp_port": port, "smtp_from": "ops@example.com"})
        with session_scope(settings) as s:
            factories.small_platform(s)
            subscriptions.subscribe(
                s,
                actor=ACTOR,
                data=schemas.SubscriptionIn(subscriber="board@example.com", journey="login"),
            )
            data = incident_schemas.IncidentCreate(
                title="Sign-in fails",
                description="Users cannot sign in.",
                impact=1,
                urgency=1,
                services=["auth"],
            )
            key = incidents.declare(
                s, actor=Principal(name="r@example.com", role=Role.RESPONDER), data=data
            ).key
        run_once(settings, owner="w")
    ((sender, recipients, mail),) = mailbox.messages
    assert (sender, recipients) == ("ops@example.com", ["board@example.com"])
    assert mail["Subject"] == f"[P1] {key} declared: Sign-in fails"
    body = mail.get_payload(decode=True).decode()
    # a bare address hears customer news: not the description, written for responders
    assert DECLARED_FOR_CUSTOMERS in body and "Users cannot sign in." not in body
    assert "Acknowledge" not in body
    link = re.search(r"Unsubscribe: (\S+)", body)
    assert link is not None and mail["List-Unsubscribe"] == f"<{link.group(1)}>"
    address = urlsplit(link.group(1))
    with TestClient(create_app(settings)) as browser:
        confirm = browser.get(f"{address.path}?{address.query}")
        assert confirm.status_code == 200 and "login" in confirm.text
        done = browser.post(f"{address.path}?{address.query}")
        assert done.status_code == 200
        assert "no longer receives status updates" in done.text
        forged = browser.post(f"{address.path}?{address.query[:-4]}abcd")
        assert forged.status_code == 422
    with session_scope(settings) as s:
        assert subscriptions.listing(s, actor=ACTOR) == []

"""Subscribing to a status page end to end through a real SMTP server (aiosmtpd): the
confirmation mail, nothing before it is followed, every customer update after (never an
internal one), and the unsubscribe link in each mail."""

from __future__ import annotations

import re
from email.message import Message
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.app import create_app
from opsroom.runtime.worker import run_once
from tests import factories
from tests.improvement import RESPONDER
from tests.peers.receivers import Mailbox, smtp_server

READER = "ann@example.org"


def _body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def _link(mail: Message, kind: str) -> str:
    found = re.search(rf"(http\S+/status/procurement/{kind}\?\S+)", _body(mail))
    assert found is not None, _body(mail)
    address = urlsplit(found.group(1))
    return f"{address.path}?{address.query}"


def _update(settings: Settings, key: str, audience: Audience, body: str) -> None:
    with session_scope(settings) as s:
        data = incident_schemas.StatusUpdateIn(audience=audience, body=body)
        incidents.post_status_update(s, actor=RESPONDER, key=key, data=data)


def _mails_after(
    settings: Settings, mailbox: Mailbox, update: tuple[str, Audience, str]
) -> list[Message]:
    before = len(mailbox.messages)
    _update(settings, *update)
    run_once(settings, owner="w")
    return [mail for _, recipients, mail in mailbox.messages[before:] if recipients == [READER]]


def _follow(browser: TestClient, link: str, shown: str, done: str) -> None:
    page = browser.get(link)
    assert page.status_code == 200 and shown in page.text
    followed = browser.post(link)
    assert followed.status_code == 200 and done in followed.text


def test_double_opt_in_then_every_customer_update_until_unsubscribed(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with smtp_server() as (port, mailbox):
        settings = settings.model_copy(update={"smtp_port": port, "smtp_from": "ops@example.com"})
        with session_scope(settings) as s:
            factories.small_platform(s)
            data = incident_schemas.IncidentCreate(
                title="Sign-in fails", impact=1, urgency=1, services=["auth"]
            )
            key = incidents.declare(s, actor=RESPONDER, data=data).key
        with TestClient(create_app(settings)) as browser:
            asked = browser.post("/status/procurement/subscribe", data={"email": READER})
            assert asked.status_code == 200 and "Check your inbox" in asked.text
            run_once(settings, owner="w")
            ((_, recipients, confirmation),) = mailbox.messages
            assert recipients == [READER]
            assert "Confirm your subscription" in confirmation["Subject"]
            waiting = _mails_after(settings, mailbox, (key, Audience.CUSTOMER, "Looking into it"))
            assert waiting == []  # not confirmed yet
            _follow(browser, _link(confirmation, "confirm"), "Confirm", "You will receive")
            assert _mails_after(settings, mailbox, (key, Audience.INTERNAL, "db01 disk")) == []
            (news,) = _mails_after(settings, mailbox, (key, Audience.CUSTOMER, "Fixed at 10:00"))
            assert "Sign-in fails" in news["Subject"] and "Fixed at 10:00" in _body(news)
            unsubscribe = _link(news, "unsubscribe")
            assert news["List-Unsubscribe"].endswith(f"{unsubscribe}>")
            _follow(browser, unsubscribe, "Unsubscribe", "You are unsubscribed")
            assert _mails_after(settings, mailbox, (key, Audience.CUSTOMER, "All clear")) == []
            again = browser.post(unsubscribe)
            assert again.status_code == 200  # a second click changes nothing

"""A page reaches a real SMTP server (aiosmtpd) as a person's mail client would see it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import domain
from opsroom.notify import service as notify
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.peers.receivers import smtp_server


@pytest.fixture
def paging_by_email(settings: Settings) -> Settings:
    """identity's on-call is alice, reached by email (no contact methods: her account address)."""
    with session_scope(settings) as s:
        factories.small_platform(s)
        layer = schemas.LayerIn(
            participants=["alice@example.com"], start=datetime(2026, 1, 5, 9, tzinfo=UTC)
        )
        oncall.create_schedule(
            s,
            actor=ACTOR,
            data=schemas.ScheduleCreate(
                slug="identity", name="Identity", squad="identity", layers=[layer]
            ),
        )
        oncall.create_policy(
            s,
            actor=ACTOR,
            data=schemas.PolicyCreate.model_validate(
                {
                    "slug": "identity",
                    "name": "Identity",
                    "squad": "identity",
                    "squad_default": True,
                    "levels": [{"targets": [{"kind": "schedule", "ref": "identity"}]}],
                }
            ),
        )
    return settings


def _declare(settings: Settings) -> str:
    with session_scope(settings) as s:
        data = incident_schemas.IncidentCreate(
            title="Checkout is down", impact=3, urgency=1, services=["auth"]
        )
        return incidents.declare(s, actor=ACTOR, data=data).key


def test_the_on_call_person_receives_the_page_by_email(
    paging_by_email: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with smtp_server() as (port, mailbox):
        settings = paging_by_email.model_copy(
            update={"smtp_port": port, "smtp_from": "pager@example.com"}
        )
        key = _declare(settings)
        run_once(settings, owner="w1")
    ((sender, recipients, mail),) = mailbox.messages
    assert (sender, recipients) == ("pager@example.com", ["alice@example.com"])
    assert mail["Subject"] == f"[P3] {key}: Checkout is down"
    body = mail.get_payload(decode=True).decode()
    assert f"Open: http://127.0.0.1:8000/incidents/{key}" in body
    token = domain.ack_token(
        settings.signing_secret.get_secret_value(), incident=key, person="alice@example.com"
    )
    assert (
        f"Acknowledge: http://127.0.0.1:8000/oncall/ack?incident={key}&person=alice@example.com&token={token}"
        in body
    )


def test_an_unreachable_mail_server_is_retried(
    paging_by_email: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with smtp_server() as (port, mailbox):
        pass  # the port is free again: nothing listens there
    settings = paging_by_email.model_copy(update={"smtp_port": port})
    key = _declare(settings)
    run_once(settings, owner="w1")
    with session_scope(settings) as s:
        (row,) = notify.log(s, actor=ACTOR, incident=key).items
    assert (row.status, row.attempts) == ("pending", 1)
    assert "ConnectionRefusedError" in (row.last_error or "")
    with smtp_server() as (new_port, mailbox):
        later = settings.model_copy(update={"smtp_port": new_port})
        frozen_clock.advance(timedelta(seconds=10))
        run_once(later, owner="w1")
    assert [recipients for _, recipients, _ in mailbox.messages] == [["alice@example.com"]]

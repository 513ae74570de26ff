"""SMS pages through a real Kannel gateway: the page reaches the operator, the operator's
delivery report reaches the timeline, and the person's reply acknowledges the incident."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from opsroom.audit import service as audit
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import domain
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from opsroom.runtime.app import create_app
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.peers import kannel
from tests.servers import serving

ALICE, BOB = "alice@example.com", "bob@example.com"
ALICE_PHONE, BOB_PHONE = "+27821234567", "+27831234567"
SECRET = "kannel-shared-secret"


def _on_call_by_sms(settings: Settings) -> None:
    """identity's on-call is alice; she and bob are reached by SMS."""
    with session_scope(settings) as s:
        factories.small_platform(s)
        start = datetime(2026, 1, 5, 9, tzinfo=UTC)
        layer = schemas.LayerIn(participants=[ALICE], start=start)
        schedule = schemas.ScheduleCreate(
            slug="identity", name="Identity", squad="identity", layers=[layer]
        )
        oncall.create_schedule(s, actor=ACTOR, data=schedule)
        policy = {
            "slug": "identity",
            "name": "Identity",
            "squad": "identity",
            "squad_default": True,
            "levels": [{"targets": [{"kind": "schedule", "ref": "identity"}]}],
        }
        oncall.create_policy(s, actor=ACTOR, data=schemas.PolicyCreate.model_validate(policy))
        for person, number in ((ALICE, ALICE_PHONE), (BOB, BOB_PHONE)):
            factories.verified_contact(s, person, number)


@pytest.fixture
def paging_by_sms(
    settings: Settings, tmp_path: Path, frozen_clock: clock.FrozenClock
) -> Iterator[tuple[Settings, kannel.Gateway]]:
    """opsroom serving on loopback and Kannel in front of a fake operator, wired together."""
    _on_call_by_sms(settings)
    settings = settings.model_copy(update={"sms_inbound_secret": SecretStr(SECRET)})
    with serving(create_app(settings, worker=False)) as url:
        replies = f"{url}/api/v1/paging/sms/replies"
        with kannel.running(tmp_path, replies_url=replies, secret=SECRET) as gateway:
            update = {
                "base_url": url,
                "sms_gateway_url": gateway.sendsms_url,
                "sms_gateway_password": SecretStr(gateway.password),
            }
            yield settings.model_copy(update=update), gateway


def _declare(settings: Settings) -> str:
    with session_scope(settings) as s:
        data = incident_schemas.IncidentCreate(
            title="Checkout is down", impact=3, urgency=1, services=["auth"]
        )
        return incidents.declare(s, actor=ACTOR, data=data).key


def _status(settings: Settings, key: str) -> str:
    with session_scope(settings) as s:
        return incidents.find(s, key).status


def _entries(settings: Settings, key: str) -> list[tuple[str, str]]:
    """(actor, text) of the incident's timeline entries."""
    with session_scope(settings) as s:
        events = audit.timeline(s, subject_type="incident", subject_key=key)
        return [(e.actor, e.text) for e in events]


def _timeline(settings: Settings, key: str) -> list[str]:
    return [text for _, text in _entries(settings, key)]


def _code(settings: Settings, key: str, person: str) -> str:
    secret = settings.signing_secret.get_secret_value()
    return domain.reply_code(secret, incident=key, person=person)


def test_an_sms_page_is_delivered_and_acknowledged_by_reply(
    paging_by_sms: tuple[Settings, kannel.Gateway],
) -> None:
    settings, gateway = paging_by_sms
    key = _declare(settings)
    run_once(settings, owner="w1")
    code = _code(settings, key, ALICE)
    ((sender, number, text),) = kannel.wait_for(
        lambda: [m for m in gateway.received() if "Reply ACK" in m[2]], "SMS page at the operator"
    )
    assert (sender, number) == ("opsroom", ALICE_PHONE)
    assert text == f"[P3] {key}: Checkout is down Reply ACK {code}, ESC {code} or RES {code}"
    receipts = (
        f"SMS to {ALICE} accepted by the operator",
        f"SMS to {ALICE} delivered to the phone",
    )
    kannel.wait_for(lambda: set(receipts) & set(_timeline(settings, key)), "delivery report")

    assert gateway.reply(ALICE_PHONE, f"ACK {code}") == [f"{key} acknowledged"]
    assert _status(settings, key) == "acknowledged"
    assert (ALICE, "Acknowledged: acknowledged by SMS reply") in _entries(settings, key)


def test_a_reply_acts_only_on_the_senders_own_live_page(
    paging_by_sms: tuple[Settings, kannel.Gateway], frozen_clock: clock.FrozenClock
) -> None:
    settings, gateway = paging_by_sms
    key = _declare(settings)
    run_once(settings, owner="w1")
    code = _code(settings, key, ALICE)

    from_bob = gateway.reply(BOB_PHONE, f"ACK {code}")
    from_a_stranger = gateway.reply("+27841234567", f"ACK {code}")
    frozen_clock.advance(domain.REPLY_CODE_LIFETIME)
    too_late = gateway.reply(ALICE_PHONE, f"ACK {code}")

    for answers in (from_bob, from_a_stranger, too_late):
        assert answers == [
            "opsroom did not understand: reply ACK, ESC or RES and the code in the page"
        ]
    assert _status(settings, key) == "triggered"

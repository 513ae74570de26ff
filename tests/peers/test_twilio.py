"""Paging through Twilio, checked against its published API contract on loopback: SMS when
the Kannel gateway is down (provider failover), voice calls answered by a key, and Twilio's
webhooks heard only when signed with the auth token."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from opsroom.audit import service as audit
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope, settings_of
from opsroom.notify import domain, twiml
from opsroom.notify.domain import Channel
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from opsroom.runtime.worker import run_once
from tests import factories
from tests.conftest import client_as
from tests.factories import ACTOR
from tests.peers import twilio

ALICE, ALICE_PHONE = "alice@example.com", "+27821234567"
KANNEL_DOWN = "http://127.0.0.1:9/cgi-bin/sendsms"  # nothing listens on the discard port


@pytest.fixture
def recorder() -> Iterator[twilio.Twilio]:
    with twilio.running() as recorded:
        yield recorded


def _configured(settings: Settings, recorder: twilio.Twilio) -> Settings:
    return settings.model_copy(
        update={
            "sms_gateway_url": KANNEL_DOWN,
            "twilio_api_url": recorder.url,
            "twilio_account_sid": twilio.SID,
            "twilio_auth_token": SecretStr(twilio.TOKEN),
            "twilio_from": twilio.FROM,
        }
    )


def _paged_on(settings: Settings, kind: Channel) -> str:
    """alice, reached on a verified phone of `kind`, is paged for a new incident; its key."""
    with session_scope(settings) as s:
        factories.small_platform(s)
        policy = {
            "slug": "identity",
            "name": "Identity",
            "squad": "identity",
            "squad_default": True,
            "levels": [{"targets": [{"kind": "person", "ref": ALICE}]}],
        }
        oncall.create_policy(s, actor=ACTOR, data=schemas.PolicyCreate.model_validate(policy))
        factories.verified_contact(s, ALICE, ALICE_PHONE, kind)
        data = incident_schemas.IncidentCreate(
            title="Checkout is down", impact=3, urgency=1, services=["auth"]
        )
        return incidents.declare(s, actor=ACTOR, data=data).key


def _signed_post(client: TestClient, settings: Settings, url: str, form: dict[str, str]) -> str:
    """POST `form` to opsroom's `url` as Twilio does, signed; the TwiML answered."""
    path = urlsplit(url)
    local = path.path + (f"?{path.query}" if path.query else "")
    signed = twiml.signature(twilio.TOKEN, settings.base_url.rstrip("/") + local, form)
    response = client.post(local, data=form, headers={twiml.SIGNATURE_HEADER: signed})
    assert response.status_code == 200, response.text
    return response.text


def _incident(settings: Settings, key: str) -> tuple[str, list[str]]:
    with session_scope(settings) as s:
        events = audit.timeline(s, subject_type="incident", subject_key=key)
        return incidents.find(s, key).status, [e.text for e in events]


def test_with_the_gateway_down_an_sms_page_goes_by_twilio_and_its_reply_acknowledges(
    settings: Settings, recorder: twilio.Twilio
) -> None:
    settings = _configured(settings, recorder)
    key = _paged_on(settings, Channel.SMS)
    run_once(settings, owner="w1")
    (page,) = [m for m in recorder.messages if "Reply ACK" in m["Body"]]
    assert recorder.refused == []
    assert (page["To"], page["From"]) == (ALICE_PHONE, twilio.FROM)
    with session_scope(settings) as s:
        secret = settings_of(s).signing_secret.get_secret_value()
    code = domain.reply_code(secret, incident=key, person=ALICE)
    assert page["Body"].endswith(f"Reply ACK {code}, ESC {code} or RES {code}")
    with client_as(settings, None) as client:
        _signed_post(client, settings, page["StatusCallback"], {"MessageStatus": "delivered"})
        unsigned = client.post("/api/v1/paging/twilio/sms", data={"From": ALICE_PHONE})
        answer = _signed_post(
            client,
            settings,
            "/api/v1/paging/twilio/sms",
            {"From": ALICE_PHONE, "Body": f"ACK {code}"},
        )
    assert unsigned.status_code == 403
    assert answer == f"<Response><Message>{key} acknowledged</Message></Response>"
    status, timeline = _incident(settings, key)
    assert status == "acknowledged"
    assert f"SMS to {ALICE} delivered to the phone" in timeline


def test_a_voice_page_is_acknowledged_by_pressing_1_and_other_keys_change_nothing(
    settings: Settings, recorder: twilio.Twilio
) -> None:
    settings = _configured(settings, recorder)
    key = _paged_on(settings, Channel.VOICE)
    run_once(settings, owner="w1")
    (verification,) = [c for c in recorder.calls if "code is" in c["Twiml"]]
    (page,) = [c for c in recorder.calls if c is not verification]
    assert "<Gather" not in verification["Twiml"] and recorder.refused == []
    gather = ET.fromstring(page["Twiml"]).find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert twiml.PROMPT in ET.tostring(gather, encoding="unicode")
    keypress = gather.get("action") or ""
    with client_as(settings, None) as client:
        wrong_key = _signed_post(client, settings, keypress, {"Digits": "9"})
        assert _incident(settings, key)[0] == "triggered"
        forged = client.post(keypress, data={"Digits": "1"}, headers={"X-Twilio-Signature": "x"})
        assert forged.status_code == 403
        pressed = _signed_post(client, settings, keypress, {"Digits": "1"})
    assert "did nothing" in wrong_key
    assert pressed == f"<Response><Say>{key} acknowledged</Say></Response>"
    status, timeline = _incident(settings, key)
    assert status == "acknowledged"
    assert "Acknowledged: acknowledged by key in a phone call" in timeline

"""Verifying a contact method: a code is texted to the number, named back through the API,
and only then may a notification rule use it. Wrong, expired and too-often-tried codes are
refused by field; another person may not verify someone's number."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from opsroom.auth.domain import Role
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify.models import OutboxMessage
from tests.conftest import bearer_for, client_as

ALICE = "alice@example.com"
METHODS = f"/api/v1/people/{ALICE}/contact-methods"
RULES = f"/api/v1/people/{ALICE}/notification-rules"
NUMBER = "+27821234567"


def texted_codes(settings: Settings, number: str) -> list[str]:
    """The codes in the SMS queued to `number`, oldest first: what the phone receives."""
    with session_scope(settings) as s:
        query = select(OutboxMessage).where(OutboxMessage.address == number)
        texts = [row.message["title"] for row in s.scalars(query.order_by(OutboxMessage.id))]
    return [m[1] for t in texts if (m := re.search(r"code is (\d{6})", t))]


def _phone(client: TestClient) -> int:
    added = client.post(METHODS, json={"kind": "sms", "address": NUMBER})
    assert added.status_code == 201 and added.json()["verified_at"] is None
    return int(added.json()["id"])


def _confirm(client: TestClient, method: int, code: str) -> dict:
    response = client.post(f"{METHODS}/{method}/verification/confirm", json={"code": code})
    return {"status": response.status_code, **response.json()}


def test_a_number_serves_a_rule_only_once_the_code_texted_to_it_is_named_back(
    settings: Settings, client: TestClient
) -> None:
    method = _phone(client)
    early = client.post(RULES, json={"contact_method": method})
    assert early.status_code == 422 and "contact_method" in early.json()["error"]["fields"]
    sent = client.post(f"{METHODS}/{method}/verification")
    assert sent.status_code == 202 and sent.json()["verification_sent_at"]
    (code,) = texted_codes(settings, NUMBER)
    wrong = _confirm(client, method, "000000" if code != "000000" else "111111")
    assert wrong["status"] == 422 and wrong["error"]["fields"]["code"].startswith("that is not")
    confirmed = _confirm(client, method, code)
    assert confirmed["status"] == 200 and confirmed["verified_at"]
    rule = client.post(RULES, json={"contact_method": method, "delay_minutes": 2})
    assert rule.status_code == 201 and rule.json()["urgency"] == "any"
    assert client.post(f"{METHODS}/{method}/verification").status_code == 409


def test_an_expired_code_is_refused_and_a_new_one_replaces_it(
    settings: Settings, client: TestClient, frozen_clock: clock.FrozenClock
) -> None:
    method = _phone(client)
    client.post(f"{METHODS}/{method}/verification")
    again = client.post(f"{METHODS}/{method}/verification")
    assert again.status_code == 429 and again.json()["error"]["code"] == "rate_limited"
    frozen_clock.advance(timedelta(minutes=16))
    (old,) = texted_codes(settings, NUMBER)
    expired = _confirm(client, method, old)
    assert expired["status"] == 422 and "expired" in expired["error"]["fields"]["code"]
    assert client.post(f"{METHODS}/{method}/verification").status_code == 202
    _, new = texted_codes(settings, NUMBER)
    assert _confirm(client, method, new)["status"] == 200


def test_five_wrong_codes_use_the_code_up(settings: Settings, client: TestClient) -> None:
    method = _phone(client)
    client.post(f"{METHODS}/{method}/verification")
    (code,) = texted_codes(settings, NUMBER)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert [_confirm(client, method, wrong)["status"] for _ in range(5)] == [422] * 5
    spent = _confirm(client, method, code)
    assert spent["status"] == 422 and "tried too often" in spent["error"]["fields"]["code"]
    listed = client.get(METHODS).json()
    assert listed[0]["verified_at"] is None


def test_another_responder_may_not_verify_someone_elses_number(
    settings: Settings, client: TestClient
) -> None:
    method = _phone(client)
    with client_as(settings, bearer_for(settings, "bob@example.com", Role.RESPONDER)) as bob:
        refused = bob.post(f"{METHODS}/{method}/verification")
        confirm = bob.post(f"{METHODS}/{method}/verification/confirm", json={"code": "123456"})
    assert (refused.status_code, confirm.status_code) == (403, 403)
    assert texted_codes(settings, NUMBER) == []


def test_a_new_number_must_be_verified_again(settings: Settings, client: TestClient) -> None:
    method = _phone(client)
    client.post(f"{METHODS}/{method}/verification")
    _confirm(client, method, texted_codes(settings, NUMBER)[0])
    changed = client.patch(f"{METHODS}/{method}", json={"address": "+27831234567"})
    assert changed.status_code == 200 and changed.json()["verified_at"] is None
    email = client.post(METHODS, json={"kind": "email", "address": ALICE})
    assert email.json()["verified_at"] is not None  # nothing to prove for a mailbox


def test_a_code_for_no_such_method_is_not_found(client: TestClient) -> None:
    response = client.post(f"{METHODS}/999/verification/confirm", json={"code": "123456"})
    assert response.status_code == 404
    empty = client.post(f"{METHODS}/999/verification/confirm", json={"code": ""})
    assert empty.status_code == 422 and "code" in empty.json()["error"]["fields"]


def test_quiet_hours_are_set_read_refused_by_field_and_cleared(
    settings: Settings, client: TestClient
) -> None:
    url = f"/api/v1/people/{ALICE}/quiet-hours"
    assert client.get(url).status_code == 404
    night = {"start": "22:00", "end": "07:00", "time_zone": "Africa/Johannesburg"}
    bad_zone = client.put(url, json={**night, "time_zone": "Mars/Olympus"})
    assert bad_zone.status_code == 422 and "time_zone" in bad_zone.json()["error"]["fields"]
    empty = client.put(url, json={**night, "end": "22:00"})
    assert empty.status_code == 422
    assert client.get(url).status_code == 404  # nothing half-written
    assert client.put(url, json=night).json()["end"] == "07:00:00"
    with client_as(settings, bearer_for(settings, "bob@example.com", Role.RESPONDER)) as bob:
        assert bob.put(url, json=night).status_code == 403
        assert bob.get(url).json()["time_zone"] == "Africa/Johannesburg"
    assert client.delete(url).status_code == 200
    assert client.get(url).status_code == 404


def test_a_push_contact_needs_a_url_apprise_knows_and_is_verified_too(client: TestClient) -> None:
    refused = client.post(METHODS, json={"kind": "push", "address": "nonsense://topic"})
    assert refused.status_code == 422 and "Apprise URL" in str(refused.json()["error"])
    added = client.post(METHODS, json={"kind": "push", "address": "ntfys://ntfy.sh/alice-pager"})
    assert added.status_code == 201 and added.json()["verified_at"] is None

"""/api/v1/paging/sms: only the SMS gateway, from its address and with the shared secret, is
heard; SMS contact methods take valid international numbers only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from opsroom.auth.domain import Role
from opsroom.infra.config import Settings
from opsroom.notify.domain import PHONE_PROBLEM
from tests.conftest import bearer_for, client_as

SECRET = "kannel-shared-secret"
REPLIES = "/api/v1/paging/sms/replies"
RECEIPTS = "/api/v1/paging/sms/receipts"
UNANSWERED = "opsroom did not understand: reply ACK, ESC or RES and the code in the page"


def _gateway(settings: Settings, **update: object) -> TestClient:
    """A client calling from where the gateway would (the test client's address)."""
    config = {"sms_inbound_secret": SecretStr(SECRET), "sms_gateway_addresses": ["testclient"]}
    return client_as(settings.model_copy(update={**config, **update}), None)


@pytest.fixture
def gateway(settings: Settings) -> Iterator[TestClient]:
    with _gateway(settings) as c:
        yield c


def test_a_reply_from_an_unknown_number_is_answered_and_changes_nothing(
    gateway: TestClient,
) -> None:
    response = gateway.get(
        REPLIES, params={"secret": SECRET, "from": "+27841234567", "text": "ACK 1234"}
    )
    assert (response.status_code, response.text) == (200, UNANSWERED)


def test_a_receipt_for_no_sms_of_ours_is_ignored(gateway: TestClient) -> None:
    response = gateway.get(RECEIPTS, params={"secret": SECRET, "delivery": 99, "report": 1})
    assert (response.status_code, response.text) == (200, "ignored")


@pytest.mark.parametrize("path", [REPLIES, RECEIPTS])
def test_a_wrong_secret_is_refused(gateway: TestClient, path: str) -> None:
    params = {
        "secret": "guess",
        "from": "+27821234567",
        "text": "ACK 1234",
        "delivery": 1,
        "report": 1,
    }
    response = gateway.get(path, params=params)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_the_secret_from_another_address_is_refused(settings: Settings) -> None:
    with _gateway(settings, sms_gateway_addresses=["192.0.2.7"]) as elsewhere:
        response = elsewhere.get(REPLIES, params={"secret": SECRET, "from": "+27821234567"})
    assert response.status_code == 403


def test_without_a_configured_secret_nothing_is_heard(settings: Settings) -> None:
    with _gateway(settings, sms_inbound_secret=None) as unconfigured:
        response = unconfigured.get(REPLIES, params={"secret": "", "from": "+27821234567"})
    assert response.status_code == 403


def test_an_sms_contact_method_needs_an_international_number(settings: Settings) -> None:
    person = "alice@example.com"
    with client_as(settings, bearer_for(settings, person, Role.RESPONDER)) as alice:
        url = f"/api/v1/people/{person}/contact-methods"
        refused = alice.post(url, json={"kind": "sms", "address": "082 123 4567"})
        added = alice.post(url, json={"kind": "sms", "address": "+27 82 123 4567"})
    assert refused.status_code == 422
    assert PHONE_PROBLEM in str(refused.json()["error"])
    assert (added.status_code, added.json()["address"]) == (201, "+27821234567")


def test_a_phone_number_is_whole_only_for_its_owner_and_administrators(
    settings: Settings, client: TestClient
) -> None:
    person = "alice@example.com"
    url = f"/api/v1/people/{person}/contact-methods"
    assert client.post(url, json={"kind": "sms", "address": "+27821234567"}).status_code == 201
    with client_as(settings, bearer_for(settings, person, Role.RESPONDER)) as alice:
        own = alice.get(url).json()
    with client_as(settings, bearer_for(settings, "bob@example.com", Role.RESPONDER)) as bob:
        others = bob.get(url).json()
    assert [m["address"] for m in client.get(url).json()] == ["+27821234567"]
    assert [m["address"] for m in own] == ["+27821234567"]
    assert [m["address"] for m in others] == ["+27•••••4567"]

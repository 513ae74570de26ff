"""PagerDuty's own Python client, pointed at opsroom's base URL, works unchanged: trigger,
acknowledge, resolve and change events, and it reads opsroom's errors as PagerDuty's. The
client insists on HTTPS, so opsroom serves here with a throw-away certificate."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pagerduty
import pytest

from opsroom.alerts import reports, schemas
from opsroom.alerts import service as alerts
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.intake_worker import drain
from tests import factories
from tests.conftest import ADMIN


def client_for(key: str, url: str, certificate: tuple[Path, Path]) -> pagerduty.EventsApiV2Client:
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    return pagerduty.EventsApiV2Client(key, base_url=url, verify=trust)


@pytest.fixture
def client(
    opsroom_https_url: str, routing_key: str, certificate: tuple[Path, Path]
) -> Iterator[pagerduty.EventsApiV2Client]:
    with client_for(routing_key, opsroom_https_url, certificate) as pd:
        yield pd


@pytest.fixture
def routing_key(settings: Settings) -> str:
    with session_scope(settings) as s:
        factories.small_platform(s)
        data = schemas.IntegrationCreate(slug="pd", name="PagerDuty clients", service="auth")
        return alerts.create_integration(s, actor=ADMIN, data=data)[0]


def test_the_pagerduty_client_triggers_and_resolves(
    settings: Settings, client: pagerduty.EventsApiV2Client
) -> None:
    dedup_key = client.trigger("Login errors above 5%", "auth-7", severity="error")
    assert len(dedup_key) == 32
    assert client.acknowledge(dedup_key) == dedup_key
    drain(settings, wait=True)
    with session_scope(settings, write=False) as s:
        (incident,) = incidents.search(s, actor=ADMIN).items
        assert (incident.title, incident.status) == ("Login errors above 5%", "triggered")
    client.resolve(dedup_key)
    drain(settings, wait=True)
    with session_scope(settings, write=False) as s:
        assert incidents.get(s, actor=ADMIN, key=incident.key).status == "resolved"


def test_the_pagerduty_client_sends_change_events(
    settings: Settings, client: pagerduty.EventsApiV2Client
) -> None:
    client.submit(
        "Deploy auth 2.3.0",
        source="ci",
        custom_details={"build": 41},
        timestamp="2026-11-02T09:00:00Z",
    )
    with session_scope(settings, write=False) as s:
        (change,) = reports.changes(s, actor=ADMIN, service="auth").items
        assert (change.summary, change.custom_details) == ("Deploy auth 2.3.0", {"build": 41})


def test_the_pagerduty_client_reports_an_unknown_key(
    opsroom_https_url: str, routing_key: str, certificate: tuple[Path, Path]
) -> None:
    stranger = client_for("0" * 32, opsroom_https_url, certificate)
    with stranger, pytest.raises(pagerduty.Error) as refused:
        stranger.trigger("x", "y")
    assert "Invalid routing key" in str(refused.value.response.text)

"""A service's page as its operations hub, in Chromium: who answers now, its open incidents,
its changes, its firing alerts and the state of what it depends on."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect

from opsroom.alerts import schemas as alert_schemas
from opsroom.alerts import service as alerts
from opsroom.auth.domain import Principal, Role
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.oncall import service as oncall
from opsroom.runtime.intake_worker import drain
from tests.browser.conftest import OpenTab
from tests.factories import ACTOR

pytestmark = pytest.mark.browser

SERVICE, DEPENDENCY, HEALTHY = "edi-gateway", "message-bus", "object-storage"
MANAGER = Principal(name="om@example.com", role=Role.OPERATIONS_MANAGER)


def _incident(settings: Settings, service: str, title: str) -> str:
    with session_scope(settings) as s:
        data = incident_schemas.IncidentCreate(title=title, services=[service], impact=3, urgency=3)
        return incidents.declare(s, actor=MANAGER, data=data).key


def _change(settings: Settings) -> str:
    with session_scope(settings) as s:
        start = clock.now() + timedelta(days=2)
        data = change_schemas.ChangeCreate(
            title="Rotate the AS2 certificates",
            services=[SERVICE],
            squad="integration",
            planned_start=start,
            planned_end=start + timedelta(hours=1),
        )
        return changes.create(s, actor=MANAGER, data=data).key


def _firing_alert(settings: Settings, base_url: str) -> None:
    with session_scope(settings) as s:
        data = alert_schemas.IntegrationCreate(
            name="EDI probes", slug="edi-probes", service=SERVICE
        )
        key, _ = alerts.create_integration(s, actor=ACTOR, data=data)
    sent = httpx.post(
        f"{base_url}/api/v1/ingest/events",
        json={"summary": "AS2 handshake failures", "labels": {"alertname": "As2Handshake"}},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 202, sent.text
    drain(settings, wait=True)


@pytest.fixture(scope="module")
def busy(demo_settings: Settings, base_url: str) -> dict[str, str]:
    """The EDI gateway with an open incident, a planned change and a firing alert; the
    message bus it depends on with an incident of its own."""
    _firing_alert(demo_settings, base_url)
    return {
        "own": _incident(demo_settings, SERVICE, "EDI messages stuck in the outbound queue"),
        "upstream": _incident(demo_settings, DEPENDENCY, "Message bus partitions lagging"),
        "change": _change(demo_settings),
    }


def test_the_service_page_shows_its_operations_at_a_glance(
    page: Page, busy: dict[str, str], demo_settings: Settings
) -> None:
    with session_scope(demo_settings, write=False) as s:
        now = oncall.who_answers(s, actor=ACTOR, service=SERVICE)
    page.goto(f"/services/{SERVICE}")
    expect(page.locator("#hub-on-call .who-answers li").first).to_contain_text(
        str(now.answers[0].person)
    )
    expect(page.locator("#hub-incidents")).to_contain_text(busy["own"])
    expect(page.locator("#hub-incidents")).not_to_contain_text(busy["upstream"])
    expect(page.locator("#hub-changes")).to_contain_text(busy["change"])
    expect(page.locator("#hub-alerts")).to_contain_text("AS2 handshake failures")
    dependencies = page.locator("#hub-dependencies li")
    expect(dependencies.filter(has_text="Message bus")).to_contain_text("1 open incident")
    expect(dependencies.filter(has_text="Message bus")).to_contain_text(busy["upstream"])
    expect(dependencies.filter(has=page.locator(f"a[href='/services/{HEALTHY}']"))).to_contain_text(
        "healthy"
    )
    expect(page).to_have_url(f"/services/{SERVICE}")


def test_without_javascript_the_hub_is_a_page_of_its_own(
    open_tab: OpenTab, busy: dict[str, str]
) -> None:
    page = open_tab(javascript=False)
    page.goto(f"/services/{SERVICE}")
    page.get_by_role("link", name="Operations: who is on call").click()
    expect(page).to_have_url(f"/services/{SERVICE}/operations")
    expect(page.locator("#hub-incidents")).to_contain_text(busy["own"])


def test_who_answers_at_another_time_from_the_hub(page: Page, busy: dict[str, str]) -> None:
    page.goto(f"/services/{SERVICE}")
    hub = page.locator("#hub-on-call")
    hub.get_by_text("Who answers at another time?").click()
    hub.locator("input[name=at]").fill("2026-11-20T03:00")
    hub.get_by_role("button", name="Who answers?").click()
    expect(page).to_have_url(f"/oncall/who?service={SERVICE}&at=2026-11-20T03%3A00")
    expect(page.locator(".who-answers li").first).to_contain_text("layer")

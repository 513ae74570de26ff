"""Handling alerts from the alert list in Chromium (one, or several ticked at once), only for
those who may; and a test alert sent from an integration's page."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from opsroom.alerts import schemas
from opsroom.alerts import service as alerts
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.intake_worker import drain
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.factories import ACTOR

pytestmark = pytest.mark.browser

RESPONDER = "responder@example.com"
INTEGRATION = "cache-probes"


@pytest.fixture(scope="module")
def cache_alerts(demo_settings: Settings, base_url: str) -> str:
    """Three firing alerts from a probe integration of the Redis cache."""
    with session_scope(demo_settings) as s:
        data = schemas.IntegrationCreate(
            name="Cache probes", slug=INTEGRATION, service="redis-cache"
        )
        key, _ = alerts.create_integration(s, actor=ACTOR, data=data)
    events = [
        {"summary": f"Evictions on {node}", "labels": {"alertname": "Evictions", "node": node}}
        for node in ("cache-1", "cache-2", "cache-3")
    ]
    sent = httpx.post(
        f"{base_url}/api/v1/ingest/events", json=events, headers={"Authorization": f"Bearer {key}"}
    )
    assert sent.status_code == 202, sent.text
    drain(demo_settings, wait=True)
    return f"/alerts?integration={INTEGRATION}"


def test_a_viewer_sees_no_buttons_to_handle_alerts(open_tab: OpenTab, cache_alerts: str) -> None:
    page = open_tab()
    page.goto(cache_alerts)
    expect(page.locator("#alert-results tbody tr")).to_have_count(3)
    expect(page.locator("#handle-alerts")).to_have_count(0)
    expect(page.get_by_role("button", name="Resolve")).to_have_count(0)


def test_a_responder_acknowledges_one_and_resolves_two_at_once(
    open_tab: OpenTab, cache_alerts: str
) -> None:
    page = open_tab(RESPONDER)
    page.goto(cache_alerts)
    page.get_by_role("button", name="Acknowledge Evictions on cache-1").click()
    row = page.locator("#alert-results tbody tr", has_text="Evictions on cache-1")
    expect(row.locator(".pill.acknowledged")).to_be_visible()
    expect(page).to_have_url(f"{cache_alerts}&period=7d")

    page.get_by_label("Choose Evictions on cache-2").check()
    page.get_by_label("Choose Evictions on cache-3").check()
    page.locator(".bulk-buttons").get_by_role("button", name="Resolve").click()
    for node in ("cache-2", "cache-3"):
        resolved = page.locator("#alert-results tbody tr", has_text=f"Evictions on {node}")
        expect(resolved.locator(".pill.alert-resolved")).to_be_visible()


def test_a_refused_silence_is_answered_in_place_keeping_the_choice(
    open_tab: OpenTab, cache_alerts: str
) -> None:
    page = open_tab(RESPONDER)
    page.goto(cache_alerts)
    page.get_by_label("Choose Evictions on cache-1").check()
    page.get_by_text("Silence alerts like these…").click()
    page.get_by_label("Why").fill("node replacement")
    page.get_by_role("button", name="Silence", exact=True).click()
    expect(page.locator("#handle-alerts .callout.danger")).to_be_visible()
    expect(page.locator("input[name=ends_at]")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Choose Evictions on cache-1")).to_be_checked()
    expect(page.get_by_label("Why")).to_have_value("node replacement")


def test_a_test_alert_from_the_integration_page_shows_where_it_landed(
    open_tab: OpenTab, cache_alerts: str
) -> None:
    viewer = open_tab()
    viewer.goto(f"/alerts/integrations/{INTEGRATION}")
    expect(viewer.get_by_role("button", name="Send a test alert")).to_have_count(0)

    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/alerts/integrations/{INTEGRATION}")
    page.get_by_role("button", name="Send a test alert").click()
    landed = page.locator("#test-alert .callout.ok")
    expect(landed).to_contain_text("routed to redis-cache")
    page.reload()
    expect(landed).to_contain_text("The test alert arrived:")
    expect(landed).not_to_contain_text("times so far")

"""An operations manager connects a new monitoring tool: creates the integration, sees its
key in the config to paste, the tool sends an alert, and the manager silences alerts like it
from the alert list."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.runtime.intake_worker import drain
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser


def test_connect_a_sender_then_silence_its_alert(
    open_tab: OpenTab, base_url: str, demo_settings: Settings
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/alerts")
    page.get_by_role("link", name="Integrations").click()
    page.get_by_label("Name").fill("Grafana (browser)")
    page.get_by_label("Slug").fill("grafana-browser")
    page.get_by_label("Service").select_option("search-api")
    page.get_by_role("button", name="Create integration").click()

    key = page.locator("#new-key code.secret").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    expect(page.locator("pre[data-language=yaml]")).to_contain_text(f"credentials: {key}")

    sent = httpx.post(
        f"{base_url}/api/v1/ingest/events",
        json={"summary": "Search p99 above 3 s", "labels": {"alertname": "SlowSearch"}},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 202, sent.text
    drain(demo_settings, wait=True)

    page.goto("/alerts")
    page.get_by_label("Integration").select_option("grafana-browser")  # htmx refreshes the list
    expect(page).to_have_url(re.compile(r"integration=grafana-browser"))
    rows = page.locator("#alert-results tbody tr")
    expect(rows).to_have_count(1)
    rows.first.locator("summary").click()
    rows.first.get_by_role("link", name="Silence alerts like this").click()

    expect(page.get_by_label("Matchers")).to_have_value('alertname="SlowSearch"')
    ends = (clock.now() + timedelta(hours=2)).astimezone(ZoneInfo(demo_settings.timezone))
    page.locator("#silences input[name=ends_at]").fill(ends.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#silences input[name=comment]").fill("tuning the search latency rule")
    page.get_by_role("button", name="Create silence").click()
    silence = page.locator("#silences tbody tr", has_text='alertname="SlowSearch"')
    expect(silence).to_contain_text("active")
    expect(silence).to_contain_text("tuning the search latency rule")


def test_reloading_after_creating_an_integration_creates_nothing_and_hides_the_key(
    open_tab: OpenTab,
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/alerts/integrations")
    page.get_by_label("Name").fill("Zabbix (browser)")
    page.get_by_label("Slug").fill("zabbix-browser")
    page.get_by_label("Service").select_option("search-api")
    page.get_by_role("button", name="Create integration").click()
    expect(page).to_have_url(re.compile(r"/alerts/integrations/zabbix-browser$"))
    key = page.locator("#new-key code.secret").inner_text()

    reloaded = page.reload()

    assert reloaded is not None and reloaded.status == 200
    expect(page.locator("#new-key")).to_have_count(0)
    assert key not in page.content()


def test_a_tools_webhook_is_previewed_then_received_on_its_integrations_page(
    open_tab: OpenTab, base_url: str, demo_settings: Settings
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/alerts/integrations")
    page.get_by_label("Name").fill("Zabbix (webhook)")
    page.get_by_label("Slug").fill("zabbix-webhook")
    page.get_by_label("Service").select_option("search-api")
    page.get_by_role("button", name="Create integration").click()
    key = page.locator("#new-key code.secret").inner_text()
    page.get_by_label("Webhook type").select_option("zabbix")
    page.get_by_role("button", name="Save settings").click()

    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview tbody tr")
    expect(preview).to_have_count(1)
    expect(preview).to_contain_text("High CPU utilization")
    page.get_by_label("A payload to try").fill('{"event_value": "1"}')
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#webhook .field-error")).to_contain_text("no summary")
    expect(page.locator("#preview")).to_have_count(0)

    sent = httpx.post(
        f"{base_url}/api/v1/ingest/webhook",
        json={"message": "Test message from Zabbix"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert sent.status_code == 202, sent.text
    drain(demo_settings, wait=True)
    page.goto("/alerts/integrations/zabbix-webhook")
    expect(page.locator("#unread")).to_contain_text("maps this payload to no summary")

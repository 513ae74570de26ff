"""The search in the top bar: "/" focuses it, a key opens its record, words list what
matches, and it all works without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.infra.config import Settings
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.browser.test_incident_pages import _declared, _tier_one

pytestmark = pytest.mark.browser


def test_slash_focuses_the_search_and_a_key_opens_its_incident(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Quote emails bounce", impact=3, urgency=3)
    page = open_tab()
    page.goto("/services")

    page.keyboard.press("/")
    search = page.locator("#global-search")
    expect(search).to_be_focused()
    search.fill(key.lower())
    search.press("Enter")

    expect(page).to_have_url(re.compile(f"/incidents/{key}$"))
    expect(page.locator("#incident-header h1")).to_contain_text("Quote emails bounce")


def test_words_list_services_incidents_and_people_without_javascript(
    open_tab: OpenTab, demo_settings: Settings, demo_session: Session
) -> None:
    service = _tier_one(demo_session)
    key = _declared(demo_settings, f"{service.name} answers slowly", impact=3, urgency=3)
    manager = accounts.get_user(demo_session, OPERATIONS_MANAGER)
    page = open_tab(javascript=False)
    page.goto("/")

    page.locator("#global-search").fill(service.name)
    page.locator("#global-search").press("Enter")

    expect(page.locator("#found-incident")).to_contain_text(key)
    expect(
        page.locator("#found-service").get_by_role("link", name=re.compile(service.name))
    ).to_have_attribute("href", f"/services/{service.slug}")
    page.get_by_label("Search for").fill(manager.display_name)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#found-person")).to_contain_text(OPERATIONS_MANAGER)


def test_a_vendor_contact_is_offered_no_search(open_tab: OpenTab) -> None:
    page = open_tab("contact@payflow.example.com")
    page.goto("/")

    expect(page.locator("#global-search")).to_have_count(0)

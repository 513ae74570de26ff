"""Subscribing to a service from its page, and seeing it under my subscriptions."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OPERATIONS_MANAGER, VIEWER, OpenTab

pytestmark = pytest.mark.browser

SERVICE = "supplier-portal"


def test_a_viewer_subscribes_from_the_service_page_and_unsubscribes_again(
    open_tab: OpenTab,
) -> None:
    page = open_tab(VIEWER)
    page.goto(f"/services/{SERVICE}")
    section = page.locator("#subscribers")
    page.evaluate("() => { window.stillTheSamePage = true }")
    section.get_by_role("button", name="Subscribe me").click()
    expect(section.locator("#subscriber-list")).to_contain_text(VIEWER)
    assert page.evaluate("() => window.stillTheSamePage") is True

    page.goto("/subscriptions/mine")
    expect(page.locator("table")).to_contain_text(SERVICE)

    page.goto(f"/services/{SERVICE}")
    page.locator("#subscribers").get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("#subscribers")).not_to_contain_text(VIEWER)
    expect(page.locator("#subscribers").get_by_role("button", name="Subscribe me")).to_be_visible()


def test_an_operations_manager_subscribes_a_bare_address_to_a_journey(open_tab: OpenTab) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/journeys/supplier-onboarding")
    section = page.locator("#subscribers")
    section.locator("input[name=subscriber]").fill("suppliers.board@example.com")
    section.get_by_role("button", name="Subscribe").click()
    expect(section.locator("#subscriber-list")).to_contain_text("suppliers.board@example.com")
    section.locator("input[name=subscriber]").fill("suppliers.board@example.com")
    section.get_by_role("button", name="Subscribe").click()
    expect(page.locator("#subscribers [role=alert]")).to_contain_text("already subscribed")


def test_the_subscribers_section_leaves_the_address_of_the_page_alone(open_tab: OpenTab) -> None:
    page = open_tab(VIEWER)
    page.goto(f"/services/{SERVICE}")
    expect(page.locator("#subscribers h2")).to_have_text("Subscribers")
    expect(page.locator("#subscribers form").last).to_be_visible()
    assert page.url.endswith(f"/services/{SERVICE}")

"""Moving a service to another platform from its page: refused beside the form for whoever
does not govern both platforms, done (and undone) by the guild lead."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import GUILD_LEAD, OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser


def move(page: Page, owner: str) -> None:
    page.locator("#move-service summary").click()
    page.select_option("#move-service select[name=owner]", owner)
    page.get_by_role("button", name="Move service").click()


def platform_of(page: Page) -> str:
    return str(page.locator("dt:text-is('Platform') + dd").text_content())


def test_an_operations_manager_is_refused_moving_a_service_to_another_platform(
    open_tab: OpenTab,
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/services/legacy-bi-reports")
    move(page, "storefront")
    refusal = page.locator("#move-service [role=alert]")
    expect(refusal).to_contain_text("not assigned to commerce")
    assert platform_of(page) == "Procurement"


def test_the_guild_lead_moves_a_service_to_another_platform_and_back(open_tab: OpenTab) -> None:
    page = open_tab(GUILD_LEAD)
    page.goto("/services/close-reporting")
    move(page, "storefront")
    expect(page.locator("dt:text-is('Platform') + dd")).to_have_text("Commerce")
    expect(page.locator("dt:text-is('Owner squad') + dd")).to_contain_text("Storefront")
    move(page, "ledger")
    expect(page.locator("dt:text-is('Platform') + dd")).to_have_text("Finance")

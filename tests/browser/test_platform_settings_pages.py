"""A platform's settings page: which values are its own and which are inherited, an
override made and refused beside its form, and cleared back to inherited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser

COMMERCE_MANAGER = "om.commerce@example.com"


def test_an_operations_manager_overrides_a_setting_of_their_platform_and_inherits_it_again(
    open_tab: OpenTab,
) -> None:
    page = open_tab(COMMERCE_MANAGER)
    page.goto("/services?platform=commerce")
    page.get_by_role("link", name="The rules this platform works by").click()
    expect(page.locator("h1")).to_have_text("Commerce settings")
    major = page.locator("#incident-policy-major")
    expect(major.locator(".tag")).to_have_text("inherited: shipped default")

    major.locator("textarea").fill("[1, 7]")
    major.get_by_role("button", name="Override").click()
    expect(major.locator("[role=alert]")).to_contain_text("would not be valid")
    expect(major.locator(".field-error")).to_be_visible()
    expect(major.locator(".tag")).to_have_text("inherited: shipped default")

    major.locator("textarea").fill("[1]")
    major.get_by_role("button", name="Override").click()
    expect(major.locator(".tag")).to_have_text("overridden here")
    expect(page.locator("#incident-policy-matrix .tag")).to_have_text("inherited: shipped default")
    expect(page.locator("#incident-policy details")).to_contain_text(
        f"overridden by {COMMERCE_MANAGER}"
    )

    shared = page.locator("#review-settings-categories")
    expect(shared.locator(".tag")).to_have_text("shared by every platform")
    expect(shared.get_by_role("button", name="Override")).to_have_count(0)

    major.get_by_role("button", name="Inherit again").click()
    expect(major.locator(".tag")).to_have_text("inherited: shipped default")
    expect(major.locator("textarea")).to_have_value("[1, 2]")


def test_another_platforms_manager_reads_the_settings_without_forms(open_tab: OpenTab) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/platforms/commerce/settings")
    expect(page.locator("#read-only")).to_contain_text("not assigned to commerce")
    expect(page.locator("#incident-policy-major code")).to_have_text("[1, 2]")
    expect(page.get_by_role("button", name="Override")).to_have_count(0)

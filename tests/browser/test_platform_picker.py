"""The platform picker in a real browser: a platform remembered there follows the person from
list to list until they ask for all platforms; and an operations manager refused on another
platform's freeze, beside the form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from opsroom.auth import service as accounts
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser


@pytest.fixture
def manager(open_tab: OpenTab, demo_settings: Settings) -> Iterator[Page]:
    """A tab of the procurement operations manager, who remembers no platform afterwards."""
    yield open_tab(OPERATIONS_MANAGER)
    with session_scope(demo_settings) as s:
        person = accounts.principal_for(s, accounts.get_user(s, OPERATIONS_MANAGER))
        accounts.choose_default_platform(s, actor=person, platform=None)


def switch(page: Page) -> None:
    page.locator(".platform-switch summary").click()


def test_a_remembered_platform_follows_the_person_from_list_to_list(manager: Page) -> None:
    manager.goto("/incidents")
    switch(manager)
    manager.locator(".platform-switch").get_by_role("link", name="Commerce").click()
    expect(manager).to_have_url(re.compile(r"/incidents\?platform=commerce$"))
    switch(manager)
    manager.get_by_role("button", name="Remember Commerce").click()
    expect(manager).to_have_url(re.compile(r"/incidents\?platform=commerce$"))
    manager.goto("/squads")
    expect(manager.locator(".platform-switch summary")).to_contain_text("Commerce")
    expect(manager.locator(".platform-picker select[name=platform]")).to_have_value("commerce")
    expect(manager.locator("table.squads")).to_contain_text("Storefront")
    expect(manager.locator("table.squads")).not_to_contain_text("Procurement")
    manager.get_by_role("link", name="Changes").click()
    expect(manager.locator("#change-filters select[name=platform]")).to_have_value("commerce")
    switch(manager)
    expect(manager.locator(".remembered-platform")).to_have_text("Lists open on Commerce")
    manager.locator(".platform-switch").get_by_role("link", name="All platforms").click()
    expect(manager.locator("#change-filters select[name=platform]")).to_have_value("")
    expect(manager.locator(".platform-switch summary")).to_contain_text("All platforms")


def test_an_operations_manager_is_refused_another_platforms_freeze_beside_the_form(
    manager: Page,
) -> None:
    manager.goto("/changes")
    manager.get_by_role("link", name="Freezes").first.click()
    expect(manager.locator("h1")).to_have_text("Freezes")
    expect(manager.locator("input[name=everything]")).to_have_count(0)
    form = manager.locator("#declare-freeze")
    form.locator("summary").click()
    form.locator("input[name=slug]").fill("black-friday")
    form.locator("input[name=name]").fill("Black Friday")
    form.locator("input[name=starts_on]").fill("2030-11-27")
    form.locator("input[name=ends_on]").fill("2030-11-30")
    form.locator("select[name=platforms]").select_option("commerce")
    form.get_by_role("button", name="Declare").click()
    expect(form.locator(".callout.danger")).to_contain_text(
        "Operations managers govern their own platforms only; not assigned to commerce."
    )
    expect(form.locator("input[name=name]")).to_have_value("Black Friday")
    expect(manager.locator("table.freezes, p.empty")).not_to_contain_text("Black Friday")

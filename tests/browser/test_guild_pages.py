"""The guild view in a real browser, and an operations manager refused on another
platform's risk, in place."""

from __future__ import annotations

import re
from typing import Literal

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from opsroom.risks import reports
from tests.browser.conftest import OPERATIONS_MANAGER, VIEWER, OpenTab
from tests.browser.test_look import PHONE, sideways, violations
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser


def test_the_guild_view_sets_the_platforms_side_by_side(open_tab: OpenTab) -> None:
    page = open_tab(VIEWER)
    page.goto("/")
    page.get_by_role("link", name="Guild").click()
    expect(page.locator("h1")).to_contain_text("Guild view")
    heads = page.locator("table.guild thead th")
    expect(heads).to_have_count(4)
    # most incidents first: the order follows what the other tests declared on the demo
    assert heads.nth(0).text_content() == "Figure"
    assert sorted(heads.all_text_contents()[1:]) == ["Commerce", "Finance", "Procurement"]
    expect(page.locator("table.guild tbody th")).to_contain_text(
        ["Incidents", "MTTA median", "Open risks above appetite"]
    )
    page.locator("table.guild thead").get_by_role("link", name="Commerce").click()
    expect(page).to_have_url(re.compile(r"/incidents\?platform=commerce$"))


def test_an_operations_manager_is_refused_another_platforms_risk_in_place(
    open_tab: OpenTab, demo_session: Session
) -> None:
    [risk] = reports.register(demo_session, actor=ADMIN, platform="commerce")
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/risks/{risk.key}")
    accept = page.locator("#accept")
    accept.locator("textarea[name=reason]").fill("cheap enough")
    accept.get_by_role("button", name="Accept").click()
    expect(accept).to_contain_text(
        "Operations managers govern their own platforms only; not assigned to commerce."
    )
    expect(accept.locator("textarea[name=reason]")).to_have_value("cheap enough")
    expect(page.locator(".incident-badges .status-pill")).to_have_text("assessed")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_guild_view_fits_a_phone_and_axe_finds_nothing_serious(
    open_tab: OpenTab, scheme: Literal["light", "dark"]
) -> None:
    tab = open_tab(VIEWER)
    tab.emulate_media(color_scheme=scheme)
    tab.set_viewport_size(PHONE)
    assert sideways(tab, "/guild") is None
    assert violations(tab, "/guild") == []

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import GUILD_LEAD, OpenTab

pytestmark = pytest.mark.browser


def _a_squad(settings: Settings) -> str:
    with session_scope(settings, write=False) as s:
        return str(catalog.list_squads(s)[0].slug)


def test_a_changed_due_date_setting_applies_to_an_action_raised_from_the_tracker(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    page = open_tab(GUILD_LEAD)
    page.goto("/problems")
    page.get_by_role("link", name="Settings").click()
    due_p4 = page.locator("input[name=due_P4]")
    due_p4.fill("0")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("input[name=due_P4]:invalid")).to_have_count(1)  # the browser holds it back
    due_p4.fill("45")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("input[name=due_P4]")).to_have_value("45")
    expect(page.locator(".page-header .muted")).to_contain_text(f"changed by {GUILD_LEAD}")

    squad = _a_squad(demo_settings)
    page.goto("/actions")
    page.get_by_text("Raise an action item").click()
    page.fill("#raise-action input[name=title]", "Page the squad when exports stall")
    page.select_option("#raise-action select[name=owner_squad]", squad)
    page.select_option("#raise-action select[name=priority]", label="P4 (due in 45 days)")
    page.get_by_role("button", name="Raise").click()
    expect(page).to_have_url(re.compile(r"/actions/ACT-\d+$"))
    due = clock.now().date() + timedelta(days=45)
    expect(page.locator(".kv")).to_contain_text(due.strftime("%d %b %Y"))

    page.goto(f"/squads/{squad}")
    section = page.locator("#squad-actions")  # loaded into the squad page by htmx
    expect(section.locator("h2")).to_have_text("Action items")
    section.get_by_role(
        "link", name=re.compile("(This squad's tracker|All this squad's items)")
    ).click()
    expect(page).to_have_url(re.compile(f"/actions\\?squad={squad}$"))
    expect(page.locator("table.actions")).to_contain_text("Page the squad when exports stall")

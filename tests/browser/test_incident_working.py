"""Working an incident from its page: editing it, the keyboard shortcuts, and the
confirmation asked before an irreversible step, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.browser.test_incident_pages import MANAGER, _declared, _status

pytestmark = pytest.mark.browser


def _edit(page: Page, title: str) -> None:
    page.locator("#edit summary").click()
    page.locator("#edit input[name=title]").fill(title)
    page.locator("#edit").get_by_role("button", name="Save changes").click()


def test_an_incident_is_edited_from_its_page_and_the_timeline_says_what_changed(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Supplier portal slow", impact=3, urgency=3)
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/incidents/{key}")

    page.locator("#edit summary").click()
    page.locator("#edit input[name=title]").fill("Supplier portal down")
    page.locator("#edit select[name=impact]").select_option("1")
    search = page.get_by_label("Find a service")
    search.fill("zzz-no-such-service")
    expect(page.locator("#edit-services option:not([hidden])")).to_have_count(0)
    search.fill("")
    page.locator("#edit").get_by_role("button", name="Save changes").click()

    expect(page.locator("#incident-header h1")).to_contain_text("Supplier portal down")
    expect(page.locator("#incident-header .prio")).to_have_text("P3")
    expect(page.locator(".timeline li").last).to_contain_text(
        "Edited: title Supplier portal slow → Supplier portal down; impact 3 → 1;"
    )

    page.locator("#edit summary").click()
    page.locator("#edit select[name=priority]").select_option("2")
    page.locator("#edit").get_by_role("button", name="Set priority").click()
    expect(page.locator("#edit [role=alert]")).to_have_count(0)
    expect(page.locator("#edit input[name=reason]")).to_have_js_property("validity.valid", False)


def test_a_stale_edit_is_answered_in_place_keeping_the_new_title(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Catalogue images missing", impact=2, urgency=3)
    mine, theirs = open_tab(OPERATIONS_MANAGER), open_tab(OPERATIONS_MANAGER)
    mine.goto(f"/incidents/{key}")
    theirs.goto(f"/incidents/{key}")
    _edit(theirs, "Catalogue images missing in search")
    expect(theirs.locator("#incident-header h1")).to_contain_text("in search")

    _edit(mine, "Catalogue images broken")

    edit = mine.locator("#edit")
    expect(edit.get_by_role("alert")).to_contain_text("changed since you loaded it")
    expect(edit.get_by_role("link", name="Reload to see the current version")).to_be_visible()
    expect(edit.locator("input[name=title]")).to_have_value("Catalogue images broken")


def test_keyboard_shortcuts_work_the_incident_but_never_while_typing(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Order export late", impact=3, urgency=2)
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/incidents/{key}")

    page.keyboard.press("?")
    shortcuts = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_contain_text("Acknowledge")
    page.keyboard.press("Escape")
    expect(shortcuts).to_be_hidden()

    page.keyboard.press("u")
    update = page.locator("#compose textarea[name=body]")
    expect(update).to_be_focused()
    page.keyboard.type("a fix is on its way")
    expect(update).to_have_value("a fix is on its way")
    expect(_status(page)).to_have_text("triggered")

    update.blur()
    page.keyboard.press("a")
    expect(_status(page)).to_have_text("acknowledged")

    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()


def test_closing_asks_first_and_works_without_javascript(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Invoice numbering gap", impact=3, urgency=3)
    page = open_tab(OPERATIONS_MANAGER, javascript=False)
    page.goto(f"/incidents/{key}")

    page.get_by_role("link", name="Resolve…").click()
    page.get_by_label("Resolution summary").fill("Sequence reset")
    page.get_by_role("button", name=f"Resolve {key}").click()
    page.get_by_role("link", name="Close…").click()
    page.get_by_role("link", name="Keep it resolved").click()
    expect(_status(page)).to_have_text("resolved")
    page.get_by_role("link", name="Close…").click()
    page.get_by_role("button", name=f"Close {key}").click()

    expect(_status(page)).to_have_text("closed")
    with session_scope(demo_settings, write=False) as s:
        read = incidents.read(s, incidents.get(s, actor=MANAGER, key=key))
    assert read.resolution_summary == "Sequence reset"

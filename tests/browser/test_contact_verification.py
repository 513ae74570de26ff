"""Verifying a phone from my notification settings: add it, have a code texted to it, name
the code back; a wrong code is refused next to the field, and only a verified number is
offered to a notification rule."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opsroom.infra.config import Settings
from tests.api.test_contact_verification import texted_codes
from tests.browser.conftest import VIEWER, OpenTab

pytestmark = pytest.mark.browser

NUMBER = "+27825550199"


def test_a_phone_is_verified_with_the_code_texted_to_it(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    page = open_tab(VIEWER)
    page.goto("/me/notifications")
    adding = page.get_by_role("form", name="Add a contact method")
    adding.get_by_label("Kind").select_option("sms")
    adding.get_by_label("Address").fill("+27 82 555 0199")
    adding.get_by_role("button", name="Add contact method").click()

    method = page.locator("form[aria-label^='Verify contact method']")
    expect(method).to_contain_text("not verified")
    expect(page.get_by_role("form", name="Add a rule")).to_have_count(0)
    method.get_by_role("button", name="Send a code").click()

    (code,) = texted_codes(demo_settings, NUMBER)
    wrong = "111111" if code != "111111" else "222222"
    method.get_by_label(f"Code sent to {NUMBER}").fill(wrong)
    method.get_by_role("button", name="Verify").click()
    expect(method).to_contain_text("that is not the code sent to this contact method")

    method.get_by_label(f"Code sent to {NUMBER}").fill(code)
    method.get_by_role("button", name="Verify").click()
    expect(page.locator("form[aria-label^='Verify contact method']")).to_have_count(0)
    rule = page.get_by_role("form", name="Add a rule")
    expect(rule.get_by_label("Contact method")).to_contain_text(NUMBER)

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opsroom.demo import DEMO_PASSWORD
from tests.browser.conftest import VIEWER, OpenTab, sign_in

pytestmark = pytest.mark.browser


def test_anonymous_visit_lands_on_login_and_comes_back_after_signing_in(
    open_tab: OpenTab,
) -> None:
    page = open_tab(None)

    page.goto("/services?tier=1")

    expect(page).to_have_url(re.compile(r"/login\?next=%2Fservices%3Ftier%3D1$"))
    expect(page.locator(".demo-accounts")).to_contain_text(DEMO_PASSWORD)
    expect(page.locator(".demo-accounts")).to_contain_text(VIEWER)
    sign_in(page, VIEWER)
    expect(page).to_have_url(re.compile(r"/services\?tier=1$"))
    expect(page.locator("h1")).to_have_text("Services")
    expect(page.locator(".who")).to_contain_text(f"{VIEWER} viewer")


def test_signing_out_ends_the_session(open_tab: OpenTab) -> None:
    page = open_tab(None)
    page.goto("/login")
    sign_in(page, VIEWER)

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/squads")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fsquads$"))


def test_wrong_password_shows_the_error_and_starts_no_session(open_tab: OpenTab) -> None:
    page = open_tab(None)
    page.goto("/login")

    sign_in(page, VIEWER, "not-the-demo-password")

    expect(page.locator("#login-error")).to_have_text(
        "That email and password do not match an account."
    )
    expect(page.locator("input[name=email]")).to_have_value(VIEWER)
    expect(page.locator("input[name=password]")).to_have_value("")
    assert "opsroom_session" not in {c["name"] for c in page.context.cookies()}
    assert "not-the-demo-password" not in page.content()

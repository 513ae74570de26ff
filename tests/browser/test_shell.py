from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.catalog import service as catalog

pytestmark = pytest.mark.browser


def test_home_page_shows_every_platform(page: Page, demo_session: Session) -> None:
    platforms = catalog.list_platforms(demo_session)

    page.goto("/")

    expect(page.locator(".platform-card h2")).to_have_text([p.name for p in platforms])


def test_platform_switcher_narrows_the_page_to_one_platform(
    page: Page, demo_session: Session
) -> None:
    chosen = catalog.list_platforms(demo_session)[-1]
    squads = [s.name for s in catalog.list_squads(demo_session, platform=chosen.slug)]
    page.goto("/squads")

    page.locator(".platform-switch summary").click()
    page.locator(".platform-switch").get_by_role("link", name=chosen.name).click()

    expect(page).to_have_url(re.compile(f"/squads\\?platform={chosen.slug}$"))
    expect(page.locator("table.squads tbody tr td:first-child")).to_have_text(squads)
    expect(page.locator(".domains").get_by_role("link", name="Services")).to_have_attribute(
        "href", f"/services?platform={chosen.slug}"
    )


def test_navigation_has_no_dead_links(page: Page) -> None:
    page.goto("/")
    hrefs = page.locator(".topbar a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )

    for href in hrefs:
        assert page.request.get(href).status == 200, href
    expect(page.locator(".domains a[href='/risks']")).to_have_text("Risks")


def test_every_page_has_the_opsroom_icon(page: Page) -> None:
    page.goto("/incidents")

    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None
    for path in (icon, "/favicon.ico"):
        answer = page.request.get(path)
        assert answer.status == 200, path
        assert answer.headers["content-type"] == "image/svg+xml", path

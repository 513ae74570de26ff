from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from opsroom.auth.domain import Principal, Role
from opsroom.changes import schemas
from opsroom.changes import service as changes
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import ORDERING_LEAD, OpenTab

pytestmark = pytest.mark.browser

ENGINEER = Principal(name="responder@example.com", role=Role.RESPONDER)
SCREENSHOT = "/tmp/change-collision.png"


def _planned(settings: Settings, start: datetime) -> str:
    """A submitted change on the search API, two hours from `start`."""
    with session_scope(settings) as s:
        data = schemas.ChangeCreate(
            title="Search API rate limits",
            services=["search-api"],
            squad="catalog-search",
            planned_start=start,
            planned_end=start + timedelta(hours=2),
        )
        key = changes.create(s, actor=ENGINEER, data=data).key
        changes.submit(s, actor=ENGINEER, key=key, data=schemas.TransitionIn())
        return key


def test_a_colliding_change_is_warned_of_while_it_is_written(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    zone = ZoneInfo(demo_settings.timezone)
    start = (
        (clock.now() + timedelta(days=9))
        .astimezone(zone)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    other = _planned(demo_settings, start)
    page = open_tab(ORDERING_LEAD)
    page.goto("/changes/new")
    expect(page.locator("#assessment")).to_contain_text("Choose the services")
    page.fill("input[name=title]", "Search index schema migration")
    page.select_option("select[name=services]", "search-api")
    page.select_option("select[name=squad]", "ordering")
    page.fill("input[name=planned_start]", (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=planned_end]", (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    warning = page.locator("#assessment .collision-warning")
    expect(warning).to_contain_text("Collides with 1 change")
    expect(warning).to_contain_text(f"{other} Search API rate limits")
    expect(warning).to_contain_text("same service: search-api")
    expect(page.locator("#assessment .risk-factors")).to_contain_text("1 overlapping change")
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("button", name="Submit for approval").click()
    expect(page).to_have_url(re.compile(r"/changes/CHG-\d+$"))
    expect(page.locator(".change-status-submitted")).to_be_visible()
    expect(page.locator("#collisions")).to_contain_text(other)

    page.goto(f"/changes/calendar?month={start.strftime('%Y-%m')}")
    expect(page.locator(".cal-change.colliding").first).to_contain_text("CHG-")

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.oncall import service as oncall
from tests.factories import ACTOR

pytestmark = pytest.mark.browser


def test_the_home_page_widget_names_who_is_on_call(page: Page, demo_session: Session) -> None:
    now = oncall.on_call(demo_session, actor=ACTOR)
    page.goto("/")
    widget = page.locator("#oncall-now li")
    expect(widget).to_have_count(len(now))
    expect(widget.first).to_contain_text(str(now[0].person or "nobody"))


def test_the_schedule_page_highlights_coverage_gaps(page: Page, demo_session: Session) -> None:
    schedules = oncall.list_schedules(demo_session, actor=ACTOR)
    gappy = next(
        s.slug
        for s in schedules
        if oncall.coverage(demo_session, actor=ACTOR, slug=s.slug).gap_hours
    )
    page.goto("/oncall")
    page.get_by_role("link", name=next(s.name for s in schedules if s.slug == gappy)).click()
    expect(page.locator(".callout.warn")).to_contain_text("hours without anyone on call")
    expect(page.locator(".calendar li.gap").first).to_contain_text("nobody: gap")
    expect(page.locator(".calendar tbody tr")).to_have_count(29)

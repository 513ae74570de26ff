"""Reading the rota in Chromium: who answers a page for a service at a moment."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.infra.config import Settings
from opsroom.oncall import service as oncall
from tests.browser.conftest import OpenTab
from tests.conftest import TEST_NOW
from tests.factories import ACTOR

pytestmark = pytest.mark.browser

SERVICE = "auth-service"


def test_who_answers_for_a_service_at_a_moment_from_the_on_call_page(
    page: Page, demo_session: Session, demo_settings: Settings
) -> None:
    moment = TEST_NOW + timedelta(days=3, hours=11)
    expected = oncall.who_answers(demo_session, actor=ACTOR, service=SERVICE, at=moment)
    first = expected.answers[0]
    local = moment.astimezone(ZoneInfo(demo_settings.timezone))
    page.goto("/oncall")
    form = page.locator("#who")
    form.get_by_label("Service").select_option(SERVICE)
    form.locator("input[name=at]").fill(local.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Who answers?").click()
    expect(page).to_have_url(f"/oncall/who?service={SERVICE}&at={local:%Y-%m-%dT%H%%3A%M}")
    answer = page.locator(".who-answers li").first
    expect(answer).to_contain_text(str(first.person))
    expect(answer.locator(".decided-by")).to_contain_text(f"layer {first.layer}")
    expect(page.locator("select[name=service]")).to_have_value(SERVICE)


def test_a_moment_that_is_not_a_time_is_refused_next_to_its_field(page: Page) -> None:
    response = page.goto(f"/oncall/who?service={SERVICE}&at=tomorrow")
    assert response is not None and response.status == 422
    expect(page.locator(".field-error")).to_have_count(1)
    expect(page.locator("input[name=at]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".who-answers")).to_have_count(0)


def test_a_schedules_timeline_draws_its_layers_overrides_and_final_rota(
    open_tab: OpenTab, demo_session: Session
) -> None:
    schedule = oncall.list_schedules(demo_session, actor=ACTOR)[0]
    drawn = oncall.timeline(demo_session, actor=ACTOR, slug=schedule.slug, days=14)
    page = open_tab(javascript=False)
    page.goto(f"/oncall/schedules/{schedule.slug}")
    page.get_by_role("link", name="See them as a timeline").click()
    page.get_by_role("link", name="14 days").click()
    expect(page).to_have_url(f"/oncall/schedules/{schedule.slug}/timeline?days=14")
    expect(page.locator(".tl-days text")).to_have_count(14)
    expect(page.locator(".tl-days text").first).to_have_text(drawn.days[0][0])
    rows = page.locator(".tl-row:not(.tl-days)")
    expect(rows).to_have_count(len(drawn.rows))
    final = page.get_by_role("img", name=re.compile(r"^Final rota: "))
    first = drawn.rows[-1].bars[0]
    expect(final).to_have_attribute(
        "aria-label", re.compile(re.escape(str(first.person or "nobody")))
    )
    expect(final.locator("g.tl-bar")).to_have_count(len(drawn.rows[-1].bars))

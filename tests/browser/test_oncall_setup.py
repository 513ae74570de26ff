"""Setting up on-call in Chromium: a new schedule with its first layer, then an escalation
policy paging it; refusals answered next to their fields, keeping what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser


def test_a_viewer_is_not_offered_to_set_up_on_call(page: Page) -> None:
    page.goto("/oncall")
    expect(page.get_by_role("link", name="New schedule")).to_have_count(0)
    expect(page.get_by_role("link", name="New escalation policy")).to_have_count(0)


def test_a_schedule_then_a_policy_paging_it_are_created_from_the_on_call_page(
    open_tab: OpenTab,
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/oncall")
    page.get_by_role("link", name="New schedule").click()
    form = page.get_by_role("form", name="New schedule")
    form.get_by_label("Name").fill("Batch jobs primary")
    form.get_by_label("Slug").fill("batch-jobs-primary")
    form.get_by_label("Squad").select_option("data-platform")
    form.get_by_label("Participants").fill("ana@example.com\nnot an address")
    form.get_by_label("First hand-off").fill("2026-11-02T09:00")
    form.get_by_role("button", name="Create schedule").click()

    expect(form.locator(".field-error")).to_have_count(1)
    expect(form.get_by_label("Participants")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Name")).to_have_value("Batch jobs primary")
    form.get_by_label("Participants").fill("ana@example.com\nben@example.com")
    form.get_by_label("Shift length").fill("1")
    form.get_by_role("button", name="Create schedule").click()
    expect(page).to_have_url("/oncall/schedules/batch-jobs-primary")
    expect(page.get_by_role("heading", level=1)).to_have_text("Batch jobs primary")
    expect(page.locator("#layer-0 summary")).to_contain_text("ana@example.com, ben@example.com")

    page.goto("/oncall/policies/new")
    form = page.get_by_role("form", name="New escalation policy")
    form.get_by_label("Name").fill("Batch jobs")
    form.get_by_label("Slug").fill("batch-jobs-primary")
    form.get_by_label("Page first").select_option("schedule:batch-jobs-primary")
    form.get_by_label("Then wait").fill("0")
    form.get_by_role("button", name="Create policy").click()
    expect(form.locator("input[name=timeout_minutes]")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Page first")).to_have_value("schedule:batch-jobs-primary")
    form.get_by_label("Then wait").fill("10")
    form.get_by_role("button", name="Create policy").click()
    expect(page).to_have_url("/oncall/policies/batch-jobs-primary")
    expect(page.get_by_role("heading", level=1)).to_have_text("Batch jobs")

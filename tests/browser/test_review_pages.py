from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.browser.test_incident_pages import _declared

pytestmark = pytest.mark.browser


def _another_squad(settings: Settings, service_owner: str) -> str:
    with session_scope(settings, write=False) as s:
        return next(q.slug for q in catalog.list_squads(s) if q.slug != service_owner)


def test_a_resolved_p1_is_reviewed_and_its_action_lands_on_another_squads_tracker(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Supplier invoices stuck in matching", impact=1, urgency=1)
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/incidents/{key}")
    page.get_by_role("link", name="Resolve…").click()
    page.get_by_label("Resolution summary").fill("Matching rules restored")
    page.get_by_role("button", name=f"Resolve {key}").click()
    expect(page.locator("#incident-header .status-pill")).to_have_text("resolved")

    page.goto("/reviews")
    page.get_by_role("link", name=re.compile(key)).first.click()
    expect(page).to_have_url(re.compile(f"/reviews/{key}$"))
    expect(page.locator("#review-status")).to_have_text("draft")
    owner = page.locator(".incident-badges .muted").inner_text().split("squad ")[1].split(" ")[0]
    other = _another_squad(demo_settings, owner)

    summary = page.locator("textarea[name=summary]")
    summary.fill("Matching stopped for **two hours**; <b>raw</b> HTML stays text.")
    preview = page.locator("#preview-summary")
    expect(preview.locator("strong")).to_have_text("two hours")
    expect(preview).to_contain_text("<b>raw</b>")
    page.get_by_role("button", name="Save").click()

    page.fill("input[name=title]", "Alert when invoice matching stalls")
    page.select_option("select[name=owner_squad]", other)
    page.get_by_role("button", name="Add action item").click()
    expect(page.locator("#actions table")).to_contain_text("Alert when invoice matching stalls")

    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#review-status")).to_have_text("published")
    expect(page.locator("textarea[name=summary]")).to_have_count(0)

    page.goto(f"/actions?squad={other}")
    row = page.locator("table.actions tr", has_text="Alert when invoice matching stalls")
    expect(row).to_contain_text(f"review of {key}")
    expect(row).to_contain_text("open")

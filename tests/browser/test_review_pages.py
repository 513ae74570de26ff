from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, VIEWER, OpenTab
from tests.browser.test_incident_pages import _declared, _resolved

CAB_CHAIR = "cab.chair@example.com"  # an operations manager who wrote none of these reviews

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

    page.fill("textarea[name=what_happened]", "The matching queue stalled on a poison message.")
    page.fill("textarea[name=contributing_factors]", "- No alert on queue age")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_role("button", name="Publish").click()  # by its own author: refused in place
    expect(page.locator("#review-status")).to_have_text("in review")
    expect(page.get_by_role("alert")).to_contain_text("someone who did not write it")

    approver = open_tab(CAB_CHAIR)
    approver.goto(f"/reviews/{key}")
    expect(approver.locator("#publishing")).to_contain_text("Ready")
    approver.get_by_role("button", name="Publish").click()
    expect(approver.locator("#review-status")).to_have_text("published")
    expect(approver.locator("textarea[name=summary]")).to_have_count(0)

    page.goto(f"/actions?squad={other}")
    row = page.locator("table.actions tr", has_text="Alert when invoice matching stalls")
    expect(row).to_contain_text(f"review of {key}")
    expect(row).to_contain_text("open")


def test_a_half_written_p1_review_is_not_published_by_its_author_and_says_what_is_missing(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Supplier catalogue search empty", impact=1, urgency=1)
    _resolved(demo_settings, key)
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/reviews/{key}")
    page.fill("textarea[name=summary]", "Search returned nothing for an hour.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Submit for review").click()

    with page.expect_response(f"**/reviews/{key}/move/publish") as answer:
        page.get_by_role("button", name="Publish").click()

    assert answer.value.status == 422
    refusal = page.get_by_role("alert")
    for missing in ("What happened", "Contributing factors", "action item", "did not write it"):
        expect(refusal).to_contain_text(missing)
    expect(page.locator("#review-status")).to_have_text("in review")
    expect(page.locator("#publishing li")).to_have_count(4)


def test_a_resolved_incident_links_its_review_and_the_published_review_raises_actions(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Order confirmations delayed", impact=1, urgency=1)
    _resolved(demo_settings, key)
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/incidents/{key}")
    page.locator("#review").get_by_role("link", name=f"Review of {key}").click()
    expect(page).to_have_url(re.compile(f"/reviews/{key}$"))

    for name, text in (("summary", "s"), ("what_happened", "w"), ("contributing_factors", "c")):
        page.fill(f"textarea[name={name}]", text)
    page.get_by_role("button", name="Save").click()
    page.fill("input[name=title]", "Queue confirmations behind a circuit breaker")
    page.get_by_role("button", name="Add action item").click()
    page.get_by_role("button", name="Submit for review").click()
    approver = open_tab(CAB_CHAIR)
    approver.goto(f"/reviews/{key}")
    approver.get_by_role("button", name="Publish").click()
    expect(approver.locator("#review-status")).to_have_text("published")

    approver.fill("input[name=title]", "Load-test confirmations at peak")
    approver.get_by_role("button", name="Add action item").click()
    expect(approver.locator("#actions table")).to_contain_text("Load-test confirmations at peak")
    approver.locator("#actions table a", has_text="ACT-").last.click()
    expect(approver.locator("main")).to_contain_text(f"review of {key}")


def test_a_viewer_reads_a_review_without_forms_and_the_editor_text_is_plain(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Supplier portal logins slow", impact=1, urgency=1)
    _resolved(demo_settings, key)
    writer = open_tab(OPERATIONS_MANAGER)
    writer.goto(f"/reviews/{key}")
    summary = writer.locator("textarea[name=summary]")
    summary.fill("Logins took **ten seconds**.")
    writer.get_by_role("button", name="Save").click()
    expect(summary).to_have_value("Logins took **ten seconds**.")
    assert summary.evaluate("e => getComputedStyle(e).fontWeight") == "400"
    expect(writer.locator("#preview-summary")).to_be_empty()  # not the saved text again

    viewer = open_tab(VIEWER)
    viewer.goto(f"/reviews/{key}")
    expect(viewer.locator("main form")).to_have_count(0)
    expect(viewer.locator("#moves button[disabled]")).to_have_text("Submit for review")
    expect(viewer.locator("#moves")).to_contain_text("you need the responder role for this")

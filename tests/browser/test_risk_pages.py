from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.risks import reports
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.conftest import ADMIN

pytestmark = pytest.mark.browser


def _cell(page: Page, grid: str, likelihood: int, impact: int) -> object:
    return page.locator(f"#heat-{grid} td[data-likelihood='{likelihood}'][data-impact='{impact}']")


def test_the_heat_map_places_each_open_risk_by_inherent_and_residual_score(
    page: Page, demo_session: Session
) -> None:
    open_risks = reports.register(demo_session, actor=ADMIN, platform="procurement", open_only=True)
    page.goto("/risks?platform=procurement")

    counts = page.locator("#heat-inherent td.has-risks").all_inner_texts()
    assert sum(map(int, counts)) == len(open_risks)
    expect(page.locator("#heat-inherent caption")).to_have_text("Inherent")
    expect(_cell(page, "inherent", 4, 5)).to_have_text("1")  # the core database, 4 x 5

    page.select_option("#risk-filters select[name=category]", "availability")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"category=availability"))
    expect(page.locator("#heat-inherent td.has-risks")).to_have_count(1)
    expect(_cell(page, "residual", 1, 4)).to_have_text("1")  # its target: 1 x 4
    expect(page.locator("#register tbody tr")).to_have_count(1)


def test_a_mitigation_raised_from_a_risk_is_an_action_item_citing_it(open_tab: OpenTab) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/risks")
    page.get_by_role("link", name="RSK-6").click()
    expect(page.locator("h1")).to_contain_text("Only two engineers can operate the EDI gateway")

    form = page.locator("#raise-mitigation")
    form.locator("input[name=title]").fill("Pair a third engineer on every EDI change")
    form.get_by_role("button", name="Raise mitigation").click()

    expect(page).to_have_url(re.compile(r"/risks/RSK-6#mitigations$"))
    mitigation = page.locator("#mitigations").get_by_role("link", name=re.compile(r"ACT-\d+"))
    expect(mitigation).to_have_count(1)
    expect(page.locator(".timeline")).to_contain_text(["Mitigation"])
    mitigation.click()
    expect(page.locator("h1")).to_contain_text("Pair a third engineer on every EDI change")
    expect(page.locator("main")).to_contain_text("RSK-6")


def test_an_acceptance_without_an_expiry_is_refused_in_place(open_tab: OpenTab) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/risks/RSK-4")
    accept = page.locator("#accept")
    accept.locator("textarea[name=reason]").fill("the sync retires next quarter")
    accept.get_by_role("button", name="Accept").click()

    expect(page.locator("#accept .field-error")).to_have_text(
        "an acceptance expires: give the date"
    )
    expect(page.locator("#accept textarea[name=reason]")).to_have_value(
        "the sync retires next quarter"
    )
    expect(page.locator(".incident-badges .status-pill")).to_have_text("assessed")


def test_a_risk_is_edited_from_its_page(open_tab: OpenTab) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/risks/RSK-2")
    page.locator("#edit summary").click()
    form = page.locator("#edit-risk")
    expect(form.locator("select[name=category]")).not_to_have_value("")
    form.locator("textarea[name=treatment_plan]").fill("Rehearse the failover every quarter")
    form.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(re.compile(r"/risks/RSK-2#edit$"))
    expect(page.locator("main")).to_contain_text("Rehearse the failover every quarter")
    timeline = page.locator("section[aria-labelledby=timeline-title]")
    expect(timeline).to_contain_text("Risk edited")

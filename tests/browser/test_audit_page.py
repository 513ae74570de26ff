from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.audit import service as audit

pytestmark = pytest.mark.browser


def test_audit_page_verifies_the_chain(page: Page, demo_session: Session) -> None:
    checked = audit.verification(demo_session).checked

    page.goto("/audit")

    expect(page.locator("#chain")).to_contain_text(f"Chain intact. All {checked} entries verified")


def test_audit_page_filters_by_subject(page: Page, demo_session: Session) -> None:
    subject = audit.list_entries(demo_session, subject_type="service", limit=1).items[0].subject_key
    expected = audit.list_entries(demo_session, subject_type="service", subject_key=subject)
    page.goto("/audit")

    page.select_option("select[name=subject_type]", "service")
    page.fill("input[name=subject_key]", subject)
    page.get_by_role("button", name="Filter").click()

    rows = page.locator("table.entries tbody tr")
    expect(rows).to_have_count(len(expected.items))
    expect(rows.locator("td:nth-child(4)")).to_have_text(
        [f"service {subject}"] * len(expected.items)
    )

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from opsroom.auth.domain import Principal, Role
from opsroom.changes import schemas
from opsroom.changes import service as changes
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import ORDERING_LEAD, VIEWER, OpenTab

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


def _submitted(settings: Settings, title: str, services: list[str], start: datetime) -> Any:
    with session_scope(settings) as s:
        data = schemas.ChangeCreate(
            title=title,
            services=services,
            squad="checkout",
            planned_start=start,
            planned_end=start + timedelta(hours=1),
            rollback_plan="Switch the flag back (2 minutes)",
        )
        key = changes.create(s, actor=ENGINEER, data=data).key
        return changes.read(changes.submit(s, actor=ENGINEER, key=key, data=schemas.TransitionIn()))


def _high_risk(settings: Settings) -> str:
    """A submitted change to checkout, payments and purchase orders (tier 1, far-reaching)
    in the window of another change to payments."""
    start = clock.now() + timedelta(days=4)
    _submitted(settings, "Rotate the card network keys", ["payments"], start)
    change = _submitted(
        settings,
        "Move card payments to the new acquirer",
        ["checkout-service", "payments", "purchase-orders"],
        start,
    )
    assert change.risk_level == "high"
    return str(change.key)


def test_a_high_risk_change_is_approved_end_to_end_by_the_demo_accounts(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _high_risk(demo_settings)
    procurement_only = open_tab("om@example.com")  # the change reaches commerce and finance too
    procurement_only.goto(f"/changes/{key}")
    expect(procurement_only.locator("#approvals")).to_contain_text(
        "You may not give any of the approvals still waiting"
    )
    approvers = (
        ("lead.checkout@example.com", "squad lead"),
        ("guild.lead@example.com", "operations manager"),
        ("cab.chair@example.com", "CAB"),
        (ORDERING_LEAD, "journey owner: requisition-to-po"),
        ("admin@example.com", "journey owner: browse-and-checkout"),
        ("cab.architecture@example.com", "journey owner: invoice-to-payment"),
        ("cab.security@example.com", "journey owner: po-to-invoice"),
        ("lead.ledger@example.com", "journey owner: month-end-close"),  # ledger pays by payments
    )
    for email, slot in approvers:
        page = open_tab(email)
        page.goto(f"/changes/{key}")
        page.get_by_role("button", name=f"Approve as {slot}", exact=True).click()
        expect(page.locator("#approvals")).to_contain_text(f"{email} as {slot}")
    expect(page.locator(".page-header .status-pill")).to_have_text("approved")


def test_someone_who_may_give_no_waiting_approval_is_told_so(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _high_risk(demo_settings)
    page = open_tab(VIEWER)
    page.goto(f"/changes/{key}")
    expect(page.locator("#approvals [data-requirement=squad_lead]")).to_contain_text(
        "waiting for a squad lead of checkout, or an operations manager"
    )
    expect(page.locator("#approvals [data-requirement=cab]")).to_contain_text(
        "waiting for a CAB member, or an operations manager"
    )
    expect(page.locator("#approvals")).to_contain_text(
        "You may not give any of the approvals still waiting"
    )
    expect(page.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)


def test_a_viewer_is_offered_no_change_action_and_told_why(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    start = clock.now() + timedelta(days=5)
    key = _submitted(demo_settings, "Tune the payment retries", ["payments"], start).key
    page = open_tab(VIEWER)

    page.goto(f"/changes/{key}")

    expect(page.locator(".page-header .read-only")).to_have_text(
        "You may read this change but not work it: you need the responder role for this."
    )
    expect(page.locator("main form")).to_have_count(0)

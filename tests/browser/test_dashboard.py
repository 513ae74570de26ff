from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.actions import service as actions
from opsroom.changes import domain as changes_domain
from opsroom.changes import reports as change_reports
from opsroom.infra import clock
from opsroom.kpis import domain
from opsroom.kpis import service as kpis
from opsroom.reviews import service as reviews
from tests.factories import ACTOR

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_charts_from_the_demo_history(
    page: Page, demo_session: Session
) -> None:
    open_now = kpis.open_incidents(demo_session, actor=ACTOR)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None
    )

    page.goto("/")

    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.locator(".open-by-priority .priority-p1 .count")).to_have_text(str(open_now["P1"]))
    expect(page.locator(".kpi-tile")).to_have_count(6)
    charts = page.locator("canvas[data-chart]")
    expect(charts).to_have_count(5)
    for index in range(5):  # Chart.js marks each canvas it draws on
        expect(charts.nth(index)).to_have_attribute("data-drawn", "yes")
    assert page.locator("canvas[data-chart]").first.bounding_box()["height"] > 100  # type: ignore[index]
    expect(page.get_by_role("heading", name="Platforms")).to_be_visible()
    assert errors == []


def test_the_dashboard_shows_the_work_waiting_on_people(page: Page, demo_session: Session) -> None:
    now = clock.now()
    overdue_items = actions.search(demo_session, actor=ACTOR, overdue=True, limit=8).items
    overdue_reviews = reviews.search(demo_session, actor=ACTOR, overdue=True, limit=8).items
    ahead = change_reports.calendar(
        demo_session, actor=ACTOR, start=now, end=now + timedelta(days=14)
    )
    upcoming = [c for c in ahead.changes if c.status in changes_domain.ACTIVE]

    page.goto("/")

    work = page.locator(".dashboard-work")
    expect(work.get_by_role("heading", name="Overdue")).to_be_visible()
    expect(work.get_by_role("heading", name="Upcoming changes and freezes")).to_be_visible()
    # each list shows what the practice's own service answers, or says there is nothing
    for shown, empty in (
        (overdue_items, "No action item is overdue."),
        (overdue_reviews, "No review is overdue."),
        (upcoming, "No change is planned in the next 14 days."),
    ):
        for record in shown:
            expect(work.get_by_role("link", name=record.key, exact=True)).to_be_visible()
        expect(work.get_by_text(empty)).to_have_count(0 if shown else 1)
    for freeze in ahead.freezes:
        expect(work.get_by_text(f"Freeze: {freeze.name}")).to_be_visible()
    expect(page.get_by_role("heading", name="On call now")).to_be_visible()
    expect(page.get_by_text("Coming with their domains")).to_have_count(0)


def test_the_open_incidents_refresh_themselves(page: Page) -> None:
    page.clock.install()  # the page's timers run on a clock the test moves
    page.goto("/")
    with page.expect_response(lambda r: "/dashboard/open" in r.url, timeout=10_000) as refreshed:
        page.clock.run_for("00:30")
    assert refreshed.value.status == 200
    expect(page.locator("#open-now")).to_have_count(1)


def test_the_review_pack_downloads_from_the_kpi_page(page: Page, demo_session: Session) -> None:
    month = domain.current_month(clock.now()).label
    page.goto("/")
    page.get_by_role("link", name="All KPIs and the review pack →").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Operations KPIs · {month}")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == f"opsroom-kpis-{month}.csv"

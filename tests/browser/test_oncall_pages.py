from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
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


def _spare_rotation(session: Session, slug: str, name: str) -> None:
    """A schedule of one weekly rotation with one participant."""
    data = schemas.ScheduleCreate(
        slug=slug,
        name=name,
        layers=[
            schemas.LayerIn(
                participants=["spare@example.com"], start=datetime(2026, 1, 5, tzinfo=UTC)
            )
        ],
    )
    oncall.create_schedule(session, actor=ACTOR, data=data)


def test_a_schedule_is_renamed_and_deleted_from_its_page(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    with session_scope(demo_settings) as s:
        _spare_rotation(s, "spare-rotation", "Spare rotation")
    page.goto("/oncall/schedules/spare-rotation")
    settings = page.locator("#settings")
    settings.get_by_label("Name").fill("Renamed rotation")
    settings.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Renamed rotation")

    settings.get_by_label("Time zone").fill("Mars/Base")
    settings.get_by_role("button", name="Save").click()
    expect(settings.locator(".callout.danger")).to_contain_text("Unknown time zone")

    page.goto("/oncall/schedules/spare-rotation")
    page.locator("#settings").get_by_role("button", name="Delete this schedule").click()
    expect(page).to_have_url("/oncall")
    expect(page.get_by_role("link", name="Renamed rotation")).to_have_count(0)


def test_a_layer_and_an_override_are_changed_from_the_schedule_page(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    page = open_tab(OPERATIONS_MANAGER)
    with session_scope(demo_settings) as s:
        _spare_rotation(s, "layered-rotation", "Layered rotation")
        window = schemas.OverrideIn(
            person="cover@example.com",
            start=datetime(2026, 1, 6, tzinfo=UTC),
            end=datetime(2026, 1, 7, tzinfo=UTC),
        )
        oncall.add_override(s, actor=ACTOR, slug="layered-rotation", data=window)
    page.goto("/oncall/schedules/layered-rotation")
    layer = page.locator("#layer-0")
    layer.locator("summary").click()
    layer.get_by_label("Participants").fill("spare@example.com\nsecond@example.com")
    layer.get_by_label("Hand-off time zone").fill("Mars/Base")
    layer.get_by_role("button", name="Save layer 0").click()
    expect(page.locator("#layer-0 .field-error")).to_have_text("unknown time zone 'Mars/Base'")
    expect(page.locator("#layer-0").get_by_label("Participants")).to_have_value(
        "spare@example.com\nsecond@example.com"
    )
    page.locator("#layer-0").get_by_label("Hand-off time zone").fill("Europe/Amsterdam")
    page.locator("#layer-0").get_by_role("button", name="Save layer 0").click()
    expect(page.locator("#layer-0 summary")).to_contain_text("second@example.com")

    override = page.locator("#overrides li").first
    override.locator("summary").click()
    override.get_by_label("Person").fill("relief@example.com")
    override.get_by_role("button", name="Save override").click()
    expect(page.locator("#overrides li").first).to_contain_text("relief@example.com")

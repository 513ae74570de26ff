from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, ORDERING_LEAD, VIEWER, OpenTab

pytestmark = pytest.mark.browser


def _owned_by(session: Session, squad: str) -> list[str]:
    return [s.slug for s in catalog.list_services(session, owner=squad, limit=500).items]


def _not_tier_one(session: Session, squad: str) -> str:
    return next(
        s.slug for s in catalog.list_services(session, owner=squad, limit=500).items if s.tier > 1
    )


def _edit_controls(page: Page) -> int:
    return page.locator("#edit-service, #add-dependency").count()


def test_viewer_sees_no_edit_controls_and_an_operations_manager_edits_the_tier(
    open_tab: OpenTab, demo_session: Session, demo_settings: Settings
) -> None:
    slug = _not_tier_one(demo_session, "ordering")
    tier = catalog.get_service(demo_session, slug).tier
    new_tier = 3 if tier == 2 else 2
    viewer = open_tab(VIEWER)
    viewer.goto(f"/services/{slug}")
    expect(viewer.locator("h1 .tier")).to_have_text(f"T{tier}")
    assert _edit_controls(viewer) == 0

    manager = open_tab(OPERATIONS_MANAGER)
    manager.goto(f"/services/{slug}")
    manager.wait_for_function("() => window.htmx !== undefined")
    manager.evaluate("() => { window.stillTheSamePage = true }")
    manager.get_by_text("Edit service").click()
    manager.select_option("#edit-service select[name=tier]", str(new_tier))
    manager.get_by_role("button", name="Save changes").click()

    expect(manager.locator("h1 .tier")).to_have_text(f"T{new_tier}")
    expect(manager.locator("#history tbody tr").first).to_contain_text(OPERATIONS_MANAGER)
    assert manager.evaluate("() => window.stillTheSamePage") is True
    with session_scope(demo_settings, write=False) as fresh:
        assert catalog.get_service(fresh, slug).tier == new_tier


def test_squad_lead_sees_edit_controls_on_own_squads_services_only(
    open_tab: OpenTab, demo_session: Session
) -> None:
    page = open_tab(ORDERING_LEAD)

    page.goto(f"/services/{_owned_by(demo_session, 'ordering')[0]}")
    expect(page.locator("#edit-service summary")).to_have_text("Edit service")
    expect(page.locator("#add-dependency")).to_be_visible()

    page.goto(f"/services/{_owned_by(demo_session, 'checkout')[0]}")
    expect(page.locator("h1")).to_be_visible()
    assert _edit_controls(page) == 0


def test_refused_edit_shows_the_reason_next_to_the_field(
    open_tab: OpenTab, demo_session: Session
) -> None:
    slug = _not_tier_one(demo_session, "ordering")
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/services/{slug}")
    version = page.locator("#edit-service input[name=version]").input_value()

    page.get_by_text("Edit service").click()
    page.fill("#edit-service input[name=tags]", "ok, " + "x" * 51)
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator("#edit-tags-error")).to_contain_text("at most 50 characters")
    expect(page.locator("#edit-service input[name=tags]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#edit-service")).to_have_attribute("open", "")
    expect(page.locator("#edit-service input[name=version]")).to_have_value(version)


def test_dependency_that_closes_a_loop_is_refused_on_the_page(
    open_tab: OpenTab, demo_session: Session, demo_settings: Settings
) -> None:
    slug, dependant = next(
        (s.slug, deps.depended_on_by[0])
        for s in catalog.list_services(demo_session, limit=500).items
        if (deps := catalog.dependencies(demo_session, s.slug)).depended_on_by
    )
    before = catalog.dependencies(demo_session, slug).depends_on
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/services/{slug}")

    page.select_option("#add-dependency select[name=depends_on]", dependant.slug)
    page.get_by_role("button", name="Add dependency").click()

    expect(page.locator("#dependency-depends_on-error")).to_have_text(
        "would create a dependency cycle"
    )
    expect(page.locator("#add-dependency [role=alert]")).to_contain_text("closes the loop")
    with session_scope(demo_settings, write=False) as fresh:
        assert catalog.dependencies(fresh, slug).depends_on == before


def test_editing_works_without_javascript(open_tab: OpenTab, demo_session: Session) -> None:
    slug = _owned_by(demo_session, "ordering")[-1]
    page = open_tab(OPERATIONS_MANAGER, javascript=False)
    page.goto(f"/services/{slug}")

    page.get_by_text("Edit service").click()
    page.fill("#edit-service textarea[name=description]", "Edited without scripts.")
    page.get_by_role("button", name="Save changes").click()

    expect(page.locator(".page-header .lead")).to_have_text("Edited without scripts.")

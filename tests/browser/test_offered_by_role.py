"""Each role is offered only what it may do on the problem, action-item, on-call and alert
pages, and a form refused after it was shown is answered in place with what was typed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom import demo
from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.alerts import schemas as alert_schemas
from opsroom.alerts import service as alerts
from opsroom.auth import schemas as account_schemas
from opsroom.auth import service as accounts
from opsroom.auth.domain import Role
from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.oncall import service as oncall
from opsroom.problems import schemas as problem_schemas
from opsroom.problems import service as problems
from tests.browser.conftest import OPERATIONS_MANAGER, ORDERING_LEAD, VIEWER, OpenTab
from tests.factories import ACTOR

pytestmark = pytest.mark.browser

ORDERING = "ordering"  # the squad ORDERING_LEAD leads in the demo catalog


def _service_of(session: Session, squad: str) -> str:
    return next(s.slug for s in catalog.all_services(session) if s.owner.slug == squad)


def _problem_and_action(settings: Settings) -> tuple[str, str]:
    with session_scope(settings) as s:
        service = _service_of(s, ORDERING)
        data = problem_schemas.ProblemCreate(title="Order sync drops lines", services=[service])
        problem = problems.create(s, actor=ACTOR, data=data).key
        item = action_schemas.ActionCreate(title="Retry dropped order lines", owner_squad=ORDERING)
        return problem, actions.create(s, actor=ACTOR, data=item).key


def _posting_buttons(page: Page) -> int:
    return page.locator("main form[method=post] button:enabled").count()


def test_a_viewer_reads_problems_and_action_items_but_is_offered_no_changes(
    page: Page, demo_settings: Settings
) -> None:
    problem, item = _problem_and_action(demo_settings)

    page.goto("/problems")
    expect(page.get_by_role("link", name="Open a problem")).to_have_count(0)
    page.goto(f"/problems/{problem}")
    expect(page.locator("#read-only")).to_contain_text("you need the responder role for this")
    assert _posting_buttons(page) == 0
    page.goto("/actions")
    expect(page.locator("#raise-action")).to_have_count(0)
    page.goto(f"/actions/{item}")
    expect(page.locator("#read-only")).to_contain_text("you need the responder role for this")
    assert _posting_buttons(page) == 0
    page.goto("/problems/settings")
    expect(page.locator("#read-only")).to_contain_text("operations manager role")
    expect(page.locator("#settings-form input[name=recurrence_days]")).to_be_disabled()
    assert _posting_buttons(page) == 0


def test_a_manager_is_offered_every_change_on_the_same_pages(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    problem, item = _problem_and_action(demo_settings)
    page = open_tab(OPERATIONS_MANAGER)

    page.goto(f"/problems/{problem}")
    expect(page.locator("#read-only")).to_have_count(0)
    expect(page.get_by_role("button", name="Save analysis")).to_be_enabled()
    page.goto(f"/actions/{item}")
    expect(page.locator("#moves form").first).to_be_visible()
    page.goto("/problems/settings")
    expect(page.get_by_role("button", name="Save settings")).to_be_enabled()


def _schedule_of(session: Session, squad: str | None, *, own: bool) -> str:
    found = oncall.list_schedules(session, actor=ACTOR)
    return next(s.slug for s in found if (s.squad_slug == squad) is own and s.squad_slug)


def test_a_squad_lead_changes_their_own_squads_schedules_only(
    open_tab: OpenTab, demo_session: Session
) -> None:
    own = _schedule_of(demo_session, ORDERING, own=True)
    other = _schedule_of(demo_session, ORDERING, own=False)
    page = open_tab(ORDERING_LEAD)

    page.goto(f"/oncall/schedules/{other}")
    expect(page.locator("#read-only")).to_contain_text("squad leads edit their own squads' items")
    assert _posting_buttons(page) == 0
    page.goto(f"/oncall/schedules/{own}")
    expect(page.locator("#read-only")).to_have_count(0)
    expect(page.get_by_role("button", name="Add override")).to_be_visible()


def test_only_those_who_manage_an_integration_may_rotate_its_key(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    with session_scope(demo_settings) as s:
        service = _service_of(s, ORDERING)
        data = alert_schemas.IntegrationCreate(
            slug="orders-probe", name="Orders probe", service=service
        )
        alerts.create_integration(s, actor=ACTOR, data=data)

    viewer = open_tab(VIEWER)
    viewer.goto("/alerts/integrations/orders-probe")
    expect(viewer.get_by_role("button", name="Rotate the key")).to_have_count(0)
    expect(viewer.locator("#settings input[name=alerts_to_open]")).to_be_disabled()
    viewer.goto("/alerts/integrations")
    expect(viewer.locator("#new-integration")).to_have_count(0)
    viewer.goto("/alerts/silences")
    expect(viewer.get_by_role("button", name="Create silence")).to_have_count(0)

    lead = open_tab(ORDERING_LEAD)
    lead.goto("/alerts/integrations/orders-probe")
    expect(lead.get_by_role("button", name="Rotate the key")).to_be_visible()


def test_a_refused_action_item_is_answered_in_place_with_what_was_typed(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    email = "acting.responder@example.com"
    with session_scope(demo_settings) as s:
        data = account_schemas.UserCreate(
            email=email, display_name="Acting", role=Role.RESPONDER, password=demo.DEMO_PASSWORD
        )
        accounts.create_user(s, actor=ACTOR, data=data)
    page = open_tab(email)
    page.goto("/actions")
    page.locator("#raise-action summary").click()
    page.locator("#raise-action input[name=title]").fill("Document the order replay")
    page.locator("#raise-action select[name=owner_squad]").select_option(ORDERING)
    with session_scope(demo_settings) as s:  # their role is lowered while they type
        version = accounts.get_user(s, email).version
        lowered = account_schemas.UserUpdate(version=version, role=Role.VIEWER)
        accounts.update_user(s, actor=ACTOR, email=email, data=lowered)

    with page.expect_response(re.compile(r"/actions$")) as answer:
        page.locator("#raise-action").get_by_role("button", name=re.compile("Raise")).click()

    assert answer.value.status == 403
    form = page.locator("#raise-action")
    expect(form.get_by_role("alert")).to_contain_text("You need the responder role for this")
    expect(form.locator("input[name=title]")).to_have_value("Document the order replay")
    expect(form.locator("select[name=owner_squad]")).to_have_value(ORDERING)

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from opsroom import demo
from opsroom.auth import schemas as account_schemas
from opsroom.auth import service as accounts
from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority, Transition
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser

COMMANDER = "responder@example.com"
MANAGER = Principal(name=OPERATIONS_MANAGER, role=Role.OPERATIONS_MANAGER)
ADMIN = Principal(name="admin@example.com", role=Role.ADMIN)
SCREENSHOT = "/tmp/incident-page.png"


def _tier_one(session: Session) -> Any:
    services = catalog.list_services(session, tier=1, limit=1).items
    assert services, "the demo catalog has no tier-1 service"
    return services[0]


def _declared(settings: Settings, title: str, impact: int, urgency: int) -> str:
    with session_scope(settings) as s:
        data = schemas.IncidentCreate(
            title=title, services=[_tier_one(s).slug], impact=impact, urgency=urgency
        )
        return incidents.declare(s, actor=MANAGER, data=data).key


def _resolved(settings: Settings, key: str) -> None:
    with session_scope(settings) as s:
        incidents.transition(
            s, actor=MANAGER, key=key, move=Transition.RESOLVE, data=schemas.TransitionIn()
        )


def _status(page: Page) -> Any:
    return page.locator("#incident-header .status-pill")


def _declare_p1(page: Page, service_slug: str) -> str:
    page.goto("/incidents/new")
    page.fill("input[name=title]", "Card payments fail at checkout")
    page.select_option("select[name=services]", service_slug)
    page.select_option("select[name=impact]", "1")
    page.select_option("select[name=urgency]", "1")
    page.get_by_role("button", name="Declare incident").click()
    expect(page).to_have_url(re.compile(r"/incidents/INC-\d+$"))
    return page.url.rsplit("/", 1)[-1]


def _assign_commander(page: Page, email: str) -> None:
    roles = page.locator("#roles")
    roles.locator("select[name=role]").select_option("commander")
    roles.locator("input[name=person]").fill(email)
    roles.get_by_role("button", name="Assign").click()


def _post_update(page: Page, text: str) -> None:
    compose = page.locator("#compose")
    compose.get_by_label("Customer").check()
    compose.locator("textarea[name=body]").fill(text)
    compose.get_by_role("button", name="Post update").click()


def test_a_p1_from_declaration_to_resolution(open_tab: OpenTab, demo_session: Session) -> None:
    service = _tier_one(demo_session)
    page = open_tab(OPERATIONS_MANAGER)

    key = _declare_p1(page, service.slug)

    header = page.locator("#incident-header")
    expect(header.locator("h1")).to_contain_text(key)
    expect(header.locator(".prio")).to_have_text("P1")
    expect(header.locator(".major-marker")).to_have_text("MAJOR")
    expect(_status(page)).to_have_text("triggered")
    expect(header.locator(".sla.sla-ok .sla-kind")).to_have_text(["Response", "Resolution"])
    blast = page.locator("#affected a.blast-link")
    expect(blast).to_have_attribute("href", f"/services/{service.slug}#blast-radius")
    expect(page.locator("#affected")).to_contain_text(service.name)

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "assign an incident commander to acknowledge it"
    )
    expect(_status(page)).to_have_text("triggered")

    _assign_commander(page, COMMANDER)
    expect(header.locator(".incident-roles")).to_contain_text(COMMANDER)
    page.get_by_role("button", name="Acknowledge").click()
    expect(_status(page)).to_have_text("acknowledged")

    _post_update(page, "Card payments fail; rolling back release 4.2")
    expect(page.locator(".timeline li").last).to_contain_text(
        "Customer update: Card payments fail; rolling back release 4.2"
    )

    page.get_by_role("button", name="Mark mitigated").click()
    expect(_status(page)).to_have_text("mitigated")
    page.get_by_role("link", name="Resolve…").click()
    page.get_by_label("Resolution summary").fill("Rolled back release 4.2")
    page.get_by_role("button", name=f"Resolve {key}").click()
    expect(_status(page)).to_have_text("resolved")
    expect(header.locator(".sla.sla-met")).to_have_count(2)
    expect(page.locator("#resolution")).to_contain_text("Rolled back release 4.2")
    expect(page.get_by_role("link", name="Resolve…")).to_have_count(0)
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_an_open_major_incident_is_announced_on_every_page(
    page: Page, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Order search times out", impact=1, urgency=2)

    for path in ("/", "/services", "/incidents"):
        page.goto(path)
        expect(page.locator("#major-banner .major-banner")).to_contain_text(key)
    page.locator("#major-banner").get_by_role("link", name=re.compile(key)).click()
    expect(page).to_have_url(re.compile(f"/incidents/{key}$"))

    _resolved(demo_settings, key)
    page.reload()
    expect(_status(page)).to_have_text("resolved")
    expect(page.locator("#major-banner")).not_to_contain_text(key)


def test_filtering_incidents_by_priority_refreshes_the_table_in_place(
    page: Page, demo_settings: Settings
) -> None:
    _declared(demo_settings, "Slow supplier sync", impact=2, urgency=2)
    _declared(demo_settings, "Typo on the invoice page", impact=2, urgency=3)
    with session_scope(demo_settings, write=False) as s:
        expected = [i.key for i in incidents.search(s, actor=MANAGER, priority=[Priority.P3]).items]
    page.goto("/incidents")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.stillTheSamePage = true }")

    page.select_option("select[name=priority]", "3")

    page.wait_for_url(re.compile(r"/incidents\?priority=3$"))
    rows = page.locator("#incident-results tbody tr")
    expect(rows.locator(".incident-key")).to_have_text(expected)
    expect(rows.locator(".prio")).to_have_text(["P3"] * len(expected))
    assert page.evaluate("() => window.stillTheSamePage") is True


def test_filtering_incidents_works_without_javascript(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Invoice PDFs render blank", impact=3, urgency=3)
    page = open_tab(javascript=False)
    page.goto("/incidents")

    page.select_option("select[name=priority]", "5")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"priority=5"))
    expect(page.locator("#incident-results tbody")).to_contain_text(key)
    expect(page.locator("#incident-results .prio")).to_have_text(
        ["P5"] * page.locator("#incident-results tbody tr").count()
    )


def test_a_viewer_is_offered_nothing_they_may_not_do(page: Page, demo_settings: Settings) -> None:
    key = _declared(demo_settings, "Supplier sync lagging", impact=2, urgency=2)

    page.goto(f"/incidents/{key}")

    expect(page.locator("#incident-header .read-only")).to_have_text(
        "You may read this incident but not work it: you need the responder role for this."
    )
    expect(page.locator("main form")).to_have_count(0)
    expect(page.get_by_role("link", name="Resolve…")).to_have_count(0)
    expect(page.locator("#edit")).to_have_count(0)


def test_a_refused_update_is_answered_next_to_the_form_with_what_was_typed(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _declared(demo_settings, "Invoice export stuck", impact=2, urgency=2)
    email = "stand.in@example.com"
    with session_scope(demo_settings) as s:
        data = account_schemas.UserCreate(
            email=email, display_name="Stand-in", role=Role.RESPONDER, password=demo.DEMO_PASSWORD
        )
        accounts.create_user(s, actor=ADMIN, data=data)
    page = open_tab(email)
    page.goto(f"/incidents/{key}")
    page.locator("#compose textarea[name=body]").fill("Export queue drained; watching")
    with session_scope(demo_settings) as s:  # their role is lowered while they type
        version = accounts.get_user(s, email).version
        lowered = account_schemas.UserUpdate(version=version, role=Role.VIEWER)
        accounts.update_user(s, actor=ADMIN, email=email, data=lowered)

    with page.expect_response(f"**/incidents/{key}/updates") as answer:
        page.locator("#compose").get_by_role("button", name="Post update").click()

    assert answer.value.status == 403
    compose = page.locator("#compose")
    expect(compose.get_by_role("alert")).to_contain_text("You need the responder role for this")
    expect(compose.locator("textarea[name=body]")).to_have_value("Export queue drained; watching")

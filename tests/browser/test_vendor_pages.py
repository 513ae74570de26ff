"""A vendor contact's view: the incidents their vendor is engaged on, the updates meant for
them, their own updates and SLA clocks; a refusal page for everything else."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab

pytestmark = pytest.mark.browser

CONTACT = "contact@payflow.example.com"
MANAGER = Principal(name=OPERATIONS_MANAGER, role=Role.OPERATIONS_MANAGER)
FOR_CUSTOMERS = "Some card payments fail; we are working with our payment provider"
FOR_RESPONDERS = "Suspect the EU acquiring gateway; bridge open"


def _declared(settings: Settings, title: str, *, vendor: str | None = None) -> str:
    with session_scope(settings) as s:
        service = catalog.list_services(s, tier=1, limit=1).items[0].slug
        data = schemas.IncidentCreate(title=title, services=[service], impact=2, urgency=2)
        key = incidents.declare(s, actor=MANAGER, data=data).key
        if vendor:
            engaged = schemas.ParticipantIn(kind="vendor", ref=vendor)
            incidents.add_participant(s, actor=MANAGER, key=key, data=engaged)
        for audience, body in (
            (Audience.CUSTOMER, FOR_CUSTOMERS),
            (Audience.INTERNAL, FOR_RESPONDERS),
        ):
            update = schemas.StatusUpdateIn(audience=audience, body=body)
            incidents.post_status_update(s, actor=MANAGER, key=key, data=update)
        return key


@pytest.fixture
def engaged_key(demo_settings: Settings) -> str:
    return _declared(demo_settings, "Card payments declined", vendor="payflow")


def test_a_vendor_contact_sees_and_updates_the_incidents_their_vendor_is_engaged_on(
    open_tab: OpenTab, demo_settings: Settings, engaged_key: str
) -> None:
    elsewhere = _declared(demo_settings, "Supplier portal slow")
    page = open_tab(CONTACT)

    page.goto("/")
    rows = page.locator("table.engagements tbody tr")
    expect(rows.filter(has_text=engaged_key).locator(".sla-kind")).to_have_text(
        ["Response", "Resolution"]
    )
    expect(page.locator("main")).not_to_contain_text(elsewhere)
    expect(page.locator("nav.domains a")).to_have_text(["Your incidents"])

    page.get_by_role("link", name=engaged_key).click()
    updates = page.locator("#latest")
    expect(updates).to_contain_text(FOR_CUSTOMERS)
    expect(updates).not_to_contain_text(FOR_RESPONDERS)
    expect(page.locator(".incident-header .sla-kind")).to_have_text(["Response", "Resolution"])

    page.locator("#compose textarea[name=body]").fill("Gateway EU-2 failed over; retry now")
    page.get_by_role("button", name="Post update").click()
    expect(updates.locator("li").first).to_contain_text("Gateway EU-2 failed over; retry now")
    with session_scope(demo_settings, write=False) as s:
        latest = incidents.status_updates(s, actor=MANAGER, key=engaged_key)[0]
    assert (latest.author, latest.audience) == (CONTACT, Audience.INTERNAL)


@pytest.mark.parametrize(
    "path", ["/services", "/incidents", "/changes", "/audit", "/kpis", "/me/notifications"]
)
def test_every_other_page_refuses_a_vendor_contact_plainly(
    open_tab: OpenTab, engaged_key: str, path: str
) -> None:
    page = open_tab(CONTACT)

    response = page.goto(path)

    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Not allowed")
    expect(page.locator(".message")).to_contain_text(
        "Vendor contacts see only what their vendor is engaged on"
    )
    expect(page.locator("nav.domains a")).to_have_text(["Your incidents"])


def test_an_incident_their_vendor_is_not_engaged_on_is_not_found(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    page = open_tab(CONTACT)

    response = page.goto(f"/incidents/{_declared(demo_settings, 'Invoices stuck')}")

    assert response is not None and response.status == 404

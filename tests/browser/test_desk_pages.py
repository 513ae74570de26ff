"""A ticket worked in the browser, and its requester answering the survey from the email's
link in a browser without an account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opsroom.auth.domain import Principal, Role
from opsroom.demo import desk as demo_desk
from opsroom.desk import requesting, schemas
from opsroom.desk import service as desk
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from tests.browser.conftest import OpenTab

pytestmark = pytest.mark.browser

RESPONDER = "responder@example.com"
REQUESTER = "browser.requester@acme.example"
AGENT = Principal(name=RESPONDER, role=Role.RESPONDER)


def _opened(settings: Settings, requester: str = REQUESTER, organisation: str = "Acme") -> str:
    data = schemas.TicketCreate(
        title="Supplier portal is slow",
        requester=requester,
        organisation=organisation,
        service="supplier-portal",
    )
    with session_scope(settings) as s:
        return desk.open_ticket(s, actor=AGENT, data=data).key


def _survey_link(settings: Settings) -> str:
    with session_scope(settings, write=False) as s:
        sent = notify.log(s, actor=AGENT, person=REQUESTER).items
    (link,) = [m.message["link"] for m in sent if "/surveys/" in m.message["link"]]
    return "/surveys/" + link.rsplit("/", 1)[1]


def test_a_responder_replies_and_resolves_and_the_requester_answers_the_survey(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    key = _opened(demo_settings)
    page = open_tab(RESPONDER)
    page.goto(f"/tickets/{key}")
    page.get_by_role("textbox", name="Message").fill("We have added capacity; please try again.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_label("Messages")).to_contain_text("We have added capacity")
    expect(page.locator("#ticket-status")).to_have_text("open")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#ticket-status")).to_have_text("resolved")

    requester = open_tab(None)
    requester.goto(_survey_link(demo_settings))
    requester.get_by_role("button", name="Send").click()
    expect(requester.get_by_role("alert")).to_contain_text("Check the fields marked below")
    requester.get_by_label("4", exact=True).check()
    requester.get_by_label("Anything to add?").fill("Fast answer")
    requester.get_by_role("button", name="Send").click()
    expect(requester.get_by_role("status")).to_contain_text("your answer is recorded")


PORTAL_REQUESTER = "m.jansen@acme.example"  # the demo's requester of Acme


def test_a_requester_reports_from_the_portal_and_follows_the_ticket(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    elsewhere = _opened(demo_settings, "bob@globex.example", "Globex")
    page = open_tab(PORTAL_REQUESTER)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/portal$"))
    expect(page.locator("nav.domains a")).to_have_text(["Your tickets", "Report something"])
    expect(page.locator("main")).not_to_contain_text(elsewhere)

    page.get_by_role("link", name="Report something").first.click()
    page.get_by_label("Title").fill("Invoices will not download")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("main")).to_contain_text("Choose the service")
    page.get_by_label("Service").select_option("supplier-portal")
    page.get_by_label("What is happening, or what you need").fill("Since this morning")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("h1")).to_contain_text("Invoices will not download")
    key = page.url.rsplit("/", 1)[1]

    with session_scope(demo_settings) as s:
        for body, internal in (("Fixed the export job", False), ("Cron was paused", True)):
            note = schemas.MessageIn(body=body, internal=internal)
            desk.add_message(s, actor=AGENT, key=key, data=note)
    page.reload()
    expect(page.get_by_label("Messages")).to_contain_text("Fixed the export job")
    expect(page.locator("main")).not_to_contain_text("Cron was paused")
    expect(page.get_by_role("button", name="Resolve")).to_have_count(0)

    assert (hidden := page.goto(f"/tickets/{elsewhere}")) is not None and hidden.status == 404
    assert (refused := page.goto("/incidents")) is not None and refused.status == 403
    expect(page.locator(".message")).to_contain_text("their organisation's tickets")


def test_a_requester_asks_from_the_catalog_and_writes_on_the_request(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    with session_scope(demo_settings) as s:
        keeper = Principal(name="admin@example.com", role=Role.ADMIN)
        requesting.create_type(s, actor=keeper, data=demo_desk.COST_CENTRE)
    page = open_tab(PORTAL_REQUESTER)
    page.goto("/portal")
    page.get_by_role("link", name="New cost centre").click()
    page.get_by_label("Office").select_option("Utrecht")
    page.get_by_label("Starts on").fill("2027-01-04")
    # Past the browser's own checks, to see the desk's refusal beside the field.
    page.evaluate("document.querySelector('#request-form').noValidate = true")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator("#request-answers\\.code-error")).to_have_text("required")
    page.get_by_label("Cost centre code").fill("CC-ACM-12")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(re.compile(r"/tickets/TKT-\d+$"))
    expect(page.get_by_label("Approvals")).to_contain_text("squad lead of integration")
    expect(page.get_by_label("Approvals")).to_contain_text("pending")
    page.get_by_role("textbox", name="Message").fill("Needed before the January run, please.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_label("Messages")).to_contain_text("Needed before the January run")

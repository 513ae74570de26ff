"""A ticket worked in the browser, and its requester answering the survey from the email's
link in a browser without an account."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opsroom.auth.domain import Principal, Role
from opsroom.desk import schemas
from opsroom.desk import service as desk
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify import service as notify
from tests.browser.conftest import OpenTab

pytestmark = pytest.mark.browser

RESPONDER = "responder@example.com"
REQUESTER = "browser.requester@acme.example"
AGENT = Principal(name=RESPONDER, role=Role.RESPONDER)


def _opened(settings: Settings) -> str:
    data = schemas.TicketCreate(
        title="Supplier portal is slow",
        requester=REQUESTER,
        organisation="Acme",
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

"""Held mail taken in from the /mail page: a stranger's mail accepted as a ticket for the
organisation and about the service the desk names."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from opsroom.demo import DEMO_ACTOR
from opsroom.desk import organisations
from opsroom.desk.schemas import OrganisationCreate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.mailin import service
from tests.browser.conftest import OpenTab
from tests.mail import written

pytestmark = pytest.mark.browser

RESPONDER = "responder@example.com"


def test_a_responder_accepts_a_strangers_mail_as_a_ticket(
    open_tab: OpenTab, demo_settings: Settings
) -> None:
    mail = written(sender="browser.stranger@newco.example", subject="Quote for 40 seats")
    with session_scope(demo_settings) as s:
        held = service.receive(s, mail, via="smtp").id
        customer = OrganisationCreate(name="NewCo", platforms=["procurement"])
        organisations.create(s, actor=DEMO_ACTOR, data=customer)
    page = open_tab(RESPONDER)
    page.goto("/mail")
    entry = page.locator(f"#mail-{held}")
    expect(entry).to_contain_text("browser.stranger@newco.example is not a known requester")
    entry.get_by_role("textbox", name="Organisation").fill("NewCo")
    entry.get_by_role("combobox", name="Service").select_option("supplier-portal")
    entry.get_by_role("button", name="Accept as ticket").click()
    expect(page).to_have_url(re.compile(r"/mail$"))
    expect(page.locator(f"#mail-{held}")).to_have_count(0)
    page.goto("/mail?outcome=accepted")
    accepted = page.locator(f"#mail-{held}")
    accepted.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Quote for 40 seats")
    expect(page.locator(".lead")).to_contain_text("browser.stranger@newco.example (NewCo)")

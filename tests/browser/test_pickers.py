"""Pickers instead of typed syntax: people by name, services with search, escalation targets
chosen by name while the fields still send what the rules read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.catalog import service as catalog
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.browser.test_incident_pages import _declared
from tests.factories import ACTOR

pytestmark = pytest.mark.browser


def _policy(settings: Settings, slug: str) -> None:
    with session_scope(settings) as s:
        squad = catalog.list_squads(s)[0].slug
        data = schemas.PolicyCreate.model_validate(
            {
                "slug": slug,
                "name": "Night desk",
                "levels": [{"targets": [{"kind": "squad", "ref": squad}], "timeout_minutes": 5}],
            }
        )
        oncall.create_policy(s, actor=ACTOR, data=data)


def test_escalation_targets_are_offered_by_name_in_a_wide_field(
    open_tab: OpenTab, demo_settings: Settings, demo_session: Session
) -> None:
    _policy(demo_settings, "night-desk")
    manager = accounts.get_user(demo_session, OPERATIONS_MANAGER)
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/oncall/policies/night-desk")

    targets = page.locator("input[name=targets]")
    assert (targets.first.bounding_box() or {"width": 0})["width"] > 400
    offered = page.locator(f'#escalation-targets option[value="person:{OPERATIONS_MANAGER}"]')
    expect(offered).to_have_attribute("label", f"{manager.display_name} (person)")
    squad = catalog.list_squads(demo_session)[0]
    expect(page.locator(f'#escalation-targets option[value="squad:{squad.slug}"]')).to_have_count(1)

    targets.nth(1).fill(f"person:{OPERATIONS_MANAGER}")
    page.get_by_role("button", name="Save policy").click()

    expect(page.locator("input[name=targets]").nth(1)).to_have_value(f"person:{OPERATIONS_MANAGER}")
    with session_scope(demo_settings, write=False) as s:
        levels = oncall.get_policy(s, actor=ACTOR, slug="night-desk").levels
    assert levels[1]["targets"] == [{"kind": "person", "ref": OPERATIONS_MANAGER}]


def test_a_role_is_given_to_a_person_picked_by_name(
    open_tab: OpenTab, demo_settings: Settings, demo_session: Session
) -> None:
    key = _declared(demo_settings, "Price list import stalls", impact=3, urgency=3)
    responder = accounts.get_user(demo_session, "responder@example.com")
    page = open_tab(OPERATIONS_MANAGER)
    page.goto(f"/incidents/{key}")

    person = page.locator("#roles input[name=person]")
    expect(person).to_have_attribute("list", "people")
    expect(page.locator('#people option[value="responder@example.com"]')).to_have_attribute(
        "label", responder.display_name
    )
    page.locator("#roles select[name=role]").select_option("scribe")
    person.fill("responder@example.com")
    page.locator("#roles").get_by_role("button", name="Assign").click()

    expect(page.locator("#incident-header .incident-roles")).to_contain_text(
        "responder@example.com"
    )


def test_the_services_of_a_new_incident_are_found_by_typing(
    open_tab: OpenTab, demo_session: Session
) -> None:
    service = catalog.all_services(demo_session)[-1]
    page = open_tab(OPERATIONS_MANAGER)
    page.goto("/incidents/new")

    page.get_by_label("Find a service").fill(service.name)
    shown = page.locator("#declare-services option:not([hidden])")
    expect(shown).to_contain_text([re.compile(re.escape(service.name))])
    assert shown.count() < len(catalog.all_services(demo_session))
    page.fill("input[name=title]", "Stock levels wrong")
    shown.filter(has_text=service.name).first.click()
    page.get_by_role("button", name="Declare incident").click()

    expect(page).to_have_url(re.compile(r"/incidents/INC-\d+$"))
    expect(page.locator("#affected")).to_contain_text(service.name)

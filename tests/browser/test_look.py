"""How every page reachable from the navigation looks to each demo role: nothing scrolls
sideways at phone width, and axe-core finds no serious or critical accessibility violation.
The pages one step further (a record of each list, the forms that create things) are checked
the same way for the operations manager, who is offered the most controls, and so is the
dark colour scheme."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, ORDERING_LEAD, VIEWER, OpenTab, sign_in
from tests.browser.records import first_record

pytestmark = pytest.mark.browser

ROLES = [
    "admin@example.com",
    OPERATIONS_MANAGER,
    ORDERING_LEAD,
    "responder@example.com",
    VIEWER,
    "contact@payflow.example.com",
    "m.jansen@acme.example",
]
PHONE = {"width": 390, "height": 844}
FORMS = [
    "/incidents/new",
    "/changes/new",
    "/changes/calendar",
    "/problems/new",
    "/problems/settings",
    "/known-errors",
    "/alerts/integrations",
    "/alerts/silences",
    "/issues",
]
# a list page, and the pattern of its links to one of its records
RECORDS = [
    ("/services", r"^/services/[a-z0-9-]+$"),
    ("/squads", r"^/squads/[a-z0-9-]+$"),
    ("/journeys", r"^/journeys/[a-z0-9-]+$"),
    ("/vendors", r"^/vendors/[a-z0-9-]+$"),
    ("/oncall", r"^/oncall/schedules/[a-z0-9-]+$"),
    ("/oncall", r"^/oncall/policies/[a-z0-9-]+$"),
    ("/risks", r"^/risks/RSK-\d+$"),
]
BLOCKING = ("serious", "critical")
# What axe found that matters: rule, impact and the first few elements it found it on.
FIND_VIOLATIONS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => ["serious", "critical"].includes(v.impact))
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""
# The element reaching furthest right, to say what makes a page scroll sideways.
WIDEST = """() => {
  const clipped = el => el.parentElement && el.parentElement !== document.body &&
    (getComputedStyle(el.parentElement).overflowX !== "visible" || clipped(el.parentElement));
  let widest = null;
  for (const el of document.body.querySelectorAll("*")) {
    const right = el.getBoundingClientRect().right;
    if (clipped(el)) continue;
    if (!widest || right > widest.right) widest = {right, what: el.outerHTML.slice(0, 120)};
  }
  return widest;
}"""


def nav_pages(tab: Page) -> list[str]:
    """Every page the top bar links to, as the person signed in sees it."""
    tab.goto("/")
    hrefs = tab.locator(".topbar a[href]").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    return sorted(set(hrefs))


def sideways(tab: Page, href: str) -> str | None:
    tab.goto(href)
    scroll = tab.evaluate(
        "() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]"
    )
    if scroll[0] <= scroll[1]:
        return None
    return f"{href} is {scroll[0]} px wide: {tab.evaluate(WIDEST)}"


def violations(tab: Page, href: str) -> list[str]:
    tab.goto(href)
    tab.add_script_tag(url="/vendor/axe.min.js")
    return [f"{href}: {found}" for found in tab.evaluate(FIND_VIOLATIONS)]


@pytest.mark.parametrize("email", ROLES)
def test_no_page_scrolls_sideways_at_phone_width(open_tab: OpenTab, email: str) -> None:
    tab = open_tab(email)
    tab.set_viewport_size(PHONE)

    wide = [found for href in nav_pages(tab) if (found := sideways(tab, href))]

    assert wide == [], "\n".join(wide)


@pytest.mark.parametrize("email", ROLES)
def test_signing_out_is_within_reach_at_phone_width(open_tab: OpenTab, email: str) -> None:
    """Signed in afresh: signing out ends this session, not the one other tests share."""
    tab = open_tab(None)
    tab.set_viewport_size(PHONE)
    tab.goto("/login")
    sign_in(tab, email)
    expect(tab.locator(".who")).to_contain_text(email)

    sign_out = tab.get_by_role("button", name="Sign out")
    box = sign_out.bounding_box()

    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    sign_out.click()
    expect(tab).to_have_url(re.compile(r"/login"))
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible()


@pytest.mark.parametrize("email", ROLES)
def test_axe_finds_nothing_serious_on_any_page(open_tab: OpenTab, email: str) -> None:
    """Every role, for each sees its own buttons, panels and refusals."""
    tab = open_tab(email)

    found = [v for href in nav_pages(tab) for v in violations(tab, href)]

    assert found == [], "\n".join(found)


def test_a_schedule_layer_reads_as_a_line_not_a_word_a_line(open_tab: OpenTab) -> None:
    tab = open_tab(OPERATIONS_MANAGER)
    tab.goto("/oncall")
    tab.locator("main a[href^='/oncall/schedules/']").first.click()

    summary = tab.locator("#layers details > summary").first
    height = summary.evaluate("s => s.getBoundingClientRect().height")
    line = summary.evaluate("s => parseFloat(getComputedStyle(s).lineHeight)")

    assert height <= 2 * line


def test_problem_settings_checkboxes_sit_beside_their_labels(
    open_tab: OpenTab,
) -> None:
    tab = open_tab(OPERATIONS_MANAGER)
    tab.goto("/problems/settings")

    boxes = tab.locator("input[name=review_priorities]").evaluate_all(
        """boxes => boxes.map(box => {
          const text = document.createRange();
          text.selectNode(box.nextSibling);
          const mine = box.getBoundingClientRect(), words = text.getBoundingClientRect();
          return {beside: words.left >= mine.right,
                  centred: Math.abs((mine.top + mine.bottom) - (words.top + words.bottom)) <= 4};
        })"""
    )

    assert boxes and all(b["beside"] and b["centred"] for b in boxes)


@pytest.fixture(scope="module")
def one_step_further(demo_settings: Settings) -> list[str]:
    """The forms, and one record of each list: an incident declared for the purpose."""
    with session_scope(demo_settings) as s:
        service = catalog.list_services(s, tier=1, limit=1).items[0].slug
        data = incident_schemas.IncidentCreate(
            title="Checkout is slow", services=[service], impact=2, urgency=2
        )
        manager = Principal(name=OPERATIONS_MANAGER, role=Role.OPERATIONS_MANAGER)
        key = incidents.declare(s, actor=manager, data=data).key
    return [*FORMS, f"/incidents/{key}"]


def _further(open_tab: OpenTab, pages: list[str]) -> tuple[Page, list[str]]:
    tab = open_tab(OPERATIONS_MANAGER)
    return tab, [*pages, *(first_record(tab, *where) for where in RECORDS)]


def test_no_page_one_step_further_scrolls_sideways_at_phone_width(
    open_tab: OpenTab, one_step_further: list[str]
) -> None:
    tab, pages = _further(open_tab, one_step_further)
    tab.set_viewport_size(PHONE)

    wide = [found for href in pages if (found := sideways(tab, href))]

    assert wide == [], "\n".join(wide)


def test_axe_finds_nothing_serious_one_step_further(
    open_tab: OpenTab, one_step_further: list[str]
) -> None:
    tab, pages = _further(open_tab, one_step_further)

    found = [v for href in pages for v in violations(tab, href)]

    assert found == [], "\n".join(found)


def test_axe_finds_nothing_serious_in_the_dark_scheme(
    open_tab: OpenTab, one_step_further: list[str]
) -> None:
    """The dark scheme changes colours, not content: checked once, as the role offered the
    most controls, on the navigation's pages and one step further."""
    tab, further = _further(open_tab, one_step_further)
    tab.emulate_media(color_scheme="dark")

    found = [v for href in [*nav_pages(tab), *further] for v in violations(tab, href)]

    assert found == [], "\n".join(found)


def test_a_table_wider_than_a_phone_scrolls_in_its_own_box_by_keyboard(
    open_tab: OpenTab,
) -> None:
    tab = open_tab(OPERATIONS_MANAGER)
    tab.set_viewport_size(PHONE)
    tab.goto("/kpis")
    scrolling = tab.locator(".table-wrap").evaluate_all(
        "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth).map(b => b.tabIndex)"
    )
    # The month-by-month table: other figures (CSAT by service, say) may come first, narrower.
    box = tab.get_by_role("region", name="Month by month: scrolls sideways")

    box.focus()
    for _ in range(5):
        tab.keyboard.press("ArrowRight")

    assert scrolling and set(scrolling) == {0}
    assert box.evaluate("b => b.scrollLeft") > 0
    assert box.get_attribute("aria-label") == "Month by month: scrolls sideways"

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy.orm import Session

from opsroom.catalog import schemas, vendors
from opsroom.catalog import service as catalog

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/service-page.png"


def _names(refs: list[schemas.ServiceRef] | list[schemas.AffectedService]) -> list[str]:
    return [ref.name for ref in refs]


def _cross_platform_tier_one(session: Session) -> str:
    """A business-critical service with dependencies, dependants and a failure that crosses platforms."""
    for svc in catalog.list_services(session, tier=1, limit=500).items:
        deps = catalog.dependencies(session, svc.slug)
        reach = catalog.blast_radius(session, svc.slug).platforms
        if deps.depends_on and deps.depended_on_by and len(reach) > 1:
            return svc.slug
    raise AssertionError("the demo catalog has no cross-platform tier-1 service")


def test_service_page_shows_dependencies_and_blast_radius(
    page: Page, demo_session: Session
) -> None:
    slug = _cross_platform_tier_one(demo_session)
    service = catalog.get_service(demo_session, slug)
    deps = catalog.dependencies(demo_session, slug)
    blast = catalog.blast_radius(demo_session, slug)

    page.goto(f"/services/{slug}")

    expect(page.locator("h1")).to_contain_text(service.name)
    expect(page.locator("h1 .tier")).to_have_text("T1")
    for name in _names(deps.depends_on):
        expect(page.locator("#depends-on")).to_contain_text(name)
    for name in _names(deps.depended_on_by):
        expect(page.locator("#depended-on-by")).to_contain_text(name)
    affected = page.locator("#blast-radius table.affected tbody tr")
    expect(affected).to_have_count(len(blast.services))
    for row, hit in zip(affected.all(), blast.services, strict=True):
        expect(row).to_contain_text(hit.name)
        expect(row.locator("td").last).to_have_text(str(hit.hops))
    names = {p.slug: p.name for p in catalog.list_platforms(demo_session)}
    callout = page.locator("#blast-radius .callout")
    expect(callout).to_contain_text(f"Reaches beyond {service.platform.name}")
    for other in set(blast.platforms) - {service.platform.slug}:
        expect(callout).to_contain_text(names[other])
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_dependency_links_lead_to_the_dependency(page: Page, demo_session: Session) -> None:
    slug = _cross_platform_tier_one(demo_session)
    first = catalog.dependencies(demo_session, slug).depends_on[0]

    page.goto(f"/services/{slug}")
    page.locator("#depends-on").get_by_role("link", name=first.name, exact=True).click()

    expect(page).to_have_url(re.compile(f"/services/{first.slug}$"))
    expect(page.locator("h1")).to_contain_text(first.name)


def test_filtering_services_by_tier_refreshes_the_table_in_place(
    page: Page, demo_session: Session
) -> None:
    expected = [s.name for s in catalog.list_services(demo_session, tier=2, limit=50).items]
    assert expected, "the demo catalog has no tier-2 services"
    page.goto("/services")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.stillTheSamePage = true }")

    page.select_option("select[name=tier]", "2")

    page.wait_for_url(re.compile(r"/services\?tier=2$"))
    rows = page.locator("#service-results tbody tr")
    expect(rows).to_have_count(len(expected))
    expect(rows.locator("td:first-child")).to_have_text(expected)
    expect(rows.locator(".tier")).to_have_text(["T2"] * len(expected))
    assert page.evaluate("() => window.stillTheSamePage") is True


def test_filtering_services_works_without_javascript(
    page_without_js: Page, demo_session: Session
) -> None:
    expected = [s.name for s in catalog.list_services(demo_session, tier=1, limit=50).items]
    page = page_without_js
    page.goto("/services")

    page.select_option("select[name=tier]", "1")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"tier=1"))
    expect(page.locator("#service-results tbody tr td:first-child")).to_have_text(expected)


def test_raci_page_highlights_gaps(page: Page, demo_session: Session) -> None:
    matrix = vendors.raci_matrix(demo_session)
    assert matrix.gaps, "the demo catalog has no RACI gaps to show"
    gap_cells = {(g.service, g.activity) for g in matrix.gaps}
    complete = next(
        (svc, act)
        for svc in matrix.rows
        for act in matrix.activities
        if (svc, act) not in gap_cells
    )

    page.goto("/raci")

    expect(page.locator("#gap-summary")).to_contain_text(f"{len(matrix.gaps)} gaps")
    for gap in matrix.gaps:
        cell = _cell(page, gap.service, matrix.activities.index(gap.activity))
        expect(cell).to_have_class(re.compile(r"\bgap\b"))
        expect(cell).to_contain_text(gap.problem)
    fine = _cell(page, complete[0], matrix.activities.index(complete[1]))
    expect(fine).not_to_have_class(re.compile(r"\bgap\b"))
    assert _background(fine) != _background(
        _cell(page, matrix.gaps[0].service, matrix.activities.index(matrix.gaps[0].activity))
    )


def _cell(page: Page, service: str, column: int) -> Locator:
    return page.locator(f"#raci-{service} td").nth(column)


def _background(cell: Locator) -> str:
    return str(cell.evaluate("el => getComputedStyle(el).backgroundColor"))


def test_unknown_service_shows_a_clear_404_page(page: Page) -> None:
    response = page.goto("/services/no-such-service")

    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    expect(page.locator(".error-page .message")).to_have_text("No service 'no-such-service'.")
    expect(page.locator("body")).not_to_contain_text("Traceback")

"""The KPI page draws its trends per month and its figures by squad as charts, and keeps
the figures in tables for reading without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from opsroom.infra import clock
from opsroom.kpis import domain

pytestmark = pytest.mark.browser

CHARTS = [
    "Incidents per month",
    "Median MTTA and MTTR per month (hours)",
    "SLA met per month",
    "Incidents by squad",
    "SLA met by squad",
    "Median MTTR by squad (hours)",
]


def test_the_kpi_page_charts_months_and_squads(page: Page) -> None:
    page.goto("/kpis")

    figures = page.locator("figure.chart")
    expect(figures.locator("h2")).to_have_text(CHARTS)
    expect(figures.locator("canvas[data-drawn]")).to_have_count(len(CHARTS))


def test_the_months_read_as_a_table_without_javascript(page_without_js: Page) -> None:
    months = domain.months_up_to(domain.current_month(clock.now()), 12)

    page_without_js.goto("/kpis")

    rows = page_without_js.locator("table.monthly-trend tbody th")
    expect(rows).to_have_text([m.label for m in months])

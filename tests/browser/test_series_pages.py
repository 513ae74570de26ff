"""The watched series' pages in Chromium: the list and a series with its chart and an
anomaly to judge fit a phone's width and pass axe-core in light and dark mode, and judging
the anomaly from the page records the verdict."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Literal

import pytest
from playwright.sync_api import Page, expect

from opsroom.anomalies import schemas
from opsroom.anomalies import service as anomalies
from opsroom.anomalies.domain import DetectorKind
from opsroom.demo import DEMO_ACTOR
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OpenTab
from tests.browser.test_look import PHONE, sideways, violations

pytestmark = pytest.mark.browser

KEY = "browser-queue-depth"
PAGES = ["/series", f"/series/{KEY}"]


@pytest.fixture(scope="module")
def anomaly(demo_settings: Settings) -> str:
    """A series on the demo platform whose last point is an anomaly."""
    rng = random.Random(9)
    values = [30.0 + rng.uniform(-1.0, 1.0) for _ in range(200)] + [90.0]
    start = clock.now() - timedelta(minutes=len(values))
    points = [
        schemas.PointIn(timestamp=start + timedelta(minutes=n), value=v)
        for n, v in enumerate(values)
    ]
    data = schemas.SeriesCreate(
        key=KEY, name="Queue depth", service="notification-service", detector=DetectorKind.ZSCORE
    )
    with session_scope(demo_settings) as s:
        anomalies.create_series(s, actor=DEMO_ACTOR, data=data)
        pushed = anomalies.push_points(
            s, actor=DEMO_ACTOR, key=KEY, data=schemas.PointsIn(points=points)
        )
    (key,) = pushed.anomalies
    return key


def test_the_series_pages_fit_a_phone(open_tab: OpenTab, anomaly: str) -> None:
    tab = open_tab("responder@example.com")
    tab.set_viewport_size(PHONE)
    wide = [found for href in PAGES if (found := sideways(tab, href))]
    assert wide == [], "\n".join(wide)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_on_the_series_pages(
    open_tab: OpenTab, anomaly: str, scheme: Literal["light", "dark"]
) -> None:
    tab = open_tab("responder@example.com")
    tab.emulate_media(color_scheme=scheme)
    found = [v for href in PAGES for v in violations(tab, href)]
    assert found == [], "\n".join(found)


def test_a_responder_judges_the_anomaly_from_the_chart_page(
    open_tab: OpenTab, anomaly: str
) -> None:
    tab: Page = open_tab("responder@example.com")
    tab.goto(f"/series/{KEY}")
    expect(tab.locator(".series-chart .sc-mark")).to_have_count(1)
    tab.get_by_role("button", name=f"{anomaly} is noise").click()
    expect(tab.get_by_role("table", name="Anomalies")).to_contain_text("noise")

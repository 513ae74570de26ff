"""Screenshots of the main pages over the demo platform and its history, in the light and
the dark colour scheme, at desktop and phone width, for a reviewer to look at: `make
screenshots` writes them to var/screenshots (OPSROOM_SCREENSHOTS elsewhere). Not a test
module of the suite: pytest runs it only when named."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opsroom import demo
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from tests.browser.conftest import OPERATIONS_MANAGER, OpenTab
from tests.browser.records import first_record

pytestmark = pytest.mark.browser

FOLDER = Path(os.environ.get("OPSROOM_SCREENSHOTS", "var/screenshots"))
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SCHEMES = ("light", "dark")
# name -> the page, or (a list page, the pattern of the links on it to its first record)
PAGES: dict[str, str | tuple[str, str]] = {
    "home": "/",
    "incidents": "/incidents",
    "incident": ("/incidents", r"^/incidents/INC-\d+$"),
    "services": "/services",
    "service": ("/services", r"^/services/[a-z0-9-]+$"),
    "changes": "/changes",
    "change": ("/changes", r"^/changes/CHG-\d+$"),
    "change-calendar": "/changes/calendar",
    "alerts": "/alerts",
    "oncall": "/oncall",
    "schedule": ("/oncall", r"^/oncall/schedules/[a-z0-9-]+$"),
    "problems": "/problems",
    "reviews": "/reviews",
    "review": ("/reviews", r"^/reviews/INC-\d+$"),
    "actions": "/actions",
    "kpis": "/kpis",
}


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo platform with its months of history, so the pages have something to show."""
    path = tmp_path_factory.mktemp("screenshots") / "opsroom.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate.upgrade(settings)
    with session_scope(settings) as s:
        demo.load(s)
    return settings


@pytest.mark.parametrize("name", PAGES)
def test_screenshot(open_tab: OpenTab, name: str) -> None:
    tab = open_tab(OPERATIONS_MANAGER)
    where = PAGES[name]
    path = where if isinstance(where, str) else first_record(tab, *where)
    FOLDER.mkdir(parents=True, exist_ok=True)
    for scheme in SCHEMES:
        tab.emulate_media(color_scheme=scheme)
        for size, viewport in SIZES.items():
            tab.set_viewport_size(viewport)
            tab.goto(path, wait_until="networkidle")
            tab.screenshot(path=FOLDER / f"{name}-{scheme}-{size}.png", full_page=True)

"""A real server over the demo data, and a real Chromium to drive it, signed in as the demo
accounts through the real login form (once per account per session)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from opsroom import demo
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.app import create_app
from tests.conftest import missing_peer
from tests.servers import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWER = "viewer@example.com"
OPERATIONS_MANAGER = "om@example.com"
GUILD_LEAD = "guild.lead@example.com"  # governs every platform, and the settings of them all
ORDERING_LEAD = "lead.ordering@example.com"

OpenTab = Callable[..., Page]


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("browser") / "opsroom.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate.upgrade(settings)
    with session_scope(settings) as s:
        demo.load(s, history=False)
    return settings


@pytest.fixture
def demo_session(demo_settings: Settings) -> Iterator[Session]:
    """Read what the pages should show straight from the catalog's use cases."""
    with session_scope(demo_settings, write=False) as s:
        yield s


@pytest.fixture(scope="session")
def base_url(demo_settings: Settings) -> Iterator[str]:
    with serving(create_app(demo_settings)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing_peer(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def sign_in(page: Page, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    """Fill in and send the login form the page is showing."""
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session")
def signed_in(
    browser: Browser, base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """The saved cookies of a browser signed in as a demo account."""
    states: dict[str, Path] = {}
    folder = tmp_path_factory.mktemp("signed-in")

    def state_of(email: str) -> Path:
        if email not in states:
            context = browser.new_context(base_url=base_url)
            tab = context.new_page()
            tab.goto("/login")
            sign_in(tab, email)
            expect(tab.locator(".who")).to_contain_text(email)
            context.storage_state(path=folder / f"{email}.json")
            context.close()
            states[email] = folder / f"{email}.json"
        return states[email]

    return state_of


@pytest.fixture
def open_tab(
    browser: Browser, base_url: str, signed_in: Callable[[str], Path]
) -> Iterator[OpenTab]:
    """Opens fresh tabs signed in as `email` (None: nobody); the test fails if any script
    on any of them throws."""
    contexts: list[BrowserContext] = []
    script_errors: list[str] = []

    def open_as(email: str | None = VIEWER, *, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": 1280, "height": 900},
            java_script_enabled=javascript,
            storage_state=signed_in(email) if email else None,
        )
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: script_errors.append(str(error)))
        return tab

    yield open_as
    for context in contexts:
        context.close()
    assert script_errors == []


@pytest.fixture
def page(open_tab: OpenTab) -> Page:
    """A tab signed in as a viewer: what everyone who may read sees."""
    return open_tab()


@pytest.fixture
def page_without_js(open_tab: OpenTab) -> Page:
    return open_tab(javascript=False)

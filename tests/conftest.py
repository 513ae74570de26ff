"""Real databases for every test: SQLite always, PostgreSQL too when
OPSROOM_TEST_POSTGRES_URL is set.

A database is built once per session as a template (migrated; for the tests of the demo
history, loaded with it too) and copied for each test that needs one: the SQLite file is
copied, the PostgreSQL database created from its template. Under pytest-xdist every worker
has its own. On PostgreSQL they are named after the database in the URL: `<name>_gw0` for
the tests of worker gw0 (`<name>_main` without xdist), `<name>_gw0_migrated` and so on
for its templates. They are created through the server's `postgres` maintenance database
(the role needs CREATEDB) and dropped when the session ends."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import pytest
from argon2 import PasswordHasher

# Tests (and the processes they start) sign with their own secret, so nothing warns about
# the shipped placeholder unless a test asks for it.
os.environ.setdefault("OPSROOM_SIGNING_SECRET", "a-secret-only-the-tests-use")

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from opsroom.auth import service as auth
from opsroom.auth.domain import Principal, Role, Scope
from opsroom.auth.schemas import TokenCreate, UserCreate
from opsroom.catalog import manifest
from opsroom.demo import DEMO_CATALOG
from opsroom.demo import incidents as demo_history
from opsroom.infra import clock as clock_module
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine, session_scope
from opsroom.runtime import wiring
from opsroom.runtime.app import create_app

wiring.install()  # as every entry point does when it starts

ADMIN = Principal(name="test-setup", role=Role.ADMIN, via="cli")
POSTGRES_URL = os.environ.get("OPSROOM_TEST_POSTGRES_URL")
DIALECTS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]
TIMEZONE = "Europe/Amsterdam"
MIGRATED = "migrated"
# Every test runs at this moment, whatever today's date: in-process code reads the clock,
# and a test moves it (`frozen_clock.advance`) instead of sleeping. The demo history of the
# `history` fixture stands there too.
TEST_NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

Load = Callable[[Settings], Any]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Passwords are hashed with argon2id as in production, at the least cost argon2 allows
    (production's 64 MiB and three passes cost a quarter of a second or more, for every
    account a test creates and every sign-in): the tests check what is stored and who may
    sign in, not what a hash costs. The dummy hash that an unknown email is checked against
    costs the same, as in production."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth, "_hasher", cheap)
        patch.setattr(auth, "_DUMMY_HASH", cheap.hash("not anybody's password"))
        yield


def in_ci() -> bool:
    """Whether this is a CI run (CI=true): there, every peer the tests talk to is installed."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def missing_peer(message: str) -> NoReturn:
    """A real peer the test needs (Chromium, Alertmanager, ...) is not installed: outside CI
    the test is skipped with `message`, which says how to install it; in CI it fails."""
    if in_ci():
        pytest.fail(f"{message} (CI installs every peer)", pytrace=False)
    pytest.skip(message)


class SQLiteTemplates:
    """Template files in a folder of the session's, copied into the test's own folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.db"

    def build(self, name: str, load: Load | None) -> Any:
        path = self.path(name)
        if load is not None:
            shutil.copy(self.path(MIGRATED), path)
        settings = Settings(database_url=f"sqlite:///{path}", timezone=TIMEZONE)
        result = load(settings) if load is not None else migrate.upgrade(settings)
        get_engine(settings).dispose()  # the last connection's close checkpoints the WAL: copyable
        return result

    def copy(self, name: str, folder: Path) -> Settings:
        db = folder / "opsroom.db"
        shutil.copy(self.path(name), db)
        return Settings(database_url=f"sqlite:///{db}", timezone=TIMEZONE)

    def close(self) -> None:
        pass


class PostgresTemplates:
    """Template databases on the server of `url`, named after its database and the xdist
    worker; each test gets a fresh database created from one of them."""

    def __init__(self, url: str, worker: str) -> None:
        self.url = make_url(url)
        self.own = f"{self.url.database}_{worker}"
        self.created: list[str] = []
        self.server = create_engine(
            self.url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )

    def settings(self, database: str) -> Settings:
        url = self.url.set(database=database).render_as_string(hide_password=False)
        return Settings(database_url=url, timezone=TIMEZONE)

    def _create(self, database: str, template: str | None = None) -> Settings:
        settings = self.settings(database)
        get_engine(settings).dispose()  # no connection of ours keeps the old one open
        with self.server.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(database)} WITH (FORCE)"))
            from_template = f" TEMPLATE {_quoted(template)}" if template else ""
            conn.execute(text(f"CREATE DATABASE {_quoted(database)}{from_template}"))
        if database not in self.created:
            self.created.append(database)
        return settings

    def build(self, name: str, load: Load | None) -> Any:
        template = f"{self.own}_{name}"
        if load is None:
            settings = self._create(template)
            result = migrate.upgrade(settings)
        else:
            settings = self._create(template, f"{self.own}_{MIGRATED}")
            result = load(settings)
        get_engine(settings).dispose()  # a database is copied only while nobody is connected
        return result

    def copy(self, name: str, folder: Path) -> Settings:
        return self._create(self.own, f"{self.own}_{name}")

    def close(self) -> None:
        for database in reversed(self.created):
            get_engine(self.settings(database)).dispose()
            with self.server.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(database)} WITH (FORCE)"))
        self.server.dispose()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Templates:
    """The session's template databases, built the first time a test asks for them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.dialects: dict[str, SQLiteTemplates | PostgresTemplates] = {}
        self.loaded: dict[tuple[str, str], Any] = {}

    def of(self, dialect: str) -> SQLiteTemplates | PostgresTemplates:
        if dialect not in self.dialects:
            if dialect == "sqlite":
                self.dialects[dialect] = SQLiteTemplates(self.folder)
            else:
                assert POSTGRES_URL is not None
                worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
                self.dialects[dialect] = PostgresTemplates(POSTGRES_URL, worker)
        return self.dialects[dialect]

    def built(self, dialect: str, name: str = MIGRATED, load: Load | None = None) -> Any:
        """Build the template `name` (the migrated database, then `load` on a copy of it)
        unless it is built; what `load` returned."""
        if (dialect, MIGRATED) not in self.loaded:
            self.loaded[dialect, MIGRATED] = self.of(dialect).build(MIGRATED, None)
        if (dialect, name) not in self.loaded:
            self.loaded[dialect, name] = self.of(dialect).build(name, load)
        return self.loaded[dialect, name]

    def copy(
        self, dialect: str, folder: Path, name: str = MIGRATED, load: Load | None = None
    ) -> tuple[Settings, Any]:
        """A fresh copy of the template `name` for one test, and what `load` returned."""
        loaded = self.built(dialect, name, load)
        return self.of(dialect).copy(name, folder), loaded

    def close(self) -> None:
        for templates in self.dialects.values():
            templates.close()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.close()


@pytest.fixture(scope="session")
def sqlite_template(templates: Templates) -> Path:
    """The migrated SQLite file, for tests that copy it themselves."""
    templates.built("sqlite")
    sqlite = templates.of("sqlite")
    assert isinstance(sqlite, SQLiteTemplates)
    return sqlite.path(MIGRATED)


@pytest.fixture(params=DIALECTS)
def dialect(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def settings(dialect: str, templates: Templates, tmp_path: Path) -> Settings:
    """A freshly migrated database of the test's own."""
    return templates.copy(dialect, tmp_path)[0]


def _load_demo_history(settings: Settings) -> int:
    with session_scope(settings) as session:
        manifest.apply_text(session, actor=ADMIN, text=DEMO_CATALOG.read_text())
    with session_scope(settings) as session:
        return demo_history.load(session, actor=ADMIN, now=TEST_NOW)


@dataclass(frozen=True)
class DemoHistory:
    settings: Settings
    incidents: int  # how many incidents the history load created


@pytest.fixture
def history(dialect: str, templates: Templates, tmp_path: Path) -> DemoHistory:
    """A database of the test's own holding the demo catalog and the incident history up to
    TEST_NOW, as `demo_history.load` made it (once per session, then copied)."""
    settings, incidents = templates.copy(dialect, tmp_path, "demo_history", _load_demo_history)
    return DemoHistory(settings, incidents)


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    with session_scope(settings) as s:
        yield s


def bearer_for(
    settings: Settings,
    email: str,
    role: Role,
    *,
    scopes: list[Scope] | None = None,
    vendor: str | None = None,
    organisation: str | None = None,
    platforms: list[str] | None = None,
) -> str:
    """A real account with a real API token, as an administrator would create them (an
    operations manager governs `platforms`)."""
    with session_scope(settings) as s:
        user = auth.create_user(
            s,
            actor=ADMIN,
            data=UserCreate(
                email=email,
                display_name=email.split("@")[0],
                role=role,
                vendor=vendor,
                organisation=organisation,
                service_account=True,
            ),
        )
        auth.assign_platforms(s, actor=ADMIN, email=email, platforms=platforms or [])
        owner = auth.principal_for(s, user)
        chosen = scopes or sorted(auth.allowed_scopes(role))
        secret, _ = auth.create_token(s, actor=owner, data=TokenCreate(name="tests", scopes=chosen))
    return secret


def client_as(settings: Settings, bearer: str | None) -> TestClient:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return TestClient(create_app(settings), raise_server_exceptions=False, headers=headers)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """An API client acting as an administrator."""
    with client_as(settings, bearer_for(settings, "admin@example.com", Role.ADMIN)) as c:
        yield c


@pytest.fixture
def anonymous(settings: Settings) -> Iterator[TestClient]:
    with client_as(settings, None) as c:
        yield c


def _frozen() -> Iterator[clock_module.FrozenClock]:
    frozen = clock_module.FrozenClock(TEST_NOW)
    previous = clock_module.use(frozen)
    yield frozen
    clock_module.use(previous)


@pytest.fixture(scope="session", autouse=True)
def session_clock() -> Iterator[clock_module.FrozenClock]:
    """What session fixtures build (the demo platform) is made at TEST_NOW too."""
    yield from _frozen()


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[clock_module.FrozenClock]:
    yield from _frozen()


@pytest.fixture
def wall_clock(frozen_clock: clock_module.FrozenClock) -> Iterator[None]:
    """The real clock, for a test whose steps in this process must agree with the processes
    it starts (they read the wall clock). Such a test embeds no date."""
    previous = clock_module.use(clock_module.Clock())
    yield
    clock_module.use(previous)

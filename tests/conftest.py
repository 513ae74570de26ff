"""Real databases for every test: SQLite always, PostgreSQL too when
OPSROOM_TEST_POSTGRES_URL names a throw-away database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

# Tests (and the processes they start) sign with their own secret, so nothing warns about
# the shipped placeholder unless a test asks for it.
os.environ.setdefault("OPSROOM_SIGNING_SECRET", "a-secret-only-the-tests-use")

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from opsroom.audit.domain import GENESIS_HASH
from opsroom.auth import service as auth
from opsroom.auth.domain import Principal, Role, Scope
from opsroom.auth.schemas import TokenCreate, UserCreate
from opsroom.infra import clock as clock_module
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine, session_scope
from opsroom.runtime import wiring
from opsroom.runtime.app import create_app
from opsroom.runtime.tables import metadata

wiring.install()  # as every entry point does when it starts

ADMIN = Principal(name="test-setup", role=Role.ADMIN, via="cli")
POSTGRES_URL = os.environ.get("OPSROOM_TEST_POSTGRES_URL")
DIALECTS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "opsroom.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate.upgrade(settings)
    get_engine(settings).dispose()  # the last connection's close checkpoints the WAL: copyable
    return path


@pytest.fixture(scope="session")
def postgres_settings() -> Settings:
    assert POSTGRES_URL is not None
    settings = Settings(database_url=POSTGRES_URL)
    with get_engine(settings).begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(settings)
    return settings


def _empty_postgres(settings: Settings) -> None:
    tables = ", ".join(t.name for t in metadata.sorted_tables if t.name != "audit_head")
    with get_engine(settings).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("UPDATE audit_head SET seq = 0, last_hash = :h"), {"h": GENESIS_HASH})


@pytest.fixture(params=DIALECTS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        db = tmp_path / "opsroom.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), db)
        return Settings(database_url=f"sqlite:///{db}", timezone="Europe/Amsterdam")
    pg: Settings = request.getfixturevalue("postgres_settings")
    _empty_postgres(pg)
    return pg.model_copy(update={"timezone": "Europe/Amsterdam"})


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
) -> str:
    """A real account with a real API token, as an administrator would create them."""
    with session_scope(settings) as s:
        user = auth.create_user(
            s,
            actor=ADMIN,
            data=UserCreate(
                email=email,
                display_name=email.split("@")[0],
                role=role,
                vendor=vendor,
                service_account=True,
            ),
        )
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


# Every test runs at this moment, whatever today's date: in-process code reads the clock,
# and a test moves it (`frozen_clock.advance`) instead of sleeping.
TEST_NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


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

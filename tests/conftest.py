"""Real databases for every test: SQLite always, PostgreSQL too when
OPSROOM_TEST_POSTGRES_URL names a throw-away database."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from opsroom import clock as clock_module
from opsroom import migrate
from opsroom.app import create_app
from opsroom.audit.domain import GENESIS_HASH
from opsroom.config import Settings
from opsroom.db import get_engine, session_scope
from opsroom.registry import metadata

POSTGRES_URL = os.environ.get("OPSROOM_TEST_POSTGRES_URL")
DIALECTS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "opsroom.db"
    migrate.upgrade(Settings(database_url=f"sqlite:///{path}"))
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


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def frozen_clock() -> Iterator[clock_module.FrozenClock]:
    frozen = clock_module.FrozenClock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    previous = clock_module.use(frozen)
    yield frozen
    clock_module.use(previous)

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from opsroom import migrate
from opsroom.config import Settings
from opsroom.db import get_engine
from opsroom.registry import metadata


def test_migrations_build_exactly_the_models(settings: Settings) -> None:
    with get_engine(settings).connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_database_is_at_the_latest_revision(settings: Settings) -> None:
    assert migrate.current_revision(settings) == migrate.head_revision()


def test_downgrade_to_nothing_and_back(settings: Settings) -> None:
    migrate.downgrade(settings, "base")
    assert migrate.current_revision(settings) is None
    migrate.upgrade(settings)
    assert migrate.current_revision(settings) == migrate.head_revision()

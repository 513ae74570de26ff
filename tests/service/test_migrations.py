from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import get_engine
from opsroom.runtime.tables import metadata


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


def test_existing_subscriptions_of_responders_keep_every_update(settings: Settings) -> None:
    """0019: subscriptions made before audiences existed hear what their subscriber's default
    would be: responders and above every update, everyone else customer updates only."""
    migrate.downgrade(settings, "0018")
    users = text(
        "INSERT INTO users (email, display_name, role, timezone, phone, is_service_account,"
        " is_active, is_demo, version, created_at) VALUES (:email, :email, :role, 'UTC', '', true,"
        " true, false, 1, :at)"
    )
    subscription = text(
        "INSERT INTO subscriptions (subscriber, person, target_kind, target, created_by,"
        " created_at) VALUES (:subscriber, :person, 'service', 'auth', 'om@example.com', :at)"
    )
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with get_engine(settings).begin() as conn:
        conn.execute(
            users,
            [
                {"email": "resp@example.com", "role": "responder", "at": at},
                {"email": "cfo@example.com", "role": "viewer", "at": at},
            ],
        )
        conn.execute(
            subscription,
            [
                {"subscriber": s, "person": p, "at": at}
                for s, p in (
                    ("resp@example.com", True),
                    ("cfo@example.com", True),
                    ("board@example.com", False),
                )
            ],
        )
    migrate.upgrade(settings)
    with get_engine(settings).connect() as conn:
        rows = conn.execute(text("SELECT subscriber, audience FROM subscriptions")).all()
    assert dict(rows) == {
        "resp@example.com": "internal",
        "cfo@example.com": "customer",
        "board@example.com": "customer",
    }

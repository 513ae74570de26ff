from __future__ import annotations

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, column, select, table, text
from sqlalchemy.sql import TableClause

from opsroom.improvement import service as improvement
from opsroom.improvement.domain import DEFAULT_SETTINGS
from opsroom.incidents import policy
from opsroom.incidents.domain import DEFAULT_POLICY
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.infra.db import UTCDateTime, get_engine, session_scope
from opsroom.runtime.tables import metadata
from tests.improvement import MANAGER


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


def test_settings_documents_keep_what_was_changed_both_ways(settings: Settings) -> None:
    """0021: the incident policy and the problem settings, each in a table of its own until
    then, move into the settings documents with their version and who changed them last;
    a downgrade moves them back."""
    migrate.downgrade(settings, "0020")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    changed = {
        "incident_policy": policy.to_doc(DEFAULT_POLICY).model_dump(mode="json") | {"major": [1]},
        "problem_settings": improvement.to_doc(DEFAULT_SETTINGS).model_dump(mode="json")
        | {"escalate_after_days": 2},
    }
    with get_engine(settings).begin() as conn:
        for name, value in changed.items():
            conn.execute(
                _own_table(name).insert(),
                {
                    "id": 1,
                    "value": value,
                    "version": 3,
                    "updated_by": "om@example.com",
                    "updated_at": at,
                },
            )
    migrate.upgrade(settings)
    with session_scope(settings) as session:
        read = [policy.read(session), improvement.read(session, actor=MANAGER)]
    assert [(r.version, r.updated_by, r.updated_at) for r in read] == [
        (3, "om@example.com", at)
    ] * 2
    assert (read[0].major, read[1].escalate_after_days) == ([1], 2)
    migrate.downgrade(settings, "0020")
    with get_engine(settings).connect() as conn:
        kept = {n: conn.execute(select(_own_table(n).c.value)).scalar_one() for n in changed}
    assert kept == changed
    migrate.upgrade(settings)


def _own_table(name: str) -> TableClause:
    return table(
        name,
        column("id"),
        column("value", JSON()),
        column("version"),
        column("updated_by"),
        column("updated_at", UTCDateTime()),
    )


_PEAK = {
    "name": "Peak",
    "reason": "",
    "starts_on": date(2026, 12, 1),
    "ends_on": date(2026, 12, 2),
    "timezone": "UTC",
    "journeys": [],
    "created_by": "om@example.com",
    "created_at": datetime(2026, 11, 1, tzinfo=UTC),
}


def _before_platform_governance(settings: Settings, platforms: list[str]) -> None:
    migrate.downgrade(settings, "0026")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with get_engine(settings).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (email, display_name, role, timezone, phone,"
                " is_service_account, is_active, is_demo, version, created_at) VALUES (:email,"
                " :email, :role, 'UTC', '', true, true, false, 1, :at)"
            ),
            [
                {"email": "OM@example.com", "role": "operations_manager", "at": at},
                {"email": "lead@example.com", "role": "squad_lead", "at": at},
            ],
        )
        conn.execute(
            text(
                "INSERT INTO platforms (slug, name, description, operations_manager_name,"
                " operations_manager_email, version, created_at, updated_at) VALUES (:slug,"
                " :slug, '', '', '', 1, :at, :at)"
            ),
            [{"slug": slug, "at": at} for slug in platforms],
        )
        conn.execute(
            _freezes().insert(),
            [
                {"slug": "all", "services": [], **_PEAK},
                {"slug": "db", "services": ["db"], **_PEAK},
            ],
        )
    migrate.upgrade(settings)


def _freezes() -> TableClause:
    return table(
        "freeze_windows",
        *(column(name) for name in ("slug", "name", "reason", "starts_on", "ends_on")),
        *(column(name) for name in ("timezone", "created_by")),
        column("services", JSON()),
        column("journeys", JSON()),
        column("created_at", UTCDateTime()),
    )


def _scopes(settings: Settings) -> dict[str, tuple[list[str], bool]]:
    scoped = table(
        "freeze_windows", column("slug"), column("platforms", JSON()), column("everything")
    )
    with get_engine(settings).connect() as conn:
        rows = conn.execute(select(scoped.c.slug, scoped.c.platforms, scoped.c.everything))
        return {slug: (platforms, bool(everything)) for slug, platforms, everything in rows}


def test_operations_managers_keep_every_platform_and_a_lone_platforms_freeze_names_it(
    settings: Settings,
) -> None:
    """0027: operations managers keep governing every platform there was until narrowed; a
    freeze naming nothing, with one platform, is that platform's."""
    _before_platform_governance(settings, ["procurement"])
    with get_engine(settings).connect() as conn:
        assigned = conn.execute(text("SELECT email, platform FROM platform_assignments")).all()
    assert [tuple(row) for row in assigned] == [("om@example.com", "procurement")]
    assert _scopes(settings) == {"all": (["procurement"], False), "db": ([], False)}


def test_with_several_platforms_a_freeze_naming_nothing_freezes_everything(
    settings: Settings,
) -> None:
    _before_platform_governance(settings, ["commerce", "procurement"])
    assert _scopes(settings) == {"all": ([], True), "db": ([], False)}


def test_organisation_names_become_records(settings: Settings) -> None:
    """0034: each organisation a requester or a ticket names becomes a record, a customer of
    the platforms its tickets were raised on."""
    migrate.downgrade(settings, "0030")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    requester = text(
        "INSERT INTO users (email, display_name, role, organisation, timezone, phone,"
        " is_service_account, is_active, is_demo, version, created_at) VALUES (:email, :email,"
        " 'requester', :organisation, 'UTC', '', false, true, false, 1, :at)"
    )
    ticket = text(
        "INSERT INTO tickets (number, kind, title, description, requester, organisation,"
        " platform_slug, service_slug, squad, priority, status, first_response_due,"
        " resolution_due, first_response_breached, resolution_breached, created_by, created_at,"
        " version) VALUES (:number, 'incident', 'Broken', '', 'x@y.example', :organisation,"
        " :platform, 'auth', 'identity', 3, 'new', :at, :at, false, false, 'x', :at, 1)"
    )
    with get_engine(settings).begin() as conn:
        conn.execute(requester, [{"email": "ann@acme.example", "organisation": "Acme", "at": at}])
        conn.execute(
            ticket,
            [
                {"number": n, "organisation": org, "platform": platform, "at": at}
                for n, org, platform in (
                    (1, "Acme", "retail"),
                    (2, "Acme", "procurement"),
                    (3, "Globex", "retail"),
                )
            ],
        )
    migrate.upgrade(settings)
    organisations = table("organisations", column("name"), column("platforms", JSON))
    with get_engine(settings).connect() as conn:
        rows = conn.execute(select(organisations).order_by(organisations.c.name)).all()
    assert [tuple(r) for r in rows] == [
        ("Acme", ["procurement", "retail"]),
        ("Globex", ["retail"]),
    ]

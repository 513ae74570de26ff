"""Statements run on the driver's cursor (opsroom.infra.sqldriver) store and read values exactly as
the ORM does, on each database: aware UTC times, JSON documents, floats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from opsroom.alerts.models import IntakeRequest, Integration
from opsroom.infra.sqldriver import DriverStatement
from tests.service.alerts.conftest import integration

KEPT = ("integration_id", "received_at", "source", "alerts", "body")
ROME = timezone(timedelta(hours=1))


def test_an_insert_through_the_driver_reads_back_through_the_orm(platform: Session) -> None:
    target = integration(platform)
    at = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=ROME)
    keep = DriverStatement.compile(
        insert(cast(Table, IntakeRequest.__table__)), _dialect(platform), KEPT
    )
    rows: list[dict[str, Any]] = [
        {
            "integration_id": target.id,
            "received_at": at,
            "source": "events",
            "alerts": None,
            "body": f'{{"n": {n}}}',
        }
        for n in range(3)
    ]
    keep.execute_many(platform.connection(), rows)
    kept = platform.scalars(select(IntakeRequest).order_by(IntakeRequest.id)).all()
    assert [(r.received_at, r.body, r.alerts) for r in kept] == [
        (at.astimezone(UTC), f'{{"n": {n}}}', None) for n in range(3)
    ]
    assert kept[0].received_at.tzinfo == UTC


def test_a_select_through_the_driver_converts_like_the_orm(platform: Session) -> None:
    target = integration(platform, rate_limit_per_minute=42)
    target.bucket_tokens, target.bucket_at = 3.5, datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    platform.flush()
    columns = Integration.__table__.c
    read = DriverStatement.compile(
        select(columns.settings, columns.bucket_tokens, columns.bucket_at, columns.active).where(
            columns.id == target.id
        ),
        _dialect(platform),
    )
    ((settings, tokens, at, active),) = read.execute(platform.connection(), {})
    assert settings["rate_limit_per_minute"] == 42 and settings == target.settings
    assert (tokens, at, bool(active)) == (3.5, datetime(2026, 11, 24, 8, 0, tzinfo=UTC), True)


def _dialect(session: Session) -> Any:
    return session.connection().dialect

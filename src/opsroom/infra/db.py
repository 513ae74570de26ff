"""Engines, the transaction scope every entry point owns, and the declarative base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

import orjson
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, inspect, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

from opsroom.infra import sqlstats
from opsroom.infra.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Where a unit of work keeps the settings of the entry point that opened it.
_SETTINGS = "opsroom.settings"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


Row = TypeVar("Row")


def locked(row: Row) -> Row:
    """`row`, locked until its unit of work ends and as it is now: another unit of work that
    changed it since it was read has committed, so a version check or a state check made
    next is the last word. PostgreSQL takes the row lock (`FOR UPDATE`); SQLite's writing
    transaction holds the whole database already. A row not yet stored is left alone."""
    state = inspect(row)
    if state.identity is None or state.session is None:
        return row
    mapper = state.mapper
    keys = zip(mapper.primary_key, state.identity, strict=True)
    lock = select(*mapper.primary_key).where(*(c == v for c, v in keys)).with_for_update()
    state.session.execute(lock)
    state.session.expire(row)  # read again, its collections too, on next use
    return row


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on every dialect (SQLite stores naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: attach a timezone")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Values orjson writes otherwise than json.dumps, or not at all, are left to json.dumps.
_PASSED_THROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value: Any) -> str:
    """JSON columns' text: json.dumps's own, but for the spaces after `,` and `:`, written
    by orjson at a fraction of the cost. json.dumps still writes what orjson would write
    otherwise, so every value is stored and read back as before: dict keys that are not
    strings and integers beyond 64 bits (orjson refuses them), NaN and infinities (orjson
    writes null, so any null is left to it), text beyond ASCII (json.dumps escapes it), and
    refuses what it refused (datetimes, dataclasses)."""
    try:
        text = orjson.dumps(value, option=_PASSED_THROUGH)
    except TypeError:
        return json.dumps(value)
    if b"null" in text or not text.isascii():
        return json.dumps(value)
    return text.decode()


@lru_cache(maxsize=8)
def engine_for(url: str, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        json_serializer=json_text,
    )


def _sqlite_engine(url: str, echo: bool) -> Engine:
    # Connections are pooled (SQLAlchemy's default for a file). Opening one for every
    # transaction cost ~2 ms against ~0.2 ms: the pragmas below, and the checkpoint SQLite
    # runs when the last connection to a database closes.
    engine = create_engine(url, echo=echo, json_serializer=json_text)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "busy_timeout=10000",
            "synchronous=NORMAL",
            # 64 MiB of page cache, which also bounds the sorter's memory: the KPI figures
            # group a period's incidents by sorting them, and smaller sorts spill to
            # temporary files.
            "cache_size=-65536",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
        sqlstats.register(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A writing transaction takes SQLite's write lock up front, so two writers queue on
        # busy_timeout instead of failing when a read lock cannot be upgraded.
        write = conn.get_execution_options().get("opsroom_write", True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def get_engine(settings: Settings) -> Engine:
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    return engine_for(settings.database_url, settings.sql_echo)


@lru_cache(maxsize=16)
def _bound(engine: Engine, write: bool) -> Engine:
    return engine.execution_options(opsroom_write=write)


def settings_of(session: Session) -> Settings:
    """The settings of the entry point that opened this unit of work: what a use case or a
    command reads its base URL, signing secret or time zone from."""
    settings: Settings = session.info[_SETTINGS]
    return settings


@contextmanager
def session_scope(settings: Settings, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commits when the block ends cleanly, rolls back otherwise. The
    transaction begins at the first statement, so an unused scope holds no lock."""
    engine = _bound(get_engine(settings), write)
    with Session(engine, expire_on_commit=False, info={_SETTINGS: settings}) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

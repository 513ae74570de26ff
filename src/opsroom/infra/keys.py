"""Keys people say aloud: INC-42, PRB-7, CHG-130. One counter row per prefix."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Integer, Select, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from opsroom.infra.db import Base
from opsroom.infra.errors import NotFound

T = TypeVar("T")


class KeySequence(Base):
    __tablename__ = "key_sequences"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


def next_number(session: Session, prefix: str) -> int:
    """The next number for a prefix, in one upsert: concurrent callers serialise on the row,
    and two first callers of a new prefix cannot collide on creating it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    bumped = (
        insert(KeySequence)
        .values(prefix=prefix, last=1)
        .on_conflict_do_update(
            index_elements=[KeySequence.prefix], set_={"last": KeySequence.last + 1}
        )
        .returning(KeySequence.last)
    )
    return int(session.execute(bumped).scalar_one())


# Key numbers are stored as SQL INTEGER: a larger number names no record.
LARGEST_NUMBER = 2**31 - 1


def parse(key: str, prefix: str) -> int | None:
    """INC-42 -> 42 (case-insensitive); None when it is not such a key."""
    head, _, digits = key.upper().partition("-")
    if head != prefix or not (digits.isascii() and digits.isdigit()):
        return None
    number = int(digits)
    return number if number <= LARGEST_NUMBER else None


def find(
    session: Session, query: Select[T], number_column: Any, key: str, prefix: str, noun: str
) -> T:
    """The one record `query` finds whose number is that of `key`; NotFound("no <noun> <key>")
    when the key is malformed or nothing matches."""
    number = parse(key, prefix)
    found = session.scalar(query.where(number_column == number)) if number else None
    if found is None:
        raise NotFound(f"no {noun} {key}")
    return found


def format_key(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def current(session: Session, prefix: str) -> int:
    return session.scalar(select(KeySequence.last).where(KeySequence.prefix == prefix)) or 0

"""Keys people say aloud: INC-42, PRB-7, CHG-130. One counter row per prefix."""

from __future__ import annotations

from sqlalchemy import Integer, String, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from opsroom.db import Base


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


def parse(key: str, prefix: str) -> int | None:
    """INC-42 -> 42 (case-insensitive); None when it is not such a key."""
    head, _, number = key.upper().partition("-")
    return int(number) if head == prefix and number.isdigit() else None


def format_key(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


def current(session: Session, prefix: str) -> int:
    return session.scalar(select(KeySequence.last).where(KeySequence.prefix == prefix)) or 0

"""Core statements run on the database driver's own cursor, for the few so hot that
SQLAlchemy's execution, about 80 µs a statement, outweighs the database's work (an ingest
commit's statements take 20 µs each on SQLite). SQLAlchemy still writes the SQL, once per
dialect, and converts each value as its column type would; the caller's transaction is
SQLAlchemy's, so beginning, committing and rolling back are unchanged."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class DriverStatement:
    sql: str
    positional: bool
    # each bind's name, in the order a positional driver takes them, and its value converter
    binds: tuple[tuple[str, Processor | None], ...]
    given: Mapping[str, Any]  # values the statement itself holds (`id == 7`)
    selected: tuple[TypeEngine[Any], ...]  # a SELECT's column types, on this dialect
    dialect: Dialect
    # Result converters by the driver's column type codes (cursor.description), as
    # SQLAlchemy picks them: some depend on the type the database reports.
    converters: dict[tuple[Any, ...], tuple[Processor | None, ...]] = field(default_factory=dict)

    @classmethod
    def compile(
        cls, statement: Select[Any] | UpdateBase, dialect: Dialect, columns: Sequence[str] = ()
    ) -> DriverStatement:
        """`columns`: an INSERT's columns (its binds take their names)."""
        compiled = statement.compile(dialect=dialect, column_keys=list(columns) or None)
        converters = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for bind, name in compiled.bind_names.items()
        }
        names = compiled.positiontup or list(compiled.bind_names.values())
        selected = statement.selected_columns if isinstance(statement, Select) else ()
        return cls(
            sql=compiled.string,
            positional=compiled.positional,
            binds=tuple((name, converters[name]) for name in names),
            given={name: value for name, value in compiled.params.items() if value is not None},
            selected=tuple(c.type.dialect_impl(dialect) for c in selected),
            dialect=dialect,
        )

    def parameters(self, values: Mapping[str, Any]) -> Any:
        """The values as the driver takes them: a list, or a dict for a named paramstyle."""
        if self.given:
            values = {**self.given, **values}
        if self.positional:
            return [convert(values[n]) if convert else values[n] for n, convert in self.binds]
        return {n: convert(values[n]) if convert else values[n] for n, convert in self.binds}

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run in `connection`'s transaction; a SELECT's rows, their values converted."""
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, self.parameters(values))
            if not self.selected:
                return []
            convert = self._converters(tuple(column[1] for column in cursor.description))
            return [_converted(row, convert) for row in cursor.fetchall()]
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(self.sql, [self.parameters(row) for row in rows])
        finally:
            cursor.close()

    def _converters(self, type_codes: tuple[Any, ...]) -> tuple[Processor | None, ...]:
        if type_codes not in self.converters:
            self.converters[type_codes] = tuple(
                kind.result_processor(self.dialect, code)
                for kind, code in zip(self.selected, type_codes, strict=True)
            )
        return self.converters[type_codes]


def _converted(row: Sequence[Any], convert: Sequence[Processor | None]) -> tuple[Any, ...]:
    return tuple(c(value) if c else value for c, value in zip(convert, row, strict=True))

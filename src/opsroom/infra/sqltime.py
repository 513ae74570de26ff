"""The one expression KPIs need that each dialect spells differently: seconds between two
timestamps (SQLite stores UTC text, PostgreSQL timestamptz)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    """seconds_between(start, end) = end - start in seconds."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


def _operands(element: seconds_between, compiler: Any, **kw: Any) -> tuple[str, str]:
    start, end = list(element.clauses)
    return compiler.process(start, **kw), compiler.process(end, **kw)


@compiles(seconds_between, "sqlite")
def _sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    # julianday is a float of days: rounding to the millisecond makes 15 minutes exactly 900 s
    return f"round((julianday({end}) - julianday({start})) * 86400.0, 3)"


@compiles(seconds_between, "postgresql")
def _postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = _operands(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"

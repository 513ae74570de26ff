"""The median and the nearest-rank p90 of values over a group, as aggregates each dialect
computes its own way: PostgreSQL has them built in (ordered-set aggregates); SQLite has none,
so every SQLite connection gets one of ours (see opsroom.db). The definitions are
opsroom.infra.stats', which the KPI rules share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Float, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from opsroom.infra.stats import median, p90

AGGREGATE = "medians_and_p90s"


class MediansAndP90s:
    """SQLite aggregate medians_and_p90s(v0, ..., vn): a JSON array [median(v0), p90(v0),
    median(v1), ...] over the group's rows, nulls left out (null where a column has none).
    One call takes a row's every column and only keeps them, so the cost of calling Python,
    most of the time, is paid once per row; finalize sorts each column once."""

    def __init__(self) -> None:
        self.values: list[float | None] = []  # row after row
        self.width = 0

    def step(self, *values: float | None) -> None:
        self.values += values
        self.width = len(values)

    def finalize(self) -> str:
        found: list[float | None] = []
        for i in range(self.width):
            column = sorted(v for v in self.values[i :: self.width] if v is not None)
            found += [median(column), p90(column)] if column else [None, None]
        return json.dumps(found)


def register(dbapi_connection: Any) -> None:
    """Adds the aggregate to a sqlite3 connection."""
    dbapi_connection.create_aggregate(AGGREGATE, -1, MediansAndP90s)


class rank_figure(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    """rank_figure(k, v0, ..., vn): the median (k even) or the p90 (k odd) of v[k // 2]."""

    type = Float()
    inherit_cache = True
    name = "rank_figure"


def medians_and_p90s(values: Sequence[Any]) -> list[rank_figure]:
    """[median(v0), p90(v0), median(v1), p90(v1), ...] over the group's rows, for a select
    that groups them. On SQLite the columns share one aggregate (SQLite computes an aggregate
    call that appears several times in a query once)."""
    return [rank_figure(literal_column(str(k)), *values) for k in range(2 * len(values))]


def _operands(element: rank_figure) -> tuple[int, list[Any]]:
    position, *values = list(element.clauses)
    return int(position.name), values


@compiles(rank_figure, "sqlite")
def _sqlite(element: rank_figure, compiler: Any, **kw: Any) -> str:
    k, values = _operands(element)
    columns = ", ".join(compiler.process(v, **kw) for v in values)
    return f"json_extract({AGGREGATE}({columns}), '$[{k}]')"


@compiles(rank_figure, "postgresql")
def _postgresql(element: rank_figure, compiler: Any, **kw: Any) -> str:
    k, values = _operands(element)
    value = compiler.process(values[k // 2], **kw)
    # percentile_cont(0.5) is the mean of the middle two; percentile_disc(0.9) the value at
    # rank ceil(0.9 n)
    figure = "percentile_cont(0.5)" if k % 2 == 0 else "percentile_disc(0.9)"
    return f"{figure} WITHIN GROUP (ORDER BY {value})"

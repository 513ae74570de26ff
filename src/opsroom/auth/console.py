"""What every CLI command shares: the settings, one unit of work, errors as messages and
exit codes, and output as a Rich table on a terminal or JSON for scripts."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import orjson
import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from opsroom.auth import service as auth
from opsroom.auth.domain import Principal
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope, settings_of
from opsroom.infra.errors import OpsroomError, ValidationFailed

out = Console()
err = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")


def actor(session: Session) -> Principal:
    settings = settings_of(session)
    token = settings.token.get_secret_value() if settings.token else None
    return auth.cli_principal(session, os_user=getpass.getuser(), user=settings.user, token=token)


def fail(message: str, code: int = 1, fields: dict[str, str] | None = None) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    for name, problem in (fields or {}).items():
        err.print(f"  {name}: {problem}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def unit_of_work(*, write: bool = False) -> Iterator[Session]:
    """One command's transaction, under the settings of this run (environment and
    opsroom.toml), which everything the command calls reads from its session."""
    try:
        with session_scope(Settings(), write=write) as session:
            yield session
    except OpsroomError as exc:
        fail(exc.message, exc.exit_code, exc.fields)
    except ValidationError as exc:
        problems = {".".join(map(str, e["loc"])) or "input": e["msg"] for e in exc.errors()}
        fail("invalid input", ValidationFailed.exit_code, problems)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(to_jsonable(value), option=orjson.OPT_INDENT_2).decode() + "\n")


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    grid = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    out.print(grid)


def emit(value: Any, as_json: bool, render: Callable[[], None]) -> None:
    print_json(value) if as_json else render()

"""`opsroom import servicenow FILE`: bring incident history in from other tools."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.progress import Progress

from opsroom.auth.console import JsonOption, actor, emit, fail, out, table, unit_of_work
from opsroom.imports import schemas
from opsroom.imports import service as imports

app = typer.Typer(help="Import incident history from other tools.", no_args_is_help=True)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(
            f"unknown time zone '{name}'",
            code=2,
            fields={"timezone": "like UTC or Europe/Amsterdam"},
        )


@app.command()
def servicenow(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="incident export (CSV)"),
    platform: str | None = typer.Option(
        None, help="platform the incidents belong to (default: the only one)"
    ),
    timezone: str = typer.Option("UTC", help="the ServiceNow instance's time zone"),
    as_json: bool = JsonOption,
) -> None:
    """Import a ServiceNow incident export, one row per incident or per update. Re-running
    updates what was imported; incidents with a bad row are skipped whole and listed."""
    zone = _zone(timezone)
    with unit_of_work(write=True) as session, file.open(newline="", encoding="utf-8-sig") as source:
        if out.is_terminal and not as_json:
            with Progress(console=out, transient=True) as bar:
                task = bar.add_task("importing", total=None)
                result = imports.import_servicenow(
                    session,
                    actor=actor(session),
                    source=source,
                    zone=zone,
                    platform=platform,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
        else:
            result = imports.import_servicenow(
                session, actor=actor(session), source=source, zone=zone, platform=platform
            )
    emit(result, as_json, lambda: _summary(result))


def _summary(result: schemas.ImportResult) -> None:
    out.print(
        f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged "
        f"on {result.platform}; squads created: {', '.join(result.squads_created) or 'none'}"
    )
    if result.rejected:
        table(
            f"{len(result.rejected)} incidents skipped",
            ["line", "number", "problem"],
            [(r.line, r.number, r.problem) for r in result.rejected],
        )

"""`opsroom action add|list|show|move|figures`: the action-item tracker from the terminal."""

from __future__ import annotations

from datetime import date

import typer

from opsroom.actions import schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Kind, Source, Transition
from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.incidents.domain import Priority

app = typer.Typer(help="Action items: raise, work, verify and chase them.", no_args_is_help=True)


@app.command()
def add(
    title: str,
    squad: str = typer.Option(..., "--squad", help="owner squad slug"),
    owner: str = typer.Option("", help="owner's account email"),
    kind: Kind = typer.Option(Kind.PREVENT),
    priority: int = typer.Option(3, "--priority", "-p", min=1, max=5),
    due: str | None = typer.Option(None, help="YYYY-MM-DD (default: by priority)"),
    source: Source = typer.Option(Source.OTHER, help="where it comes from"),
    source_key: str = typer.Option("", "--from", help="e.g. INC-42, PRB-7"),
    problem: str | None = typer.Option(None, help="the problem it fixes, e.g. PRB-7"),
    systemic: bool = typer.Option(False, help="a systemic fix: the problem cannot close before it"),
    as_json: bool = JsonOption,
) -> None:
    """Raise an action item."""
    with unit_of_work(write=True) as session:
        data = schemas.ActionCreate(
            title=title,
            owner_squad=squad,
            owner=owner,
            kind=kind,
            priority=Priority(priority),
            due_on=date.fromisoformat(due) if due else None,
            source_type=source,
            source_key=source_key,
            problem=problem,
            systemic=systemic,
        )
        read = actions.read(actions.create(session, actor=actor(session), data=data))
    emit(
        read,
        as_json,
        lambda: out.print(f"raised [bold]{read.key}[/] for {read.owner_squad}, due {read.due_on}"),
    )


@app.command("list")
def list_actions(
    platform: str | None = PlatformOption,
    squad: str | None = typer.Option(None),
    source: Source | None = typer.Option(None),
    overdue: bool = typer.Option(False, "--overdue"),
    outstanding: bool = typer.Option(False, "--outstanding"),
    age: str | None = typer.Option(None, help="an aging bucket, e.g. '8-30 days'"),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = actions.search(
            session,
            actor=actor(session),
            squad=squad,
            platform=catalog.platform_filter(session, platform),
            source_type=source,
            overdue=overdue,
            outstanding=outstanding,
            age=age,
            limit=limit,
        )
        rows = [actions.read(i) for i in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Action items",
            ["key", "pri", "status", "squad", "due", "title"],
            [
                (
                    r.key,
                    r.priority,
                    r.status + (" OVERDUE" if r.overdue else ""),
                    r.owner_squad,
                    r.due_on,
                    r.title,
                )
                for r in rows
            ],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = actions.read(actions.get(session, actor=actor(session), key=key))
    emit(
        read,
        as_json,
        lambda: out.print(
            f"[bold]{read.key}[/] {read.priority} · {read.status} · {read.owner_squad} · due {read.due_on} · {read.title}"
        ),
    )


@app.command()
def move(
    key: str,
    to: Transition = typer.Argument(
        ..., help="start, complete, verify, reopen, request_wont_do, ..."
    ),
    reason: str = typer.Option("", help="required to request won't do"),
) -> None:
    """Move an item through its lifecycle."""
    with unit_of_work(write=True) as session:
        changed = actions.transition(
            session, actor=actor(session), key=key, move=to, data=schemas.ActionMove(reason=reason)
        )
        status = changed.status
    out.print(f"{key.upper()} is {status.replace('_', ' ')}")


@app.command()
def figures(squad: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    """Outstanding, overdue, closure rate, median age and aging buckets."""
    with unit_of_work() as session:
        read = actions.figures(session, actor=actor(session), squad=squad)
    emit(
        read,
        as_json,
        lambda: table("Action items", ["figure", "value"], list(read.model_dump().items())),
    )

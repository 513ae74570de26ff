"""`opsroom review list|show|start|move|export|figures`."""

from __future__ import annotations

import sys

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.reviews import schemas
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Status, Transition

app = typer.Typer(
    help="Post-incident reviews: draft, publish and export them.", no_args_is_help=True
)


@app.command("list")
def list_reviews(
    platform: str | None = PlatformOption,
    status: Status | None = typer.Option(None),
    squad: str | None = typer.Option(None),
    overdue: bool = typer.Option(False, "--overdue"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = reviews.search(
            session,
            actor=actor(session),
            status=status,
            squad=squad,
            platform=catalog.platform_filter(session, platform),
            overdue=overdue,
            limit=500,
        )
        rows = [reviews.summary(r) for r in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Reviews",
            ["incident", "pri", "status", "squad", "due", "title"],
            [
                (
                    r.key,
                    r.priority,
                    r.status + (" OVERDUE" if r.overdue else ""),
                    r.owner_squad,
                    r.due_at,
                    r.title,
                )
                for r in rows
            ],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = reviews.read(session, reviews.get(session, actor=actor(session), key=key))
    emit(
        read,
        as_json,
        lambda: out.print(
            f"[bold]review of {read.key}[/] {read.priority} · {read.status} · due {read.due_at} · {read.title}"
        ),
    )


@app.command()
def start(incident: str) -> None:
    """Start the review of a resolved incident that did not need one."""
    with unit_of_work(write=True) as session:
        key = reviews.start(
            session, actor=actor(session), data=schemas.ReviewStart(incident=incident)
        ).key
    out.print(f"review of {key} drafted")


@app.command()
def move(key: str, to: Transition = typer.Argument(..., help="submit, return or publish")) -> None:
    with unit_of_work(write=True) as session:
        status = reviews.transition(
            session, actor=actor(session), key=key, move=to, data=schemas.ReviewMove()
        ).status
    out.print(f"review of {key.upper()} is {status.replace('_', ' ')}")


@app.command()
def export(key: str) -> None:
    """Print the review as Markdown."""
    with unit_of_work() as session:
        text = reviews.markdown(session, actor=actor(session), key=key)
    sys.stdout.write(text)


@app.command()
def figures(squad: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    """Published on time, median days to publish, overdue."""
    with unit_of_work() as session:
        read = reviews.figures(session, actor=actor(session), squad=squad)
    emit(
        read,
        as_json,
        lambda: table("Reviews", ["figure", "value"], list(read.model_dump().items())),
    )

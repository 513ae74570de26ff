"""`opsroom audit list|verify`."""

from __future__ import annotations

import typer

from opsroom.audit import service as audit
from opsroom.audit.schemas import AuditEntryRead
from opsroom.auth.console import JsonOption, emit, out, table, unit_of_work

app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@app.command("list")
def list_entries(
    subject_type: str | None = typer.Option(None, "--type", help="e.g. service, squad"),
    subject_key: str | None = typer.Option(None, "--key", help="e.g. a service slug"),
    actor: str | None = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = audit.list_entries(
            session, subject_type=subject_type, subject_key=subject_key, actor=actor, limit=limit
        )
        rows = [AuditEntryRead.model_validate(e) for e in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Audit log",
            ["#", "at", "actor", "action", "subject"],
            [
                (
                    e.seq,
                    e.at.isoformat(timespec="seconds"),
                    e.actor,
                    e.action,
                    f"{e.subject_type}:{e.subject_key}",
                )
                for e in rows
            ],
        ),
    )


@app.command("verify")
def verify(as_json: bool = JsonOption) -> None:
    """Recompute the hash chain; exits 3 and names the first broken entry if it was tampered with."""
    with unit_of_work() as session:
        result = audit.verification(session)

    def render() -> None:
        if result.ok:
            out.print(f"[green]audit chain intact[/]: {result.checked} entries verified")
        else:
            out.print(
                f"[bold red]audit chain broken at entry {result.broken_at}[/]: {result.reason} ({result.checked} entries read)"
            )

    emit(result, as_json, render)
    if not result.ok:
        raise typer.Exit(3)

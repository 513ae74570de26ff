"""`opsroom runbook add|list|run|runs|approve|reject`: jobs in Rundeck, AWX or StackStorm
run on incidents from the terminal."""

from __future__ import annotations

import typer
from pydantic import SecretStr

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.runbooks import schemas, service
from opsroom.runbooks.domain import Tool

app = typer.Typer(help="Jobs in automation tools, run on incidents with their context.")


@app.command("add")
def add(
    slug: str,
    name: str = typer.Option(..., "--name"),
    platform: str = typer.Option(..., "--platform"),
    tool: Tool = typer.Option(..., "--tool"),
    url: str = typer.Option(..., "--url", help="The tool's address"),
    job: str = typer.Option(..., "--job", help="Job UUID, job template id or action ref"),
    token: str = typer.Option(..., "--token", envvar="OPSROOM_RUNBOOK_TOKEN"),
    risky: bool = typer.Option(False, "--risky", help="Runs only once approved"),
    runs_per_hour: int = typer.Option(0, "--runs-per-hour", help="0: no limit"),
    integration: str | None = typer.Option(
        None, "--integration", help="Run by itself on incidents this integration's alerts open"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Offer a job on PLATFORM's incidents (its operations manager)."""
    with unit_of_work(write=True) as session:
        data = schemas.RunbookIn(
            slug=slug,
            name=name,
            platform=platform,
            tool=tool,
            base_url=url,
            job=job,
            token=SecretStr(token),
            risky=risky,
            runs_per_hour=runs_per_hour,
            integration=integration,
        )
        read = service.read_runbook(service.create(session, actor=actor(session), data=data))
    emit(read, as_json, lambda: out.print(f"Added runbook [bold]{read.slug}[/] ({read.tool})"))


@app.command("list")
def list_runbooks(platform: str | None = None, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        reads = [
            service.read_runbook(r)
            for r in service.offered(session, actor=actor(session), platform=platform)
        ]
    emit(
        reads,
        as_json,
        lambda: table(
            "Runbooks",
            ["slug", "name", "platform", "tool", "job", "risky", "per hour"],
            [
                (r.slug, r.name, r.platform, r.tool.value, r.job, r.risky, r.runs_per_hour)
                for r in reads
            ],
        ),
    )


def _shown(read: schemas.RunRead, as_json: bool) -> None:
    emit(
        read,
        as_json,
        lambda: out.print(
            f"Run {read.id} of {read.runbook} on {read.incident}: {read.state.value}"
        ),
    )


@app.command("run")
def run(incident: str, runbook: str, as_json: bool = JsonOption) -> None:
    """Run RUNBOOK on INCIDENT with its context (queued, or awaiting approval if risky)."""
    with unit_of_work(write=True) as session:
        data = schemas.RunIn(runbook=runbook)
        read = service.read(service.run(session, actor=actor(session), key=incident, data=data))
    _shown(read, as_json)


@app.command("runs")
def runs(incident: str, as_json: bool = JsonOption) -> None:
    """The runbooks run on INCIDENT and how each went."""
    with unit_of_work() as session:
        reads = [service.read(r) for r in service.runs(session, actor=actor(session), key=incident)]
    emit(
        reads,
        as_json,
        lambda: table(
            f"Runbooks run on {incident.upper()}",
            ["id", "runbook", "state", "tool status", "asked by", "error"],
            [
                (r.id, r.runbook, r.state.value, r.tool_status, r.requested_by, r.last_error)
                for r in reads
            ],
        ),
    )


def _decide(run_id: int, approve: bool, note: str, as_json: bool) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.DecisionIn(note=note)
        found = service.decide(
            session, actor=actor(session), run_id=run_id, approve=approve, data=data
        )
        read = service.read(found)
    _shown(read, as_json)


@app.command("approve")
def approve(run_id: int, note: str = "", as_json: bool = JsonOption) -> None:
    """Let risky run RUN_ID go ahead (the platform's operations manager)."""
    _decide(run_id, True, note, as_json)


@app.command("reject")
def reject(run_id: int, note: str = "", as_json: bool = JsonOption) -> None:
    """Refuse risky run RUN_ID, with a note for the incident's timeline."""
    _decide(run_id, False, note, as_json)

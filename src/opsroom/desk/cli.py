"""`opsroom ticket open|list|show|reply|note|link|move|csat`."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.cli import PlatformOption
from opsroom.desk import schemas, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Kind, Priority, Status, Transition

app = typer.Typer(
    help="The service desk's tickets and customer satisfaction.", no_args_is_help=True
)


def _said(read: schemas.TicketRead, as_json: bool, what: str) -> None:
    emit(
        read,
        as_json,
        lambda: out.print(f"{what} [bold]{read.key}[/] ({read.status}): {read.title}"),
    )


@app.command("open")
def open_ticket(
    title: str,
    requester: str = typer.Option(..., help="the requester's email"),
    organisation: str = typer.Option(..., help="the requester's organisation"),
    service: str = typer.Option(..., "--service", "-s"),
    kind: Kind = typer.Option(Kind.INCIDENT),
    priority: int = typer.Option(3, min=1, max=4),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Open a ticket on behalf of a requester; the service's squad takes it."""
    with unit_of_work(write=True) as session:
        data = schemas.TicketCreate(
            title=title,
            requester=requester,
            organisation=organisation,
            service=service,
            kind=kind,
            priority=Priority(priority),
            description=description,
        )
        who = actor(session)
        read = desk.read(desk.open_ticket(session, actor=who, data=data), who)
    _said(read, as_json, "opened")


@app.command("list")
def list_tickets(
    platform: str | None = PlatformOption,
    status: list[Status] = typer.Option([], "--status"),
    squad: str | None = typer.Option(None),
    organisation: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        who = actor(session)
        page = desk.search(
            session,
            actor=who,
            status=status,
            squad=squad,
            organisation=organisation,
            platform=catalog.platform_filter(session, platform),
            limit=500,
        )
        rows = [desk.read(t, who) for t in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Tickets",
            ["key", "pri", "status", "squad", "requester", "breached", "title"],
            [
                (r.key, r.priority.name, r.status, r.squad, r.requester, _breached(r), r.title)
                for r in rows
            ],
        ),
    )


def _breached(read: schemas.TicketRead) -> str:
    return "yes" if read.first_response_breached or read.resolution_breached else ""


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        who = actor(session)
        read = desk.read(desk.get(session, actor=who, key=key), who)
    emit(read, as_json, lambda: _print(read))


def _print(read: schemas.TicketRead) -> None:
    out.print(f"[bold]{read.key}[/] {read.priority.name} {read.status}: {read.title}")
    out.print(f"requester {read.requester} ({read.organisation}); queue {read.squad}")
    out.print(f"first response due {read.first_response_due:%Y-%m-%d %H:%M} UTC")
    out.print(f"resolution due {read.resolution_due:%Y-%m-%d %H:%M} UTC")
    for m in read.messages:
        out.print(f"- {'note' if m.internal else 'reply'} by {m.author}: {m.body}")


def _message(key: str, body: str, *, internal: bool, as_json: bool) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.MessageIn(body=body, internal=internal)
        who = actor(session)
        read = desk.read(desk.add_message(session, actor=who, key=key, data=data), who)
    _said(read, as_json, "noted on" if internal else "replied on")


@app.command()
def reply(key: str, body: str, as_json: bool = JsonOption) -> None:
    """Reply to the requester (sent to them)."""
    _message(key, body, internal=False, as_json=as_json)


@app.command()
def note(key: str, body: str, as_json: bool = JsonOption) -> None:
    """Add an internal note the requester never sees."""
    _message(key, body, internal=True, as_json=as_json)


@app.command()
def link(
    key: str,
    problem: str = typer.Option(..., "--problem", "-p"),
    as_json: bool = JsonOption,
) -> None:
    """Link the problem behind it."""
    with unit_of_work(write=True) as session:
        data = schemas.LinkIn(problem=problem)
        who = actor(session)
        read = desk.read(desk.link(session, actor=who, key=key, data=data), who)
    _said(read, as_json, "linked")


@app.command()
def escalate(
    key: str,
    incident: str | None = typer.Option(
        None, "--incident", "-i", help="the incident others are affected by too"
    ),
    impact: int = typer.Option(2, min=1, max=3, help="of an incident declared: 1 high ... 3 low"),
    urgency: int = typer.Option(2, min=1, max=3, help="1 high ... 3 low"),
    as_json: bool = JsonOption,
) -> None:
    """Turn the ticket into an incident, or link it to --incident; the requester is told."""
    with unit_of_work(write=True) as session:
        data = schemas.EscalationIn(incident=incident, impact=impact, urgency=urgency)
        who = actor(session)
        read = desk.read(desk.escalate(session, actor=who, key=key, data=data), who)
    _said(read, as_json, f"{read.incident} now covers")


@app.command()
def move(
    key: str,
    to: Transition,
    version: int | None = typer.Option(None, help="the version you read"),
    as_json: bool = JsonOption,
) -> None:
    """wait, resume, resolve (sends the survey), reopen or close."""
    with unit_of_work(write=True) as session:
        data = schemas.TicketMove(version=version)
        who = actor(session)
        moved = desk.transition(session, actor=who, key=key, move=to, data=data)
        read = desk.read(moved, who)
    _said(read, as_json, "moved")


@app.command()
def csat(squad: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    """Surveys sent and answered, and the share of satisfied answers."""
    with unit_of_work() as session:
        figures = surveys.csat(session, actor=actor(session), squad=squad)
    shown = "-" if figures.csat is None else f"{figures.csat}%"
    emit(
        figures,
        as_json,
        lambda: out.print(f"CSAT {shown} ({figures.answered}/{figures.sent} answered)"),
    )

"""`opsroom incident declare|list|show|edit|prioritise|ack|mitigate|resolve|close|reopen|note|
update|assign`."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformsOption
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, Priority, Role, Status, Transition

app = typer.Typer(help="Incidents: declare, work and close them.", no_args_is_help=True)


@app.command()
def declare(
    title: str = typer.Argument(..., help="what is broken, in a few words"),
    service: list[str] = typer.Option(
        ..., "--service", "-s", help="affected service slug; repeat for several"
    ),
    impact: int = typer.Option(2, min=1, max=3, help="1 high ... 3 low"),
    urgency: int = typer.Option(2, min=1, max=3, help="1 high ... 3 low"),
    commander: str | None = typer.Option(None, help="incident commander's email"),
    bridge: str = typer.Option("", help="conference bridge URL"),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Declare an incident; its priority comes from impact x urgency."""
    with unit_of_work(write=True) as session:
        data = schemas.IncidentCreate(
            title=title,
            services=service,
            impact=impact,
            urgency=urgency,
            commander=commander,
            bridge_url=bridge,
            description=description,
        )
        read = incidents.read(session, incidents.declare(session, actor=actor(session), data=data))
    emit(
        read,
        as_json,
        lambda: out.print(
            f"declared [bold]{read.key}[/] {read.priority}{' MAJOR' if read.major else ''}: {read.title}"
        ),
    )


@app.command("list")
def list_incidents(
    platform: list[str] = PlatformsOption,
    status: list[Status] = typer.Option([], "--status", help="repeat for several"),
    priority: list[int] = typer.Option([], "--priority", "-p", min=1, max=5),
    service: str | None = typer.Option(None),
    squad: str | None = typer.Option(None),
    open_only: bool = typer.Option(
        False, "--open", help="only triggered, acknowledged or mitigated"
    ),
    major: bool | None = typer.Option(None, "--major/--not-major"),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = incidents.search(
            session,
            actor=actor(session),
            status=status,
            priority=[Priority(p) for p in priority],
            service=service,
            squad=squad,
            platforms=catalog.platforms_filter(session, platform),
            open_only=open_only,
            major=major,
            limit=limit,
        )
        rows = [incidents.summary(i) for i in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Incidents",
            ["key", "pri", "status", "title", "services", "detected"],
            [
                (
                    r.key,
                    r.priority,
                    r.status,
                    r.title,
                    ", ".join(r.services),
                    r.detected_at.isoformat(timespec="minutes"),
                )
                for r in rows
            ],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = incidents.read(session, incidents.get(session, actor=actor(session), key=key))
        events = incidents.timeline(session, actor=actor(session), key=key)
        timeline = [(e.at.isoformat(timespec="seconds"), e.actor, e.text) for e in events]
    if as_json:
        emit(
            {
                **read.model_dump(mode="json"),
                "timeline": [
                    dict(zip(("at", "actor", "text"), row, strict=True)) for row in timeline
                ],
            },
            True,
            lambda: None,
        )
        return
    out.print(
        f"[bold]{read.key}[/] {read.priority}{' MAJOR' if read.major else ''} · {read.status} · {read.title}"
    )
    out.print(
        f"services: {', '.join(read.services)} · journeys: {', '.join(read.journeys) or '-'} · roles: {', '.join(f'{k}={v}' for k, v in read.roles.items()) or '-'}"
    )
    for sla in read.sla:
        state = "BREACHED" if sla.breached else f"{sla.remaining_seconds // 60} min left"
        out.print(
            f"{sla.kind} SLA ({sla.target_minutes} min): {'met' if sla.met_at and not sla.breached else state}"
        )
    table("Timeline", ["at", "who", "what"], timeline)


@app.command()
def edit(
    key: str,
    title: str | None = typer.Option(None),
    service: list[str] = typer.Option(
        [], "--service", "-s", help="the affected services, all of them; repeat for several"
    ),
    impact: int | None = typer.Option(None, min=1, max=3, help="1 high ... 3 low"),
    urgency: int | None = typer.Option(None, min=1, max=3, help="1 high ... 3 low"),
    description: str | None = typer.Option(None),
    bridge: str | None = typer.Option(None, help="conference bridge URL ('' to clear)"),
    version: int | None = typer.Option(None, help="the version you read (default: the current)"),
    as_json: bool = JsonOption,
) -> None:
    """Change what an incident is: impact and urgency set its priority by the matrix again."""
    given = {
        "title": title,
        "services": service or None,
        "impact": impact,
        "urgency": urgency,
        "description": description,
        "bridge_url": bridge,
    }
    with unit_of_work(write=True) as session:
        who = actor(session)
        current = version or incidents.get(session, actor=who, key=key).version
        changes = {name: value for name, value in given.items() if value is not None}
        data = schemas.IncidentUpdate.model_validate({"version": current, **changes})
        read = incidents.read(session, incidents.update(session, actor=who, key=key, data=data))
    emit(read, as_json, lambda: out.print(f"{read.key} is {read.priority}: {read.title}"))


@app.command()
def prioritise(
    key: str,
    priority: int = typer.Argument(..., min=1, max=5, help="1 ... 5"),
    reason: str = typer.Option(..., "--reason", "-r", help="why the matrix is wrong here"),
) -> None:
    """Set the priority by hand, overriding the matrix; the reason is audited."""
    with unit_of_work(write=True) as session:
        who = actor(session)
        current = incidents.get(session, actor=who, key=key).version
        data = schemas.PriorityOverride(version=current, priority=Priority(priority), reason=reason)
        changed = incidents.override_priority(session, actor=who, key=key, data=data)
    out.print(f"{changed.key} is P{changed.priority}: {reason}")


def _move(key: str, move: Transition, note: str, commander: str | None = None) -> None:
    with unit_of_work(write=True) as session:
        changed = incidents.transition(
            session,
            actor=actor(session),
            key=key,
            move=move,
            data=schemas.TransitionIn(note=note, commander=commander),
        )
    out.print(f"{changed.key} is {changed.status}")


NoteOption = typer.Option("", "--note", "-n", help="why, for the timeline")


@app.command()
def ack(
    key: str,
    note: str = NoteOption,
    commander: str | None = typer.Option(None, help="assign the commander as you acknowledge"),
) -> None:
    """Acknowledge: you are on it (a major incident needs a commander)."""
    _move(key, Transition.ACKNOWLEDGE, note, commander)


@app.command()
def mitigate(key: str, note: str = NoteOption) -> None:
    """Impact stopped (a workaround is in place)."""
    _move(key, Transition.MITIGATE, note)


@app.command()
def resolve(
    key: str,
    summary: str = typer.Option(
        "", "--summary", "--note", "-n", help="what fixed it: the resolution summary"
    ),
) -> None:
    """The cause is fixed."""
    _move(key, Transition.RESOLVE, summary)


@app.command()
def close(key: str, note: str = NoteOption) -> None:
    _move(key, Transition.CLOSE, note)


@app.command()
def reopen(key: str, note: str = NoteOption) -> None:
    _move(key, Transition.REOPEN, note)


@app.command()
def cancel(key: str, note: str = NoteOption) -> None:
    """Declared in error."""
    _move(key, Transition.CANCEL, note)


@app.command()
def note(key: str, text: str) -> None:
    """Add a note to the timeline."""
    with unit_of_work(write=True) as session:
        incidents.add_note(session, actor=actor(session), key=key, text=text)
    out.print(f"noted on {key.upper()}")


@app.command()
def update(
    key: str,
    body: str,
    audience: Audience = typer.Option(Audience.INTERNAL, help="internal or customer"),
) -> None:
    """Post a stakeholder status update (restarts the update cadence)."""
    with unit_of_work(write=True) as session:
        incidents.post_status_update(
            session,
            actor=actor(session),
            key=key,
            data=schemas.StatusUpdateIn(audience=audience, body=body),
        )
    out.print(f"{audience.value} update posted on {key.upper()}")


@app.command()
def assign(key: str, role: Role, person: str) -> None:
    """Give someone a role: commander, communications_lead, scribe, technical_lead, vendor_liaison."""
    with unit_of_work(write=True) as session:
        incidents.assign_role(
            session, actor=actor(session), key=key, data=schemas.RoleIn(role=role, person=person)
        )
    out.print(f"{person} is {role.value.replace('_', ' ')} of {key.upper()}")

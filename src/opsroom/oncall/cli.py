"""`opsroom oncall now|shifts|schedule|override|policy` and `opsroom page <person|squad>`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.infra.wording import counted
from opsroom.oncall import policy_cli, schemas
from opsroom.oncall import service as oncall
from opsroom.oncall.domain import ShiftUnit, TargetKind, restriction_from_text

app = typer.Typer(
    help="On call: who is on call, schedules, overrides, escalation policies.", no_args_is_help=True
)
schedule_app = typer.Typer(help="On-call schedules.", no_args_is_help=True)
layer_app = typer.Typer(
    help="A schedule's layers one at a time (rank 0 is the lowest; higher ones win).",
    no_args_is_help=True,
)
app.add_typer(schedule_app, name="schedule")
schedule_app.add_typer(layer_app, name="layer")
app.add_typer(policy_cli.app, name="policy")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@app.command()
def now(
    squad: str | None = typer.Option(None),
    service: str | None = typer.Option(None, help="its owner squad's schedules"),
    at: str | None = typer.Option(None, help="another moment, ISO 8601 with zone"),
    as_json: bool = JsonOption,
) -> None:
    """Who is on call now (or at --at), per schedule."""
    with unit_of_work() as session:
        rows = oncall.on_call(
            session, actor=actor(session), squad=squad, service=service, at=_when(at)
        )
    emit(
        rows,
        as_json,
        lambda: table(
            "On call",
            ["Schedule", "Squad", "Person", "Until"],
            [(r.schedule, r.squad, r.person or "NOBODY (gap)", r.until) for r in rows],
        ),
    )


@app.command()
def who(
    service: str = typer.Argument(..., help="the service's slug"),
    at: str | None = typer.Option(None, help="another moment, ISO 8601 with zone"),
    as_json: bool = JsonOption,
) -> None:
    """Who answers a page for a service now (or at --at), and what decides it."""
    with unit_of_work() as session:
        read = oncall.who_answers(session, actor=actor(session), service=service, at=_when(at))
    emit(
        read,
        as_json,
        lambda: table(
            f"Paged first for {service} ({read.policy_name or 'owner squad schedules'})",
            ["Person", "Schedule", "Decided by", "Until"],
            [
                (a.person or "NOBODY (gap)", a.schedule, _decided_by(a), a.until)
                for a in read.answers
            ],
        ),
    )


def _decided_by(answer: schemas.AnswerRead) -> str:
    if answer.decided_by == "layer":
        return f"layer {answer.layer}" + (f" ({answer.layer_name})" if answer.layer_name else "")
    if answer.decided_by == "override":
        return "override" + (f" ({answer.reason})" if answer.reason else "")
    return answer.decided_by


@app.command()
def shifts(days: int = typer.Option(28, min=1, max=366), as_json: bool = JsonOption) -> None:
    """My next shifts."""
    with unit_of_work() as session:
        rows = oncall.my_shifts(session, actor=actor(session), days=days)
    emit(
        rows,
        as_json,
        lambda: table(
            "My shifts", ["Schedule", "From", "Until"], [(r.schedule, r.start, r.end) for r in rows]
        ),
    )


@app.command()
def override(
    schedule: str = typer.Argument(...),
    person: str = typer.Argument(..., help="who takes over (email)"),
    start: str = typer.Option(..., help="ISO 8601 with zone"),
    end: str = typer.Option(..., help="ISO 8601 with zone"),
    reason: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Someone takes over a schedule for a while."""
    with unit_of_work(write=True) as session:
        data = schemas.OverrideIn.model_validate(
            {"person": person, "start": start, "end": end, "reason": reason}
        )
        read = schemas.OverrideRead.model_validate(
            oncall.add_override(session, actor=actor(session), slug=schedule, data=data)
        )
    emit(
        read,
        as_json,
        lambda: out.print(
            f"{read.person} is on call for {schedule} from {read.start} to {read.end}"
        ),
    )


@app.command("override-edit")
def edit_override(
    schedule: str = typer.Argument(...),
    override_id: int = typer.Argument(..., help="the override's id (schedule show --json)"),
    person: str = typer.Option(..., help="who takes over (email)"),
    start: str = typer.Option(..., help="ISO 8601 with zone"),
    end: str = typer.Option(..., help="ISO 8601 with zone"),
    version: int = typer.Option(..., help="the schedule's version you looked at"),
    reason: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Change who covers an override, when, or why."""
    with unit_of_work(write=True) as session:
        data = schemas.OverrideUpdate.model_validate(
            {"person": person, "start": start, "end": end, "reason": reason, "version": version}
        )
        read = schemas.OverrideRead.model_validate(
            oncall.update_override(
                session, actor=actor(session), slug=schedule, override_id=override_id, data=data
            )
        )
    emit(read, as_json, lambda: out.print(f"override {override_id} of {schedule} changed"))


@app.command("override-remove")
def remove_override(
    schedule: str = typer.Argument(...), override_id: int = typer.Argument(...)
) -> None:
    """Remove an override: the rotation covers that time again."""
    with unit_of_work(write=True) as session:
        oncall.remove_override(
            session, actor=actor(session), slug=schedule, override_id=override_id
        )
    out.print(f"removed override {override_id} from {schedule}")


@schedule_app.command("create")
def create_schedule(
    slug: str = typer.Argument(...),
    name: str = typer.Option(...),
    participants: str = typer.Option(..., help="comma-separated emails, in rotation order"),
    start: str = typer.Option(..., help="first hand-off, ISO 8601 with zone"),
    squad: str | None = typer.Option(None),
    zone: str = typer.Option("UTC", help="IANA time zone of the hand-offs"),
    length: int = typer.Option(1, min=1),
    unit: ShiftUnit = typer.Option(ShiftUnit.WEEKS),
    as_json: bool = JsonOption,
) -> None:
    """A schedule with one rotation (add more with `schedule layer add`)."""
    with unit_of_work(write=True) as session:
        layer = {
            "participants": _emails(participants),
            "start": start,
            "zone": zone,
            "length": length,
            "unit": unit,
        }
        data = schemas.ScheduleCreate.model_validate(
            {"slug": slug, "name": name, "squad": squad, "zone": zone, "layers": [layer]}
        )
        read = schemas.ScheduleRead.model_validate(
            oncall.create_schedule(session, actor=actor(session), data=data)
        )
    emit(read, as_json, lambda: out.print(f"created schedule [bold]{read.slug}[/]"))


@schedule_app.command("import")
def import_schedule(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="an .ics file"),
    slug: str = typer.Option(...),
    name: str = typer.Option(...),
    squad: str | None = typer.Option(None),
    zone: str = typer.Option("UTC"),
    days: int = typer.Option(180, min=1, max=730, help="how far ahead to expand recurrences"),
    as_json: bool = JsonOption,
) -> None:
    """A schedule from an .ics file (each event's attendee or email summary is on call)."""
    with unit_of_work(write=True) as session:
        data = schemas.ScheduleImport(
            slug=slug, name=name, squad=squad, zone=zone, days=days, ics=path.read_text()
        )
        read = schemas.ScheduleRead.model_validate(
            oncall.import_schedule(session, actor=actor(session), data=data)
        )
    emit(
        read,
        as_json,
        lambda: out.print(
            f"imported [bold]{read.slug}[/]: {counted(len(read.overrides), 'shift')}"
        ),
    )


@schedule_app.command("export")
def export_schedule(
    slug: str = typer.Argument(...), days: int = typer.Option(90, min=1, max=366)
) -> None:
    """Print the schedule's iCalendar feed."""
    with unit_of_work() as session:
        feed = oncall.schedule_feed(session, actor=actor(session), slug=slug, days=days)
    sys.stdout.write(feed.decode())


@schedule_app.command("list")
def list_schedules(
    squad: str | None = typer.Option(None),
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        chosen = catalog.platform_filter(session, platform)
        found = oncall.list_schedules(session, actor=actor(session), squad=squad, platform=chosen)
        rows = [schemas.ScheduleRead.model_validate(s) for s in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Schedules",
            ["Slug", "Name", "Squad", "Zone", "Layers"],
            [(r.slug, r.name, r.squad_slug, r.zone, len(r.layers)) for r in rows],
        ),
    )


@schedule_app.command("edit")
def edit_schedule(
    slug: str = typer.Argument(...),
    version: int = typer.Option(..., help="the version you looked at (a stale one is refused)"),
    name: str | None = typer.Option(None),
    zone: str | None = typer.Option(None, help="IANA time zone"),
    as_json: bool = JsonOption,
) -> None:
    """Rename a schedule or move it to another zone (layers: `schedule layer ...`)."""
    with unit_of_work(write=True) as session:
        data = schemas.ScheduleUpdate(version=version, name=name, zone=zone)
        read = schemas.ScheduleRead.model_validate(
            oncall.update_schedule(session, actor=actor(session), slug=slug, data=data)
        )
    emit(
        read, as_json, lambda: out.print(f"schedule [bold]{slug}[/] now at version {read.version}")
    )


@schedule_app.command("delete")
def delete_schedule(
    slug: str = typer.Argument(...),
    version: int = typer.Option(..., help="the version you looked at (a stale one is refused)"),
) -> None:
    """Delete a schedule no escalation policy uses."""
    with unit_of_work(write=True) as session:
        oncall.delete_schedule(session, actor=actor(session), slug=slug, version=version)
    out.print(f"deleted schedule [bold]{slug}[/]")


@schedule_app.command("show")
def show_schedule(
    slug: str = typer.Argument(...),
    days: int = typer.Option(14, min=1, max=366),
    as_json: bool = JsonOption,
) -> None:
    """The coming days' shifts, coverage gaps and each person's load."""
    with unit_of_work() as session:
        report = oncall.coverage(session, actor=actor(session), slug=slug, days=days)

    def render() -> None:
        table(
            f"{slug}: next {days} days",
            ["Person", "From", "Until"],
            [(s.person or "NOBODY (gap)", s.start, s.end) for s in report.shifts],
        )
        table(
            "Load",
            ["Person", "Shifts", "Hours", "Off-hours", "Pages"],
            [
                (f.person, f.shifts, round(f.hours, 1), round(f.off_hours, 1), f.pages)
                for f in report.fairness
            ],
        )
        out.print(f"coverage gaps: {round(report.gap_hours, 1)} hours")

    emit(report, as_json, render)


def _emails(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


RESTRICTION_HELP = "'0-4@09:00-17:00' (weekdays 0 = Monday, local times); repeat for several"
VERSION_HELP = "the schedule's version you looked at (a stale one is refused)"


def _layers_changed(slug: str, read: schemas.ScheduleRead, as_json: bool) -> None:
    emit(
        read,
        as_json,
        lambda: table(
            f"{slug} (version {read.version})",
            ["Rank", "Name", "Participants", "Shift", "Zone"],
            [
                (la.rank, la.name, ", ".join(la.participants), f"{la.length} {la.unit}", la.zone)
                for la in read.layers
            ],
        ),
    )


@layer_app.command("add")
def add_layer(
    slug: str = typer.Argument(...),
    participants: str = typer.Option(..., help="comma-separated emails, in rotation order"),
    start: str = typer.Option(..., help="first hand-off, ISO 8601 with zone"),
    version: int = typer.Option(..., help=VERSION_HELP),
    name: str = typer.Option(""),
    zone: str = typer.Option("UTC", help="IANA time zone of the hand-offs"),
    length: int = typer.Option(1, min=1),
    unit: ShiftUnit = typer.Option(ShiftUnit.WEEKS),
    restriction: list[str] = typer.Option([], help=RESTRICTION_HELP),
    as_json: bool = JsonOption,
) -> None:
    """Add a layer on top of the schedule's others."""
    with unit_of_work(write=True) as session:
        data = schemas.LayerAdd.model_validate(
            {
                "version": version,
                "name": name,
                "participants": _emails(participants),
                "start": start,
                "zone": zone,
                "length": length,
                "unit": unit,
                "restrictions": [restriction_from_text(r) for r in restriction],
            }
        )
        read = schemas.ScheduleRead.model_validate(
            oncall.add_layer(session, actor=actor(session), slug=slug, data=data)
        )
    _layers_changed(slug, read, as_json)


@layer_app.command("edit")
def edit_layer(
    slug: str = typer.Argument(...),
    rank: int = typer.Argument(..., min=0, help="which layer: 0 is the lowest"),
    version: int = typer.Option(..., help=VERSION_HELP),
    participants: str | None = typer.Option(None, help="comma-separated emails, in order"),
    start: str | None = typer.Option(None, help="first hand-off, ISO 8601 with zone"),
    name: str | None = typer.Option(None),
    zone: str | None = typer.Option(None, help="IANA time zone of the hand-offs"),
    length: int | None = typer.Option(None, min=1),
    unit: ShiftUnit | None = typer.Option(None),
    restriction: list[str] = typer.Option([], help=RESTRICTION_HELP),
    unrestricted: bool = typer.Option(False, "--unrestricted", help="drop every restriction"),
    as_json: bool = JsonOption,
) -> None:
    """Change one layer: only the options given change."""
    with unit_of_work(write=True) as session:
        changes = {
            "name": name,
            "participants": _emails(participants) if participants else None,
            "start": start,
            "zone": zone,
            "length": length,
            "unit": unit,
            "restrictions": [restriction_from_text(r) for r in restriction]
            if restriction or unrestricted
            else None,
        }
        data = schemas.LayerUpdate.model_validate(
            {"version": version, **{k: v for k, v in changes.items() if v is not None}}
        )
        read = schemas.ScheduleRead.model_validate(
            oncall.update_layer(session, actor=actor(session), slug=slug, rank=rank, data=data)
        )
    _layers_changed(slug, read, as_json)


@layer_app.command("remove")
def remove_layer(
    slug: str = typer.Argument(...),
    rank: int = typer.Argument(..., min=0, help="which layer: 0 is the lowest"),
    version: int = typer.Option(..., help=VERSION_HELP),
    as_json: bool = JsonOption,
) -> None:
    """Take one layer out; the ones above it move down a rank."""
    with unit_of_work(write=True) as session:
        read = schemas.ScheduleRead.model_validate(
            oncall.remove_layer(
                session, actor=actor(session), slug=slug, rank=rank, version=version
            )
        )
    _layers_changed(slug, read, as_json)


def page(
    kind: TargetKind = typer.Argument(..., help="person, squad or schedule"),
    ref: str = typer.Argument(..., help="email, squad slug or schedule slug"),
    message: str = typer.Argument(...),
    incident: str | None = typer.Option(None, help="the incident this is about, e.g. INC-42"),
    as_json: bool = JsonOption,
) -> None:
    """Page a person, or whoever is on call for a squad or schedule, now."""
    with unit_of_work(write=True) as session:
        data = schemas.PageIn(kind=kind, ref=ref, message=message, incident=incident)
        people = oncall.page(session, actor=actor(session), data=data)
    emit(people, as_json, lambda: out.print(f"paging {', '.join(people)}"))

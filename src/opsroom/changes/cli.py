"""`opsroom change new|submit|approve|reject|schedule|start|complete|fail|rollback|close|
list|show|calendar|figures` and `opsroom freeze new|list|delete`."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.orm import Session

from opsroom.auth.console import JsonOption, actor, emit, fail, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption, PlatformsOption
from opsroom.changes import governance, reports, schemas
from opsroom.changes import service as changes
from opsroom.changes.domain import ChangeType, Status, Transition
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import ValidationFailed

app = typer.Typer(help="Changes: raise, approve and run them.", no_args_is_help=True)
freeze_app = typer.Typer(
    help="Freeze windows: when only emergency changes run.", no_args_is_help=True
)


def _when(session: Session, value: str, name: str) -> datetime:
    """ISO 8601; a time without a zone is in the configured time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name}: not an ISO 8601 time (e.g. 2026-12-01T22:00)", ValidationFailed.exit_code)
    return (
        moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(settings_of(session).timezone))
    )


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name}: not a day (YYYY-MM-DD)", ValidationFailed.exit_code)


class GroupBy(StrEnum):
    SERVICE = "service"
    SQUAD = "squad"
    MONTH = "month"
    TYPE = "type"
    VENDOR = "vendor"


def _show(read: schemas.ChangeRead, clashes: list[schemas.CollisionRead] | None = None) -> None:
    out.print(
        f"[bold]{read.key}[/] {read.type} · {read.status.replace('_', ' ')} · {read.risk_level} risk "
        f"({read.risk_score}) · {read.title}",
        highlight=False,
    )
    out.print(
        f"  {read.planned_start.isoformat(timespec='minutes')} → {read.planned_end.isoformat(timespec='minutes')} on {', '.join(read.services)}",
        highlight=False,
    )
    if read.vendor:
        out.print(f"  made by the vendor {read.vendor}", highlight=False)
    if read.outstanding_approvals:
        out.print(f"  waiting for: {', '.join(read.outstanding_approvals)}", highlight=False)
    if read.in_freeze:
        out.print(
            "  inside a freeze window"
            + (f" (exception: {read.freeze_exception})" if read.freeze_exception else "")
        )
    for c in clashes or []:
        out.print(f"  [yellow]collides with {c.change}[/]: {c.reason}", highlight=False)


@app.command()
def new(
    title: str = typer.Argument(..., help="what changes, in a few words"),
    service: list[str] = typer.Option(
        ..., "--service", "-s", help="service slug; repeat for several"
    ),
    squad: str = typer.Option(..., help="the implementer squad"),
    start: str = typer.Option(..., help="planned start, ISO 8601"),
    end: str = typer.Option(..., help="planned end, ISO 8601"),
    change_type: ChangeType = typer.Option(ChangeType.NORMAL, "--type"),
    template: str | None = typer.Option(None, help="standard change template"),
    implementer: str = typer.Option("", help="email; default: you"),
    vendor: str | None = typer.Option(None, help="the vendor that makes the change (slug)"),
    description: str = typer.Option(""),
    rollback: str = typer.Option("", help="the rollback plan"),
    evidence: str = typer.Option("", help="test evidence"),
    as_json: bool = JsonOption,
) -> None:
    """Draft a change; its risk and collisions are shown at once."""
    with unit_of_work(write=True) as session:
        data = schemas.ChangeCreate(
            title=title,
            services=service,
            squad=squad,
            type=change_type,
            template=template,
            planned_start=_when(session, start, "start"),
            planned_end=_when(session, end, "end"),
            implementer=implementer,
            vendor=vendor,
            description=description,
            rollback_plan=rollback,
            test_evidence=evidence,
        )
        change = changes.create(session, actor=actor(session), data=data)
        read, clashes = changes.read(change), changes.collisions_of(session, change)
    emit(read, as_json, lambda: _show(read, clashes))


def _moved(key: str, note: str, as_json: bool, move: Transition) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.TransitionIn(note=note)
        who = actor(session)
        if move is Transition.SUBMIT:
            change = changes.submit(session, actor=who, key=key, data=data)
        else:
            change = changes.transition(session, actor=who, key=key, move=move, data=data)
        read = changes.read(change)
    emit(read, as_json, lambda: _show(read))


NoteOption = typer.Option("", "--note", help="a note for the timeline")


@app.command()
def submit(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    """Submit for approval (a standard change is approved at once)."""
    _moved(key, note, as_json, Transition.SUBMIT)


@app.command()
def schedule(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    _moved(key, note, as_json, Transition.SCHEDULE)


@app.command()
def start(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    _moved(key, note, as_json, Transition.START)


@app.command()
def complete(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    _moved(key, note, as_json, Transition.COMPLETE)


@app.command("fail")
def fail_change(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    _moved(key, note, as_json, Transition.FAIL)


@app.command()
def rollback(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    """Record that the change was rolled back."""
    _moved(key, note, as_json, Transition.ROLL_BACK)


@app.command()
def close(key: str, note: str = NoteOption, as_json: bool = JsonOption) -> None:
    _moved(key, note, as_json, Transition.CLOSE)


@app.command()
def approve(
    key: str,
    comment: str = typer.Option("", "--comment", "-m"),
    requirement: str | None = typer.Option(None, help="e.g. journey_owner:checkout"),
    as_json: bool = JsonOption,
) -> None:
    """Give one of the approvals the change still needs."""
    with unit_of_work(write=True) as session:
        data = schemas.DecisionIn(comment=comment, requirement=requirement)
        read = changes.read(changes.approve(session, actor=actor(session), key=key, data=data))
    emit(read, as_json, lambda: _show(read))


@app.command()
def reject(
    key: str, comment: str = typer.Option(..., "--comment", "-m"), as_json: bool = JsonOption
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.RejectionIn(comment=comment)
        read = changes.read(changes.reject(session, actor=actor(session), key=key, data=data))
    emit(read, as_json, lambda: _show(read))


@app.command()
def exception(
    key: str, reason: str = typer.Option(..., "--reason"), as_json: bool = JsonOption
) -> None:
    """Let a change run inside a freeze (operations manager)."""
    with unit_of_work(write=True) as session:
        data = schemas.ExceptionIn(reason=reason)
        read = changes.read(
            changes.grant_exception(session, actor=actor(session), key=key, data=data)
        )
    emit(read, as_json, lambda: _show(read))


@app.command("list")
def list_changes(
    platform: list[str] = PlatformsOption,
    status: list[Status] = typer.Option([], "--status", help="repeat for several"),
    service: str | None = typer.Option(None),
    squad: str | None = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = changes.search(
            session,
            actor=actor(session),
            status=status,
            service=service,
            squad=squad,
            platforms=catalog.platforms_filter(session, platform),
            limit=limit,
        )
        rows = [changes.summary(c) for c in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Changes",
            ["key", "type", "status", "risk", "title", "services", "planned start"],
            [
                (
                    r.key,
                    r.type,
                    r.status,
                    f"{r.risk_level} {r.risk_score}",
                    r.title,
                    ", ".join(r.services),
                    r.planned_start.isoformat(timespec="minutes"),
                )
                for r in rows
            ],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    """A change with its risk explained."""
    with unit_of_work() as session:
        read = changes.read(changes.get(session, actor=actor(session), key=key))
    if as_json:
        emit(read, True, lambda: None)
        return
    _show(read)
    table(
        "Risk",
        ["factor", "why", "points"],
        [(f.name, f.detail, f.points) for f in read.risk_factors],
    )


@app.command()
def figures(
    since: str = typer.Option(..., help="ISO 8601"),
    until: str | None = typer.Option(None, help="ISO 8601; default: now"),
    by: GroupBy = typer.Option(GroupBy.MONTH),
    as_json: bool = JsonOption,
) -> None:
    """Volume, success rate, change failure rate, emergency share, changes during freezes."""
    with unit_of_work() as session:
        rows = reports.figures(
            session,
            actor=actor(session),
            since=_when(session, since, "since"),
            until=_when(session, until, "until") if until else clock.now(),
            by=by.value,
        )
    emit(
        rows,
        as_json,
        lambda: table(
            f"Changes by {by}",
            ["group", "volume", "success", "failure rate", "emergency", "in freeze"],
            [
                (
                    r.group,
                    r.volume,
                    _percent(r.success_rate),
                    _percent(r.change_failure_rate),
                    _percent(r.emergency_share),
                    r.during_freeze,
                )
                for r in rows
            ],
        ),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


# --- freezes ------------------------------------------------------------------------------


@freeze_app.command("new")
def new_freeze(
    slug: str,
    name: str = typer.Option(...),
    starts: str = typer.Option(..., help="first day, YYYY-MM-DD"),
    ends: str = typer.Option(..., help="last day, YYYY-MM-DD"),
    timezone: str = typer.Option("UTC", help="e.g. Europe/Amsterdam"),
    platform: list[str] = typer.Option([], "--platform", "-p", help="repeat"),
    service: list[str] = typer.Option([], "--service", "-s", help="repeat"),
    journey: list[str] = typer.Option([], "--journey", "-j", help="repeat"),
    everything: bool = typer.Option(
        False, "--everything", help="every platform (administrators); name nothing else"
    ),
    reason: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.FreezeCreate(
            slug=slug,
            name=name,
            reason=reason,
            starts_on=_day(starts, "starts"),
            ends_on=_day(ends, "ends"),
            timezone=timezone,
            platforms=platform,
            services=service,
            journeys=journey,
            everything=everything,
        )
        read = governance.read_freeze(
            session, governance.create_freeze(session, actor=actor(session), data=data)
        )
    emit(
        read,
        as_json,
        lambda: out.print(
            f"freeze [bold]{read.slug}[/] {read.name}: {read.starts_at.isoformat()} → {read.ends_at.isoformat()}",
            highlight=False,
        ),
    )


@freeze_app.command("list")
def list_freezes(
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        found = governance.list_freezes(
            session, actor=actor(session), platform=catalog.platform_filter(session, platform)
        )
        rows = [governance.read_freeze(session, f) for f in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Freezes",
            ["slug", "name", "from", "to", "zone", "scope"],
            [
                (
                    r.slug,
                    r.name,
                    r.starts_on,
                    r.ends_on,
                    r.timezone,
                    "everything"
                    if r.everything
                    else ", ".join(r.platforms + r.services + r.journeys),
                )
                for r in rows
            ],
        ),
    )


@freeze_app.command("delete")
def delete_freeze(slug: str) -> None:
    with unit_of_work(write=True) as session:
        governance.delete_freeze(session, actor=actor(session), slug=slug)
    out.print(f"deleted freeze {slug}")


@freeze_app.command("end")
def end_freeze(slug: str, as_json: bool = JsonOption) -> None:
    """End a running freeze today, in its time zone."""
    with unit_of_work(write=True) as session:
        ended = governance.end_freeze(session, actor=actor(session), slug=slug)
        read = governance.read_freeze(session, ended)
    emit(read, as_json, lambda: out.print(f"freeze {read.slug} now ends on {read.ends_on}"))

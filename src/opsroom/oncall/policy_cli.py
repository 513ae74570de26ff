"""`opsroom oncall policy create|edit|delete|list`: escalation policies."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.infra.wording import counted
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall

app = typer.Typer(help="Escalation policies.", no_args_is_help=True)


def _level(text: str) -> dict[str, object]:
    """'squad:identity,person:a@example.com@10' -> targets and a timeout in minutes."""
    targets, _, timeout = (
        text.rpartition("@") if text.rsplit("@", 1)[-1].isdigit() else (text, "", "15")
    )
    parsed = [part.strip().partition(":") for part in targets.split(",") if part.strip()]
    return {
        "targets": [{"kind": kind, "ref": ref} for kind, _, ref in parsed],
        "timeout_minutes": int(timeout),
    }


@app.command("create")
def create_policy(
    slug: str = typer.Argument(...),
    name: str = typer.Option(...),
    level: list[str] = typer.Option(
        ..., help="'kind:ref,kind:ref@minutes', e.g. 'squad:identity@5'; repeat in order"
    ),
    squad: str | None = typer.Option(None),
    squad_default: bool = typer.Option(
        False, "--squad-default", help="for the squad's services without a policy"
    ),
    service: list[str] = typer.Option([], help="attach to this service; repeat for several"),
    repeats: int = typer.Option(0, min=0, max=9),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.PolicyCreate.model_validate(
            {
                "slug": slug,
                "name": name,
                "squad": squad,
                "squad_default": squad_default,
                "services": service,
                "levels": [_level(text) for text in level],
                "repeats": repeats,
            }
        )
        read = schemas.PolicyRead.model_validate(
            oncall.create_policy(session, actor=actor(session), data=data)
        )
    emit(
        read,
        as_json,
        lambda: out.print(
            f"created escalation policy [bold]{read.slug}[/] with {counted(len(read.levels), 'level')}"
        ),
    )


@app.command("edit")
def edit_policy(
    slug: str = typer.Argument(...),
    version: int = typer.Option(..., help="the version you looked at (a stale one is refused)"),
    name: str | None = typer.Option(None),
    level: list[str] = typer.Option([], help="replace the levels: 'kind:ref,kind:ref@minutes'"),
    repeats: int | None = typer.Option(None, min=0, max=9),
    as_json: bool = JsonOption,
) -> None:
    """Rename a policy, replace its levels or change its repeats."""
    changes = {"name": name, "levels": [_level(text) for text in level] or None, "repeats": repeats}
    with unit_of_work(write=True) as session:
        data = schemas.PolicyUpdate.model_validate(
            {"version": version, **{k: v for k, v in changes.items() if v is not None}}
        )
        read = schemas.PolicyRead.model_validate(
            oncall.update_policy(session, actor=actor(session), slug=slug, data=data)
        )
    emit(
        read,
        as_json,
        lambda: out.print(f"escalation policy [bold]{slug}[/] now at version {read.version}"),
    )


@app.command("delete")
def delete_policy(
    slug: str = typer.Argument(...),
    version: int = typer.Option(..., help="the version you looked at (a stale one is refused)"),
) -> None:
    """Delete an escalation policy; escalations walking it stop at their next step."""
    with unit_of_work(write=True) as session:
        oncall.delete_policy(session, actor=actor(session), slug=slug, version=version)
    out.print(f"deleted escalation policy [bold]{slug}[/]")


@app.command("list")
def list_policies(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            schemas.PolicyRead.model_validate(p)
            for p in oncall.list_policies(session, actor=actor(session))
        ]

    def describe(p: schemas.PolicyRead) -> str:
        return " → ".join(
            ", ".join(f"{t.kind}:{t.ref}" for t in lvl.targets) + f" ({lvl.timeout_minutes} min)"
            for lvl in p.levels
        )

    emit(
        rows,
        as_json,
        lambda: table(
            "Escalation policies",
            ["Slug", "Squad", "Levels", "Repeats"],
            [(p.slug, p.squad_slug, describe(p), p.repeats) for p in rows],
        ),
    )

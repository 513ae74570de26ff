"""`opsroom platform settings show|set|clear|history`: the settings a platform overrides and
those it inherits."""

from __future__ import annotations

import orjson
import typer

from opsroom.audit.schemas import Overrides, ScopedSettings
from opsroom.auth.console import JsonOption, actor, emit, fail, out, table, unit_of_work
from opsroom.infra.errors import ValidationFailed
from opsroom.platforms import service as platforms

settings_app = typer.Typer(
    help="Settings a platform overrides; the rest inherited from the installation's.",
    no_args_is_help=True,
)

PlatformArgument = typer.Argument(..., help="platform slug")
DocumentArgument = typer.Argument(
    ...,
    help="incident-policy, review-settings, working-hours, availability-targets "
    "or change-approval-policy",
)


def _shown(found: ScopedSettings, as_json: bool) -> None:
    emit(
        found,
        as_json,
        lambda: table(
            f"{found.document} on {found.platform} (version {found.version})",
            ["setting", "value", "from"],
            [(s.name, orjson.dumps(s.value).decode(), s.source) for s in found.settings],
        ),
    )


@settings_app.command("show")
def show(
    platform: str = PlatformArgument, document: str = DocumentArgument, as_json: bool = JsonOption
) -> None:
    """Each setting in force on the platform and where it comes from."""
    with unit_of_work() as session:
        found = platforms.show(session, actor=actor(session), platform=platform, document=document)
    _shown(found, as_json)


def _parsed(assignments: list[str]) -> dict[str, object]:
    """NAME=VALUE pairs, each VALUE in JSON (a bare word is taken as a string)."""
    parsed: dict[str, object] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not name:
            fail("write each setting as NAME=VALUE", ValidationFailed.exit_code)
        try:
            parsed[name] = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed[name] = value
    return parsed


@settings_app.command("set")
def set_(
    platform: str = PlatformArgument,
    document: str = DocumentArgument,
    assignments: list[str] = typer.Argument(..., help='NAME=VALUE, VALUE in JSON: major="[1,2]"'),
    as_json: bool = JsonOption,
) -> None:
    """Override settings on the platform; the others stay as they are."""
    overrides = _parsed(assignments)
    with unit_of_work(write=True) as session:
        who = actor(session)
        held = platforms.show(session, actor=who, platform=platform, document=document).version
        found = platforms.override(
            session,
            actor=who,
            platform=platform,
            document=document,
            data=Overrides(version=held, overrides=overrides),
        )
    _shown(found, as_json)


@settings_app.command("clear")
def clear(
    platform: str = PlatformArgument,
    document: str = DocumentArgument,
    names: list[str] = typer.Argument(None, help="the overrides to clear; none named: every one"),
    as_json: bool = JsonOption,
) -> None:
    """Clear overrides: the platform inherits those settings again."""
    with unit_of_work(write=True) as session:
        who = actor(session)
        held = platforms.show(session, actor=who, platform=platform, document=document).version
        found = platforms.clear(
            session,
            actor=who,
            platform=platform,
            document=document,
            names=names or [],
            version=held,
        )
    _shown(found, as_json)


@settings_app.command("history")
def history(
    platform: str = PlatformArgument, document: str = DocumentArgument, as_json: bool = JsonOption
) -> None:
    """Every version of the platform's overrides, the latest first."""
    with unit_of_work() as session:
        versions = platforms.history(
            session, actor=actor(session), platform=platform, document=document
        )
    if not versions and not as_json:
        out.print(f"{platform} has never overridden {document}")
        return
    emit(
        versions,
        as_json,
        lambda: table(
            f"{document} on {platform}",
            ["version", "at", "by", "change", "before", "after"],
            [
                (
                    v.version,
                    f"{v.at:%Y-%m-%d %H:%M}",
                    v.actor,
                    v.action,
                    orjson.dumps(v.before).decode(),
                    orjson.dumps(v.after).decode(),
                )
                for v in versions
            ],
        ),
    )

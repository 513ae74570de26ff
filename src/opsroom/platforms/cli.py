"""`opsroom platform settings show|set|clear|history`: the settings a platform overrides and
those it inherits; and `opsroom settings show|set|reset|history`: the installation's own
values of the documents every platform inherits."""

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
installation_app = typer.Typer(
    help="The installation's working hours, availability targets and change approval "
    "policy: what every platform inherits unless it overrides it.",
    no_args_is_help=True,
)

PlatformArgument = typer.Argument(..., help="platform slug")
DocumentArgument = typer.Argument(
    ...,
    help="incident-policy, review-settings, working-hours, availability-targets "
    "or change-approval-policy",
)
InstallationDocument = typer.Argument(
    ..., help="working-hours, availability-targets or change-approval-policy"
)
Assignments = typer.Argument(..., help='NAME=VALUE, VALUE in JSON: major="[1,2]"')
INSTALLATION = "the installation"


def _where(platform: str | None) -> str:
    return platform or INSTALLATION


def _shown(found: ScopedSettings, as_json: bool) -> None:
    emit(
        found,
        as_json,
        lambda: table(
            f"{found.document} on {found.platform or INSTALLATION} (version {found.version})",
            ["setting", "value", "from"],
            [(s.name, orjson.dumps(s.value).decode(), s.source) for s in found.settings],
        ),
    )


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


def _show(platform: str | None, document: str, as_json: bool) -> None:
    with unit_of_work() as session:
        found = platforms.show(session, actor=actor(session), platform=platform, document=document)
    _shown(found, as_json)


def _set(platform: str | None, document: str, assignments: list[str], as_json: bool) -> None:
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


def _clear(platform: str | None, document: str, names: list[str], as_json: bool) -> None:
    with unit_of_work(write=True) as session:
        who = actor(session)
        held = platforms.show(session, actor=who, platform=platform, document=document).version
        found = platforms.clear(
            session, actor=who, platform=platform, document=document, names=names, version=held
        )
    _shown(found, as_json)


def _history(platform: str | None, document: str, as_json: bool) -> None:
    with unit_of_work() as session:
        versions = platforms.history(
            session, actor=actor(session), platform=platform, document=document
        )
    if not versions and not as_json:
        out.print(f"{document} of {_where(platform)} has never changed")
        return
    emit(
        versions,
        as_json,
        lambda: table(
            f"{document} on {_where(platform)}",
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


@settings_app.command("show")
def show(
    platform: str = PlatformArgument, document: str = DocumentArgument, as_json: bool = JsonOption
) -> None:
    """Each setting in force on the platform and where it comes from."""
    _show(platform, document, as_json)


@settings_app.command("set")
def set_(
    platform: str = PlatformArgument,
    document: str = DocumentArgument,
    assignments: list[str] = Assignments,
    as_json: bool = JsonOption,
) -> None:
    """Override settings on the platform; the others stay as they are."""
    _set(platform, document, assignments, as_json)


@settings_app.command("clear")
def clear(
    platform: str = PlatformArgument,
    document: str = DocumentArgument,
    names: list[str] = typer.Argument(None, help="the overrides to clear; none named: every one"),
    as_json: bool = JsonOption,
) -> None:
    """Clear overrides: the platform inherits those settings again."""
    _clear(platform, document, names or [], as_json)


@settings_app.command("history")
def history(
    platform: str = PlatformArgument, document: str = DocumentArgument, as_json: bool = JsonOption
) -> None:
    """Every version of the platform's overrides, the latest first."""
    _history(platform, document, as_json)


@installation_app.command("show")
def installation_show(document: str = InstallationDocument, as_json: bool = JsonOption) -> None:
    """Each setting of the installation's document: shipped default or set here."""
    _show(None, document, as_json)


@installation_app.command("set")
def installation_set(
    document: str = InstallationDocument,
    assignments: list[str] = Assignments,
    as_json: bool = JsonOption,
) -> None:
    """Set settings for the whole installation (guild leads and admins)."""
    _set(None, document, assignments, as_json)


@installation_app.command("reset")
def installation_reset(
    document: str = InstallationDocument,
    names: list[str] = typer.Argument(None, help="the settings to reset; none named: every one"),
    as_json: bool = JsonOption,
) -> None:
    """Put settings back to their shipped defaults."""
    _clear(None, document, names or [], as_json)


@installation_app.command("history")
def installation_history(document: str = InstallationDocument, as_json: bool = JsonOption) -> None:
    """Every version of the installation's document, the latest first."""
    _history(None, document, as_json)

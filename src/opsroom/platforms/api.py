"""/api/v1/platforms/{slug}/settings: the settings a platform overrides and those it
inherits, its overrides changed and cleared, and the history of each document; and
/api/v1/settings, the installation's own values of the documents every platform inherits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from opsroom.audit.schemas import Overrides, ScopedSettings, SettingsVersion
from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import errors
from opsroom.platforms import service as platforms

router = APIRouter(prefix="/api/v1/platforms/{platform}/settings", tags=["platforms"])


@router.get("", responses=errors(404))
def list_settings(session: DbSession, actor: Actor, platform: str) -> dict[str, ScopedSettings]:
    """Every document the platform may override, each setting saying where it comes from."""
    return platforms.show_all(session, actor=actor, platform=platform)


@router.get("/{document}", responses=errors(404))
def get_settings(session: DbSession, actor: Actor, platform: str, document: str) -> ScopedSettings:
    """The document as it holds on the platform: each setting inherited or overridden."""
    return platforms.show(session, actor=actor, platform=platform, document=document)


@router.put("/{document}", responses=errors(403, 404, 409, 422))
def override_settings(
    session: DbSession, actor: Actor, platform: str, document: str, data: Overrides
) -> ScopedSettings:
    """Override the settings named (each with its whole value); the others are untouched.
    Send the version of the platform's overrides you read."""
    return platforms.override(session, actor=actor, platform=platform, document=document, data=data)


@router.delete("/{document}", responses=errors(403, 404, 409, 422))
def clear_settings(
    session: DbSession,
    actor: Actor,
    platform: str,
    document: str,
    version: Annotated[int, Query(description="the version of the overrides you read")],
    setting: Annotated[
        list[str], Query(description="the overrides to clear; none named: every one")
    ] = [],  # noqa: B006 - FastAPI copies defaults
) -> ScopedSettings:
    """Clear overrides: the platform inherits those settings again."""
    return platforms.clear(
        session,
        actor=actor,
        platform=platform,
        document=document,
        names=setting,
        version=version,
    )


@router.get("/{document}/history", responses=errors(404))
def settings_history(
    session: DbSession, actor: Actor, platform: str, document: str
) -> list[SettingsVersion]:
    """Every version of the platform's overrides, the latest first: who changed them, when."""
    return platforms.history(session, actor=actor, platform=platform, document=document)


# --- the installation's own values of the documents that have no page of their own ----------

installation = APIRouter(prefix="/api/v1/settings", tags=["platforms"])


@installation.get("", responses=errors())
def list_installation_settings(session: DbSession, actor: Actor) -> dict[str, ScopedSettings]:
    """The installation's working hours, availability targets and change approval policy:
    what every platform inherits unless it overrides it."""
    return platforms.show_all(session, actor=actor, platform=None)


@installation.get("/{document}", responses=errors(404))
def get_installation_settings(session: DbSession, actor: Actor, document: str) -> ScopedSettings:
    """The installation's document: each setting, shipped default or set here."""
    return platforms.show(session, actor=actor, platform=None, document=document)


@installation.put("/{document}", responses=errors(403, 404, 409, 422))
def set_installation_settings(
    session: DbSession, actor: Actor, document: str, data: Overrides
) -> ScopedSettings:
    """Set the settings named for the whole installation (guild leads and admins). Send the
    version of the installation's document you read."""
    return platforms.override(session, actor=actor, platform=None, document=document, data=data)


@installation.delete("/{document}", responses=errors(403, 404, 409, 422))
def reset_installation_settings(
    session: DbSession,
    actor: Actor,
    document: str,
    version: Annotated[int, Query(description="the version of the document you read")],
    setting: Annotated[
        list[str], Query(description="the settings to reset; none named: every one")
    ] = [],  # noqa: B006 - FastAPI copies defaults
) -> ScopedSettings:
    """Put settings back to their shipped defaults."""
    return platforms.clear(
        session, actor=actor, platform=None, document=document, names=setting, version=version
    )


@installation.get("/{document}/history", responses=errors(404))
def installation_settings_history(
    session: DbSession, actor: Actor, document: str
) -> list[SettingsVersion]:
    """Every version of the installation's document, the latest first."""
    return platforms.history(session, actor=actor, platform=None, document=document)

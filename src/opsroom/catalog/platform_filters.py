"""The platform filter every list takes, one way per adapter: `PlatformFilter` and
`PlatformsFilter` for the API's query parameters, `PlatformOption` and `PlatformsOption` for
the CLI, `ListPlatform` and `ListPlatforms` for the pages (which fall back on the platform the
person remembers). An unknown platform is refused naming the field, never an empty list."""

from __future__ import annotations

from typing import Annotated

import typer
from fastapi import Depends, Query, Request

from opsroom.auth.deps import Actor, DbSession
from opsroom.catalog import service as catalog


def _platform_filter(
    session: DbSession,
    platform: Annotated[
        str | None, Query(description="platform slug; an unknown one is refused (422)")
    ] = None,
) -> str | None:
    return catalog.platform_filter(session, platform)


def _platforms_filter(
    session: DbSession,
    platform: Annotated[
        list[str],
        Query(
            description="platform slug, repeatable: records of any of them; an unknown one "
            "is refused (422)"
        ),
    ] = [],  # noqa: B006 - FastAPI copies defaults
) -> list[str]:
    return catalog.platforms_filter(session, platform)


# Every list narrowed by platform reads it through one of these parameters: lists that take
# several values of their other filters take several platforms too.
PlatformFilter = Annotated[str | None, Depends(_platform_filter)]
PlatformsFilter = Annotated[list[str], Depends(_platforms_filter)]


# Every list narrowed by platform takes it the same way (checked by catalog.platform_filter).
PlatformOption = typer.Option(None, "--platform", help="platform slug: only its records")
PlatformsOption = typer.Option(
    [], "--platform", help="platform slug, repeat for several: only their records"
)


def _listed_platforms(request: Request, session: DbSession, principal: Actor) -> list[str]:
    """The platforms a list page shows: those the address names (named blank: every
    platform), else the one the person remembers. The layout's picker shows the one chosen
    (with several, the address alone says which)."""
    named = request.query_params.getlist("platform")
    remembered = [principal.default_platform] if principal.default_platform else []
    chosen = catalog.platforms_filter(session, named if named else remembered)
    request.state.platform = chosen[0] if len(chosen) == 1 else None
    return chosen


# Every list page narrows by platform through one of these parameters.
ListPlatforms = Annotated[list[str], Depends(_listed_platforms)]


def _listed_platform(request: Request, chosen: ListPlatforms) -> str | None:
    """A list that shows one platform at a time shows the last one the address names."""
    platform = chosen[-1] if chosen else None
    request.state.platform = platform
    return platform


ListPlatform = Annotated[str | None, Depends(_listed_platform)]

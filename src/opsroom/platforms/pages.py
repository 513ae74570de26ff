"""A platform's settings page: each setting in force, whether it is inherited or overridden
here, the forms to override or clear it (for those who govern the platform), and the
history of each document."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.audit.schemas import Overrides
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.catalog import service as catalog
from opsroom.infra.errors import ValidationFailed
from opsroom.platforms import service as platforms
from opsroom.web.pages import Failure, Posted, render, saved_or_again

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def _settings_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: str | None,
    failure: Failure | None = None,
) -> Response:
    """A platform's settings page, or the installation's (`platform` None)."""
    documents = platforms.show_all(session, actor=actor, platform=platform)
    context = {
        "platform": catalog.get_platform(session, platform) if platform else None,
        "documents": documents,
        "histories": {
            name: platforms.history(session, actor=actor, platform=platform, document=name)
            for name in documents
        },
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "platforms/settings.html", context, status=status)


@router.get("/platforms/{platform}/settings")
def settings_page(request: Request, session: DbSession, actor: Actor, platform: str) -> Response:
    return _settings_page(request, session, actor, platform)


def _value(setting: str, text: str) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ValidationFailed(
            f"the value of {setting} is not JSON", fields={setting: "write the value in JSON"}
        ) from None


def _version(form: Posted) -> int:
    try:
        return int(str(form.get("version", "")))
    except ValueError:
        raise ValidationFailed(
            "the form lacks the version it was read at: reload the page",
            fields={"version": "required"},
        ) from None


@router.get("/settings")
def installation_page(request: Request, session: DbSession, actor: Actor) -> Response:
    return _settings_page(request, session, actor, None)


@router.post("/platforms/{platform}/settings/{document}")
def override_setting(
    request: Request, session: DbSession, actor: Actor, platform: str, document: str, form: Posted
) -> Response:
    return _override(request, session, actor, platform, document, form)


@router.post("/settings/{document}")
def set_installation_setting(
    request: Request, session: DbSession, actor: Actor, document: str, form: Posted
) -> Response:
    return _override(request, session, actor, None, document, form)


def _override(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: str | None,
    document: str,
    form: Posted,
) -> Response:
    setting = str(form.get("setting", ""))

    def change() -> object:
        overrides = {setting: _value(setting, str(form.get("value", "")))}
        data = Overrides(version=_version(form), overrides=overrides)
        return platforms.override(
            session, actor=actor, platform=platform, document=document, data=data
        )

    return _saved(request, session, actor, platform, f"{document}:{setting}", form, change)


@router.post("/platforms/{platform}/settings/{document}/clear")
def clear_setting(
    request: Request, session: DbSession, actor: Actor, platform: str, document: str, form: Posted
) -> Response:
    return _clear(request, session, actor, platform, document, form)


@router.post("/settings/{document}/clear")
def reset_installation_setting(
    request: Request, session: DbSession, actor: Actor, document: str, form: Posted
) -> Response:
    return _clear(request, session, actor, None, document, form)


def _clear(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: str | None,
    document: str,
    form: Posted,
) -> Response:
    setting = str(form.get("setting", ""))

    def change() -> object:
        return platforms.clear(
            session,
            actor=actor,
            platform=platform,
            document=document,
            names=[setting],
            version=_version(form),
        )

    return _saved(request, session, actor, platform, f"{document}:{setting}", form, change)


def _saved(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: str | None,
    name: str,
    form: Posted,
    change: Callable[[], object],
) -> Response:
    return saved_or_again(
        session,
        name,
        form,
        change,
        page=partial(_settings_page, request, session, actor, platform),
        then=f"{_address(platform)}#{name.replace(':', '-')}",
    )


def _address(platform: str | None) -> str:
    return f"/platforms/{platform}/settings" if platform else "/settings"

"""What every page shares: rendering inside the layout, htmx partials, optional filters,
forms refused by the rules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, BeforeValidator, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.infra.config import Settings
from opsroom.infra.errors import Conflict, Forbidden, ValidationFailed
from opsroom.infra.errors_http import is_htmx

# The posted form field carrying the session's CSRF token (checked before any route runs).
CSRF_FIELD = "csrf_token"
# Pages that list things per platform: switching platform keeps you on them.
PLATFORM_PAGES = frozenset(
    {
        "/",
        "/actions",
        "/alerts",
        "/changes",
        "/freezes",
        "/incidents",
        "/issues",
        "/journeys",
        "/known-errors",
        "/kpis",
        "/oncall",
        "/problems",
        "/raci",
        "/reviews",
        "/risks",
        "/series",
        "/services",
        "/slos",
        "/squads",
        "/tickets",
        "/vendors",
    }
)

Result = TypeVar("Result")
Schema = TypeVar("Schema", bound=BaseModel)
Actor = TypeVar("Actor")


def _blank_is_none(value: Any) -> Any:
    # A plain GET form sends every field, empty ones as "".
    return None if value == "" else value


BlankIsNone = BeforeValidator(_blank_is_none)
Filter = Annotated[str | None, BlankIsNone]


def _is_partial(request: Request) -> bool:
    """An htmx request for part of a page (a history restore wants the whole page)."""
    return is_htmx(request) and "hx-history-restore-request" not in request.headers


def _address(request: Request) -> str:
    """The request's path and non-empty parameters: what the address bar should show."""
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if v])
    return request.url.path + (f"?{query}" if query else "")


def _switch_target(path: str) -> str:
    section = "/" + path.strip("/").split("/")[0]
    return section if section in PLATFORM_PAGES else "/"


# What the layout shows around every page (the platforms, the open major incidents): the
# application provides it, as `app.state.shell`, from the domains this kit sits below.
Shell = Callable[[Session, Any], Mapping[str, Any]]


def render(
    request: Request,
    session: Session,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> Response:
    """A page inside the layout, or only `partial` when htmx asks for it."""
    templates: Jinja2Templates = request.app.state.templates
    if partial is not None and _is_partial(request):
        response = templates.TemplateResponse(request, partial, context, status_code=status)
        response.headers["HX-Push-Url"] = _address(request)
    else:
        around: Shell = request.app.state.shell
        shell = {
            **around(session, getattr(request.state, "principal", None)),
            # A list page settles its platform (the address's, or the one remembered).
            "current_platform": getattr(
                request.state, "platform", request.query_params.get("platform") or None
            ),
            "switch_target": _switch_target(request.url.path),
            "platform_pages": PLATFORM_PAGES,
        }
        response = templates.TemplateResponse(
            request, template, {**shell, **context}, status_code=status
        )
    response.headers["Vary"] = "HX-Request"
    return response


# --- forms -----------------------------------------------------------------------------


async def _posted(request: Request) -> FormData:
    return await request.form()


Posted = Annotated[FormData, Depends(_posted)]


def parse_form(
    model: type[Schema], form: FormData, *, lists: frozenset[str] = frozenset()
) -> Schema:
    """A schema from a posted form: blank fields take their defaults; `lists` may repeat."""
    data: dict[str, Any] = {}
    for name in dict.fromkeys(form.keys()):
        values = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
        if name != CSRF_FIELD and values:
            data[name] = values if name in lists else values[0]
    return model.model_validate(data)


def settings_of(request: Request) -> Settings:
    """The settings the app was created with: what a route reads when it has no session."""
    settings: Settings = request.app.state.settings
    return settings


def zone_of(request: Request) -> ZoneInfo:
    """The time zone the pages show times in, and read typed times in."""
    return ZoneInfo(settings_of(request).timezone)


def in_zone(value: str, zone: ZoneInfo) -> str:
    """A `datetime-local` field means the wall clock of the configured time zone."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value  # left for the schema to refuse, named by its field
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def see_other(url: str) -> Response:
    """Post/redirect/get: where the browser goes once a form has been saved."""
    return RedirectResponse(url, status_code=303)


@dataclass(frozen=True)
class Failure:
    """A refused form: shown next to that form, filled in again with what was sent."""

    form: str
    status: int
    message: str
    fields: dict[str, str]
    values: Mapping[str, Any]


def _problem(error: ErrorDetails) -> str:
    return "required" if error["type"] == "missing" else error["msg"]


Refused = Conflict | Forbidden | ValidationFailed | ValidationError
# What a page answers next to the form: its fields or the current state refused it. A page
# that shows its forms again with any refusal answers "not allowed" there too.
FORM_REFUSALS: tuple[type[Refused], ...] = (Conflict, ValidationFailed, ValidationError)
ANY_REFUSAL: tuple[type[Refused], ...] = (*FORM_REFUSALS, Forbidden)


def _failure(form: str, exc: Refused, values: Mapping[str, Any]) -> Failure:
    if not isinstance(exc, ValidationError):
        return Failure(form, exc.status, exc.message, exc.fields, values)
    fields: dict[str, str] = {}
    for error in exc.errors():
        fields.setdefault(str(error["loc"][0]) if error["loc"] else "form", _problem(error))
    return Failure(form, 422, "check the fields marked below", fields, values)


def attempt(
    session: Session,
    form: str,
    values: Mapping[str, Any],
    change: Callable[[], Result],
    *,
    answered: tuple[type[Refused], ...] = FORM_REFUSALS,
) -> Result | Failure:
    """Run one change; if it is refused for one of the `answered` reasons, undo anything it
    flushed and say why. Anything else (not found, not allowed unless answered) goes to the
    error page."""
    try:
        return change()
    except answered as exc:
        session.rollback()
        return _failure(form, exc, values)


def elsewhere(request: Request, session: Session, actor: Any, key: str) -> Mapping[str, Any]:
    """What a record's page shows of its counterparts in other tools (its Jira issue, its
    Confluence page): the application provides it as `app.state.elsewhere`."""
    shown: Callable[[Session, Any, str], Mapping[str, Any]] = request.app.state.elsewhere
    return shown(session, actor, key)


def saved_or_again(
    session: Session,
    form: str,
    values: Mapping[str, Any],
    change: Callable[[], object],
    *,
    page: Callable[[Failure], Response],
    then: str,
) -> Response:
    """Run a form's change. Once saved, the browser goes on to `then` (post/redirect/get);
    refused for any reason, "not allowed" included, `page` is shown again with the refusal
    beside the form that was sent."""
    outcome = attempt(session, form, values, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return page(outcome)
    return see_other(then)


@dataclass(frozen=True)
class RecordForms(Generic[Actor]):
    """The forms on a record's page, each posting back to it (see `saved_or_again`)."""

    page: Callable[[Request, Session, Actor, str, Failure], Response]
    # the record's key and the form's name -> where the browser goes once saved
    address: Callable[[str, str], str]

    def apply(
        self,
        request: Request,
        session: Session,
        actor: Actor,
        key: str,
        form: FormData,
        name: str,
        change: Callable[[], object],
    ) -> Response:
        again = partial(self.page, request, session, actor, key)
        return saved_or_again(session, name, form, change, page=again, then=self.address(key, name))

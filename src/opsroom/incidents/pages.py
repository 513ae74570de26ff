"""Incidents in the browser: the live list, declaring one, and working it to resolution."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth import service as accounts
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide, require
from opsroom.auth.domain import Role as AccountRole
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatforms
from opsroom.incidents import policy, schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, LinkKind, Priority, Role, Status, Transition
from opsroom.infra.apidoc import RecordId
from opsroom.infra.errors import NotFound
from opsroom.web.pages import (
    ANY_REFUSAL,
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    attempt,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# The pages a vendor contact may open too: the use cases show them only the incidents their
# vendor is engaged on. Included after `router`, so `/incidents/new` is not taken for a key.
engaged = APIRouter(include_in_schema=False)

INCIDENTS_PER_PAGE = 50
# The list's live region: its timed refresh must not add a browser-history entry each time.
LIVE_RESULTS = "incident-results"
PARTICIPANT_KINDS = ("person", "squad", "vendor", "stakeholder")
# Where each form sends you back to once it has been saved.
AFTER = {
    "transition": "",
    "roles": "#roles",
    "updates": "#latest",
    "notes": "#latest",
    "tasks": "#tasks",
    "participants": "#participants",
    "links": "#links",
    "edit": "",
    "priority": "",
}
# The moves asked for again before they are made, with what the confirmation asks.
CONFIRMED = {
    Transition.RESOLVE: "Resolution summary: what fixed it",
    Transition.CLOSE: "Closing note",
    Transition.CANCEL: "Why it was declared in error",
}

Schema = TypeVar("Schema", bound=BaseModel)


class IncidentFilters(BaseModel):
    status: Annotated[Status | None, BlankIsNone] = None
    priority: Annotated[Priority | None, BlankIsNone] = None
    service: Filter = None
    squad: Filter = None
    platform: list[str] = []
    major: Annotated[bool | None, BlankIsNone] = None
    open: Annotated[bool | None, BlankIsNone] = None
    q: Filter = None
    cursor: Filter = None

    def criteria(self) -> dict[str, Any]:
        return {
            "status": [self.status] if self.status else [],
            "priority": [self.priority] if self.priority else [],
            "service": self.service,
            "squad": self.squad,
            "platforms": self.platform,
            "major": self.major,
            "open_only": bool(self.open),
            "text": self.q,
        }

    @property
    def active(self) -> bool:
        return any(self.model_dump(exclude={"cursor"}).values())


def _in_place(response: Response) -> Response:
    """A timed refresh replaces part of the page without adding to the browser history."""
    response.headers["HX-Push-Url"] = "false"
    return response


# --- the list -----------------------------------------------------------------------------


@router.get("/incidents")
def incident_list(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatforms,
    filters: Annotated[IncidentFilters, Query()],
) -> Response:
    filters = filters.model_copy(update={"platform": platform})
    page = incidents.search(
        session, actor=actor, limit=INCIDENTS_PER_PAGE, cursor=filters.cursor, **filters.criteria()
    )
    context = {
        "page": page,
        "summaries": [incidents.summary(i) for i in page.items],
        "filters": filters,
        "statuses": list(Status),
        "priorities": list(Priority),
        # The choices are a platform's when the list shows one, else every platform's.
        "services": catalog_service.all_services(session, platform=request.state.platform),
        "squads": catalog_service.list_squads(session, platform=request.state.platform),
        # The table refreshes on its own, outside the layout that names platforms.
        "platform_names": {p.slug: p.name for p in catalog_service.list_platforms(session)},
    }
    response = render(
        request, session, "incidents/list.html", context, partial="incidents/_table.html"
    )
    return _in_place(response) if request.headers.get("hx-trigger") == LIVE_RESULTS else response


@engaged.get("/incidents/banner")
def banner(request: Request, session: DbSession, actor: Actor) -> Response:
    context = {"major_incidents": incidents.open_major(session, actor=actor)}
    template = "incidents/_banner.html"
    return _in_place(render(request, session, template, context, partial=template))


# --- declaring ----------------------------------------------------------------------------


def _declare_page(
    request: Request,
    session: Session,
    actor: Principal,
    values: FormData,
    failure: Failure | None = None,
) -> Response:
    context = {
        "services": catalog_service.all_services(session),
        "priorities": list(Priority),
        "matrix": policy.read(session).matrix,
        "people": accounts.directory(session, actor=actor),
        "values": values,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "incidents/new.html", context, status=status)


@router.get("/incidents/new")
def declare_form(
    request: Request, session: DbSession, actor: Actor, service: Filter = None
) -> Response:
    values = FormData([("services", service)] if service else [])
    return _declare_page(request, session, actor, values)


@router.post("/incidents")
def declare(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = parse_form(schemas.IncidentCreate, form, lists=frozenset({"services"}))
        return incidents.declare(session, actor=actor, data=data).key

    outcome = attempt(session, "declare", form, change)
    if isinstance(outcome, Failure):
        return _declare_page(request, session, actor, form, outcome)
    return see_other(f"/incidents/{outcome}")


# --- one incident -------------------------------------------------------------------------


# What domains above this one show on an incident's page (suspect changes, matching known
# errors): the application provides it as `app.state.incident_panels`.
Panels = Callable[[Session, Principal, str], Mapping[str, Any]]


def _header(session: Session, actor: Principal, key: str) -> dict[str, Any]:
    incident = incidents.read(session, incidents.get(session, actor=actor, key=key))
    return {
        "incident": incident,
        "slas": [(sla, sla.state) for sla in incident.sla],
        "roles": list(Role),
        # Working the incident (every form on its page) needs a responder at least.
        "work": decide(actor, Action.WORK_INCIDENTS),
    }


def _affected(session: Session, slug: str) -> dict[str, Any]:
    return {
        "service": catalog_service.get_service(session, slug),
        "blast": catalog_service.blast_radius(session, slug),
    }


def _engaged_detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None
) -> Response:
    """What a vendor contact sees of an incident their vendor is engaged on."""
    incident = incidents.read(session, incidents.get(session, actor=actor, key=key))
    panels: Panels = request.app.state.incident_panels
    context = {
        **panels(session, actor, key),
        "incident": incident,
        "slas": [(sla, sla.state) for sla in incident.sla],
        "updates": incidents.status_updates(session, actor=actor, key=key),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "incidents/engaged.html", context, status=status)


def _choices(session: Session, actor: Principal) -> dict[str, Any]:
    """What the forms of an incident's page offer to pick from, by name."""
    return {
        "services": catalog_service.all_services(session),
        "people": accounts.directory(session, actor=actor),
        "squads": catalog_service.list_squads(session),
        "vendors": catalog_service.list_vendors(session),
    }


def _detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    if actor.role is AccountRole.VENDOR_CONTACT:
        return _engaged_detail(request, session, actor, key, failure)
    require(actor, Action.READ)
    header = _header(session, actor, key)
    panels: Panels = request.app.state.incident_panels
    context = {
        **panels(session, actor, key),
        **header,
        "affected": [_affected(session, slug) for slug in header["incident"].services],
        "journey_names": {j.slug: j.name for j in catalog_service.list_journeys(session)},
        "timeline": incidents.timeline(session, actor=actor, key=key),
        "tasks": incidents.tasks(session, actor=actor, key=key),
        "links": incidents.links(session, actor=actor, key=key),
        "audiences": list(Audience),
        "link_kinds": list(LinkKind),
        "participant_kinds": PARTICIPANT_KINDS,
        **(_choices(session, actor) if header["work"].allowed or failure else {}),
        "priorities": list(Priority),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "incidents/detail.html", context, status=status)


@engaged.get("/incidents/{key}")
def incident_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _detail(request, session, actor, key)


@router.get("/incidents/{key}/header")
def incident_header(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    template = "incidents/_header.html"
    context = _header(session, actor, key)
    return _in_place(render(request, session, template, context, partial=template))


@dataclass(frozen=True)
class Posting:
    """One form posted about one incident, and who posted it."""

    request: Request
    session: Session
    actor: Principal
    key: str
    form: FormData

    def data(self, model: type[Schema]) -> Schema:
        return parse_form(model, self.form)

    def apply(
        self,
        form_name: str,
        change: Callable[[], object],
        refused: Callable[[Failure], Response] | None = None,
    ) -> Response:
        """Post/redirect/get once saved; else the page again (the incident's, or `refused`),
        the refusal next to the form."""
        outcome = attempt(self.session, form_name, self.form, change, answered=ANY_REFUSAL)
        if isinstance(outcome, Failure):
            if refused is not None:
                return refused(outcome)
            return _detail(self.request, self.session, self.actor, self.key, outcome)
        return see_other(f"/incidents/{self.key}{AFTER[form_name]}")


def _posting(request: Request, session: DbSession, actor: Actor, form: Posted, key: str) -> Posting:
    return Posting(request, session, actor, key, form)


Post = Annotated[Posting, Depends(_posting)]


@router.post("/incidents/{key}/transition/{move}")
def transition(post: Post, move: Transition) -> Response:
    return post.apply(
        "transition",
        lambda: incidents.transition(
            post.session,
            actor=post.actor,
            key=post.key,
            move=move,
            data=post.data(schemas.TransitionIn),
        ),
    )


def _asked(move: Transition) -> str:
    if move not in CONFIRMED:
        raise NotFound(f"{move.value} needs no confirmation")
    return CONFIRMED[move]


def _confirm_page(
    request: Request,
    session: Session,
    actor: Principal,
    key: str,
    move: Transition,
    failure: Failure | None = None,
) -> Response:
    context = {
        **_header(session, actor, key),
        "move": move,
        "asked": _asked(move),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "incidents/confirm.html", context, status=status)


@router.get("/incidents/{key}/confirm/{move}")
def confirm_form(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition
) -> Response:
    """Resolving, closing or cancelling asks first (and, resolving, for the summary)."""
    return _confirm_page(request, session, actor, key, move)


@router.post("/incidents/{key}/confirm/{move}")
def confirm(post: Post, move: Transition) -> Response:
    _asked(move)
    return post.apply(
        "transition",
        lambda: incidents.transition(
            post.session,
            actor=post.actor,
            key=post.key,
            move=move,
            data=post.data(schemas.TransitionIn),
        ),
        refused=partial(_confirm_page, post.request, post.session, post.actor, post.key, move),
    )


def _edited(form: FormData) -> schemas.IncidentUpdate:
    """The edit form sends every field: a blank one is cleared (or refused), never skipped."""
    fields = ("version", "title", "description", "impact", "urgency", "bridge_url")
    data: dict[str, Any] = {name: form.get(name, "") for name in fields}
    return schemas.IncidentUpdate.model_validate({**data, "services": form.getlist("services")})


@router.post("/incidents/{key}/edit")
def edit(post: Post) -> Response:
    return post.apply(
        "edit",
        lambda: incidents.update(
            post.session, actor=post.actor, key=post.key, data=_edited(post.form)
        ),
    )


@router.post("/incidents/{key}/priority")
def reprioritise(post: Post) -> Response:
    return post.apply(
        "priority",
        lambda: incidents.override_priority(
            post.session, actor=post.actor, key=post.key, data=post.data(schemas.PriorityOverride)
        ),
    )


@router.post("/incidents/{key}/roles")
def assign_role(post: Post) -> Response:
    return post.apply(
        "roles",
        lambda: incidents.assign_role(
            post.session, actor=post.actor, key=post.key, data=post.data(schemas.RoleIn)
        ),
    )


@engaged.post("/incidents/{key}/updates")
def post_status_update(post: Post) -> Response:
    return post.apply(
        "updates",
        lambda: incidents.post_status_update(
            post.session, actor=post.actor, key=post.key, data=post.data(schemas.StatusUpdateIn)
        ),
    )


@router.post("/incidents/{key}/notes")
def add_note(post: Post) -> Response:
    return post.apply(
        "notes",
        lambda: incidents.add_note(
            post.session, actor=post.actor, key=post.key, text=post.data(schemas.NoteIn).text
        ),
    )


@router.post("/incidents/{key}/tasks")
def add_task(post: Post) -> Response:
    return post.apply(
        "tasks",
        lambda: incidents.add_task(
            post.session, actor=post.actor, key=post.key, data=post.data(schemas.TaskIn)
        ),
    )


@router.post("/incidents/{key}/tasks/{task_id}")
def set_task_done(post: Post, task_id: RecordId) -> Response:
    return post.apply(
        "tasks",
        lambda: incidents.set_task_done(
            post.session,
            actor=post.actor,
            key=post.key,
            task_id=task_id,
            done=post.data(schemas.TaskDone).done,
        ),
    )


@router.post("/incidents/{key}/participants")
def add_participant(post: Post) -> Response:
    return post.apply(
        "participants",
        lambda: incidents.add_participant(
            post.session, actor=post.actor, key=post.key, data=post.data(schemas.ParticipantIn)
        ),
    )


@router.post("/incidents/{key}/links")
def add_link(post: Post) -> Response:
    return post.apply(
        "links",
        lambda: incidents.link(
            post.session, actor=post.actor, key=post.key, data=post.data(schemas.LinkIn)
        ),
    )

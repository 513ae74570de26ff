"""Freezes in the browser: the list (per platform), declaring one over the platforms,
services or journeys it names ("everything" only by an administrator), ending one early
and removing one; refusals beside the form that was sent."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.changes import governance, schemas
from opsroom.web.pages import Failure, Posted, parse_form, render, saved_or_again

router = APIRouter(include_in_schema=False, dependencies=[can_read])

SCOPE_LISTS = frozenset({"platforms", "services", "journeys"})


def _freezes(
    request: Request,
    session: Session,
    actor: Principal,
    platform: str | None = None,
    failure: Failure | None = None,
) -> Response:
    found = governance.list_freezes(session, actor=actor, platform=platform)
    context = {
        "freezes": [governance.read_freeze(session, f) for f in found],
        "may_freeze": decide(actor, Action.GOVERN).allowed,
        "may_freeze_everything": decide(actor, Action.ADMINISTER).allowed,
        "services": catalog.all_services(session),
        "journeys": catalog.list_journeys(session),
        "values": failure.values if failure else FormData(),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "changes/freezes.html", context, status=status)


def _shown_again(
    request: Request, session: Session, actor: Principal
) -> Callable[[Failure], Response]:
    """The list again, with the refusal beside the form that was sent."""
    return lambda failure: _freezes(request, session, actor, failure=failure)


@router.get("/freezes")
def freeze_list(
    request: Request, session: DbSession, actor: Actor, platform: ListPlatform
) -> Response:
    return _freezes(request, session, actor, platform)


@router.post("/freezes")
def declare_freeze(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> object:
        data = parse_form(schemas.FreezeCreate, form, lists=SCOPE_LISTS)
        return governance.create_freeze(session, actor=actor, data=data)

    return saved_or_again(
        session, "freeze", form, change, page=_shown_again(request, session, actor), then="/freezes"
    )


@router.post("/freezes/{slug}/end")
def end_freeze(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    def change() -> object:
        return governance.end_freeze(session, actor=actor, slug=slug)

    return saved_or_again(
        session,
        f"row-{slug}",
        form,
        change,
        page=_shown_again(request, session, actor),
        then="/freezes",
    )


@router.post("/freezes/{slug}/delete")
def remove_freeze(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    def change() -> None:
        governance.delete_freeze(session, actor=actor, slug=slug)

    return saved_or_again(
        session,
        f"row-{slug}",
        form,
        change,
        page=_shown_again(request, session, actor),
        then="/freezes",
    )

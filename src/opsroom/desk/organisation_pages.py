"""The customer organisations in the browser: the list with a form for a new one, and each
organisation's page with its requesters and a form to change its domains and platforms."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.catalog import service as catalog
from opsroom.desk import organisations, schemas
from opsroom.web.pages import Failure, Posted, render, saved_or_again

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def _listed(form: FormData) -> dict[str, list[str]]:
    """Domains one per line (or separated by spaces or commas), platforms as checkboxes."""
    domains = str(form.get("domains", "")).replace(",", " ").split()
    return {"domains": domains, "platforms": [str(p) for p in form.getlist("platforms")]}


def _list_page(
    request: Request, session: Session, actor: Principal, failure: Failure | None = None
) -> Response:
    found = organisations.all_organisations(session, actor=actor)
    context = {
        "organisations": [organisations.read(session, o) for o in found],
        "platforms": catalog.list_platforms(session),
        "govern": decide(actor, Action.GOVERN),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/organisations.html", context, status=status)


@router.get("/organisations")
def organisation_list(request: Request, session: DbSession, actor: Actor) -> Response:
    return _list_page(request, session, actor)


@router.post("/organisations")
def add_organisation(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> object:
        data = schemas.OrganisationCreate.model_validate({"name": form.get("name")} | _listed(form))
        return organisations.create(session, actor=actor, data=data)

    return saved_or_again(
        session,
        "organisation",
        form,
        change,
        page=lambda failure: _list_page(request, session, actor, failure),
        then=f"/organisations/{form.get('name', '')}",
    )


def _detail(
    request: Request,
    session: Session,
    actor: Principal,
    name: str,
    failure: Failure | None = None,
) -> Response:
    organisation = organisations.read(session, organisations.get(session, actor=actor, name=name))
    context = {
        "organisation": organisation,
        "platforms": catalog.list_platforms(session),
        "govern": decide(actor, Action.GOVERN, platforms=organisation.platforms),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/organisation.html", context, status=status)


@router.get("/organisations/{name}")
def organisation_page(request: Request, session: DbSession, actor: Actor, name: str) -> Response:
    return _detail(request, session, actor, name)


@router.post("/organisations/{name}")
def change_organisation(
    request: Request, session: DbSession, actor: Actor, name: str, form: Posted
) -> Response:
    def change() -> object:
        data = schemas.OrganisationUpdate.model_validate(
            {"version": form.get("version")} | _listed(form)
        )
        return organisations.update(session, actor=actor, name=name, data=data)

    return saved_or_again(
        session,
        "organisation",
        form,
        change,
        page=lambda failure: _detail(request, session, actor, name, failure),
        then=f"/organisations/{name}",
    )

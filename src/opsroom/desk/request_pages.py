"""The request catalog in the browser: requesters (and the desk for them) pick a request
type and answer its questions; operations managers keep the catalog; the approvers of a
request approve or decline its waiting step on the ticket's page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, Role, decide
from opsroom.catalog import service as catalog
from opsroom.desk import requesting, schemas
from opsroom.desk.domain import Approver, Decision, FieldType, Priority
from opsroom.desk.pages import apply_on_ticket, customers
from opsroom.web.pages import (
    ANY_REFUSAL,
    Failure,
    Posted,
    attempt,
    render,
    saved_or_again,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# Requesters' pages as much as the desk's: the service shows each what they may ask for.
portal = APIRouter(include_in_schema=False)


def _request_page(
    request: Request,
    session: Session,
    actor: Principal,
    slug: str,
    failure: Failure | None = None,
) -> Response:
    kind = requesting.read_type(requesting.get_type(session, actor=actor, slug=slug))
    context = {
        "kind": kind,
        "requester": actor.role is Role.REQUESTER,
        "organisations": customers(session, actor),
        "values": failure.values if failure else FormData(),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/request.html", context, status=status)


@portal.get("/requests/new/{slug}")
def request_form(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    return _request_page(request, session, actor, slug)


@portal.post("/requests/new/{slug}")
def make_request(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    def change() -> str:
        answers = {k[len("answer_") :]: str(v) for k, v in form.items() if k.startswith("answer_")}
        given = {k: form.get(k) or None for k in ("title", "requester", "organisation")}
        data = schemas.RequestIn.model_validate({"type": slug, "answers": answers} | given)
        return requesting.make_request(session, actor=actor, data=data).key

    outcome = attempt(session, "request", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _request_page(request, session, actor, slug, outcome)
    return see_other(f"/tickets/{outcome}")


@router.post("/tickets/{key}/approvals/{decision}")
def decide_approval(
    request: Request, session: DbSession, actor: Actor, key: str, decision: Decision, form: Posted
) -> Response:
    def change() -> object:
        data = schemas.ApprovalIn(note=str(form.get("note", "")))
        return requesting.decide(session, actor=actor, key=key, decision=decision, data=data)

    return apply_on_ticket(request, session, actor, key, form, "approval", change)


# --- keeping the catalog --------------------------------------------------------------------


def _catalog_page(
    request: Request, session: Session, actor: Principal, failure: Failure | None = None
) -> Response:
    context = {
        "types": [requesting.read_type(k) for k in requesting.list_types(session, actor=actor)],
        "services": catalog.all_services(session),
        "priorities": list(Priority),
        "approvers": list(Approver),
        "govern": decide(actor, Action.GOVERN),
        "failure": failure,
        "values": failure.values if failure else FormData(),
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/request_types.html", context, status=status)


def _questions(text: str) -> list[dict[str, object]]:
    """One question a line: `name; label; type; required or optional; choice, choice`."""
    questions = []
    for line in filter(str.strip, text.splitlines()):
        name, label, kind, need, choices, *_ = [*line.split(";"), "", "", "", ""]
        questions.append(
            {
                "name": name.strip(),
                "label": label.strip() or name.strip(),
                "type": kind.strip() or FieldType.TEXT,
                "required": need.strip() == "required",
                "choices": [c.strip() for c in choices.split(",") if c.strip()],
            }
        )
    return questions


@router.get("/request-types")
def catalog_page(request: Request, session: DbSession, actor: Actor) -> Response:
    return _catalog_page(request, session, actor)


@router.post("/request-types")
def add_request_type(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> object:
        given = {k: form.get(k) or None for k in ("slug", "name", "service", "squad", "priority")}
        data = schemas.RequestTypeCreate.model_validate(
            {k: v for k, v in given.items() if v is not None}
            | {
                "description": str(form.get("description", "")),
                "fields": _questions(str(form.get("fields", ""))),
                "approvals": [{"approver": a} for a in form.getlist("approvals")],
            }
        )
        return requesting.create_type(session, actor=actor, data=data)

    return saved_or_again(
        session,
        "request_type",
        form,
        change,
        page=lambda failure: _catalog_page(request, session, actor, failure),
        then="/request-types",
    )

"""The service desk in the browser: the queue, a ticket with its replies and internal notes,
the portal where requesters report something and follow their organisation's tickets, and
the satisfaction survey a requester answers from the link in their email."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, Role, decide
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import ListPlatforms
from opsroom.desk import inbound, organisations, requesting, schemas, sla, surveys
from opsroom.desk import service as desk
from opsroom.desk.api import download
from opsroom.desk.domain import Kind, Priority, Status, Transition, Weekday
from opsroom.infra.apidoc import RecordId
from opsroom.web.pages import (
    Failure,
    Filter,
    Posted,
    RecordForms,
    attempt,
    parse_form,
    render,
    saved_or_again,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])
# Requesters' pages as much as the desk's: the service shows each only what is theirs.
portal = APIRouter(include_in_schema=False)
# Reached from an email by a requester who has no account: the survey's token is the key.
links = APIRouter(include_in_schema=False)

QUEUE_SIZE = 500


@router.get("/tickets")
def queue(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatforms,
    squad: Filter = None,
    status: Filter = None,
    organisation: Filter = None,
) -> Response:
    chosen = [Status(status)] if status in set(Status) else []
    page = desk.search(
        session,
        actor=actor,
        squad=squad,
        platforms=platform,
        status=chosen,
        organisation=organisation,
        limit=QUEUE_SIZE,
    )
    context = {
        "tickets": [desk.read(t, actor) for t in page.items],
        "csat": surveys.csat(session, actor=actor, squad=squad),
        "squad": squad or "",
        "status": status or "",
        "statuses": list(Status),
    }
    return render(request, session, "desk/queue.html", context)


def _detail(
    request: Request,
    session: Session,
    actor: Principal,
    key: str,
    failure: Failure | None = None,
    canned: str | None = None,
) -> Response:
    """The ticket; for the desk, its platform's canned responses, the one `canned` names
    written into the reply form."""
    ticket = desk.read(desk.get(session, actor=actor, key=key), actor)
    requester = actor.role is Role.REQUESTER
    responses = () if requester else sla.settings_of(session, ticket.platform).canned
    context = {
        "ticket": ticket,
        "moves": list(Transition),
        "failure": failure,
        "requester": requester,
        "canned": responses,
        "prefill": next((c.body for c in responses if c.title == canned), ""),
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/ticket.html", context, status=status)


@portal.get("/portal")
def requester_home(request: Request, session: DbSession, actor: Actor) -> Response:
    """A requester's home: their organisation's tickets, newest first."""
    page = desk.search(session, actor=actor, limit=QUEUE_SIZE)
    context = {
        "tickets": [desk.read(t, actor) for t in page.items],
        "catalog": requesting.list_types(session, actor=actor),
    }
    return render(request, session, "desk/portal.html", context)


def customers(session: Session, actor: Principal) -> list[str]:
    """The organisations the desk may report for (a requester reports for their own)."""
    if actor.role is Role.REQUESTER:
        return []
    return [o.name for o in organisations.all_organisations(session, actor=actor)]


def _report_page(
    request: Request,
    session: Session,
    actor: Principal,
    values: FormData,
    failure: Failure | None = None,
) -> Response:
    context = {
        "services": catalog.all_services(session),
        "kinds": list(Kind),
        "priorities": list(Priority),
        "requester": actor.role is Role.REQUESTER,
        "organisations": customers(session, actor),
        "values": values,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/new.html", context, status=status)


@portal.get("/tickets/new")
def report_form(request: Request, session: DbSession, actor: Actor) -> Response:
    return _report_page(request, session, actor, FormData())


@portal.post("/tickets")
def report(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = parse_form(schemas.TicketCreate, form)
        return desk.open_ticket(session, actor=actor, data=data).key

    outcome = attempt(session, "report", form, change)
    if isinstance(outcome, Failure):
        return _report_page(request, session, actor, form, outcome)
    return see_other(f"/tickets/{outcome}")


@portal.get("/tickets/{key}")
def ticket_page(
    request: Request, session: DbSession, actor: Actor, key: str, canned: Filter = None
) -> Response:
    return _detail(request, session, actor, key, canned=canned)


@portal.get("/tickets/{key}/attachments/{attachment_id}")
def attachment_file(
    session: DbSession, actor: Actor, key: str, attachment_id: RecordId
) -> Response:
    return download(inbound.attachment(session, actor=actor, key=key, attachment_id=attachment_id))


apply_on_ticket = RecordForms(_detail, lambda key, name: f"/tickets/{key}").apply


@portal.post("/tickets/{key}/messages")
def add_message(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return apply_on_ticket(
        request,
        session,
        actor,
        key,
        form,
        "message",
        lambda: desk.add_message(
            session, actor=actor, key=key, data=parse_form(schemas.MessageIn, form)
        ),
    )


@router.post("/tickets/{key}/move/{move}")
def move_ticket(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    return apply_on_ticket(
        request,
        session,
        actor,
        key,
        form,
        "move",
        lambda: desk.transition(
            session, actor=actor, key=key, move=move, data=parse_form(schemas.TicketMove, form)
        ),
    )


@router.post("/tickets/{key}/incident")
def escalate(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return apply_on_ticket(
        request,
        session,
        actor,
        key,
        form,
        "incident",
        lambda: desk.escalate(
            session, actor=actor, key=key, data=parse_form(schemas.EscalationIn, form)
        ),
    )


# --- a platform's desk settings ---------------------------------------------------------------


def _settings_page(
    request: Request,
    session: Session,
    actor: Principal,
    platform: str,
    failure: Failure | None = None,
) -> Response:
    context = {
        "platform": platform,
        "settings": sla.read_settings(session, actor=actor, platform=platform),
        "priorities": list(Priority),
        "weekdays": list(Weekday),
        "govern": decide(actor, Action.GOVERN, platforms=[platform]),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "desk/settings.html", context, status=status)


def _settings_form(form: FormData) -> schemas.DeskSettingsRead:
    """Two minutes fields per priority, opening and closing time per weekday (both blank:
    closed), holidays one per line, canned responses one per line as `title: text`."""

    def day(name: str) -> dict[str, object] | None:
        opens, closes = form.get(f"{name}_opens"), form.get(f"{name}_closes")
        return {"opens": opens, "closes": closes} if opens or closes else None

    return schemas.DeskSettingsRead.model_validate(
        {
            "version": form.get("version"),
            "zone": form.get("zone"),
            "reopen_days": form.get("reopen_days"),
            "holidays": str(form.get("holidays", "")).split(),
            "canned_responses": [
                {"title": title.strip(), "body": body.strip()}
                for title, _, body in (
                    line.partition(":") for line in str(form.get("canned", "")).splitlines()
                )
                if title.strip()
            ],
            "hours": {d.value: day(d.value) for d in Weekday},
            "targets": {
                p.name: {
                    "first_response": form.get(f"{p.name}_first_response"),
                    "resolution": form.get(f"{p.name}_resolution"),
                }
                for p in Priority
            },
        }
    )


@router.get("/desk/settings/{platform}")
def settings_page(request: Request, session: DbSession, actor: Actor, platform: str) -> Response:
    return _settings_page(request, session, actor, platform)


@router.post("/desk/settings/{platform}")
def save_settings(
    request: Request, session: DbSession, actor: Actor, platform: str, form: Posted
) -> Response:
    def change() -> object:
        data = _settings_form(form)
        return sla.replace_settings(session, actor=actor, platform=platform, data=data)

    return saved_or_again(
        session,
        "settings",
        form,
        change,
        page=lambda failure: _settings_page(request, session, actor, platform, failure),
        then=f"/desk/settings/{platform}",
    )


# --- the survey, from the requester's email ---------------------------------------------------


def _survey_page(
    request: Request, session: Session, token: str, failure: Failure | None = None
) -> Response:
    context = {"survey": surveys.survey(session, token=token), "token": token, "failure": failure}
    status = failure.status if failure else 200
    return render(request, session, "desk/survey.html", context, status=status)


@links.get("/surveys/{token}")
def survey_page(request: Request, session: DbSession, token: str) -> Response:
    """The question; answering takes a click on the form, so mail scanners answer nothing."""
    return _survey_page(request, session, token)


@links.post("/surveys/{token}")
def answer_survey(request: Request, session: DbSession, token: str, form: Posted) -> Response:
    outcome = attempt(
        session,
        "survey",
        form,
        lambda: surveys.answer(session, token=token, data=parse_form(schemas.SurveyAnswer, form)),
    )
    if isinstance(outcome, Failure):
        return _survey_page(request, session, token, outcome)
    return see_other(f"/surveys/{token}")

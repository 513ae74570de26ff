"""Problems in the browser: the board, opening one, the problem page with its fields, root-cause
analysis and known error, proposals from recurring incidents, the known-error search and the
settings of problem management, reviews and action items."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.improvement import schemas as settings_schemas
from opsroom.improvement import service as settings
from opsroom.improvement.domain import REVIEW_SECTIONS
from opsroom.infra.apidoc import RecordId
from opsroom.problems import recurrence, schemas
from opsroom.problems import service as problems
from opsroom.problems.domain import Status, Transition
from opsroom.web.pages import (
    ANY_REFUSAL,
    Failure,
    Filter,
    Posted,
    RecordForms,
    attempt,
    elsewhere,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

BOARD_SIZE = 500
SQUAD_SECTION_SIZE = 20
AFTER = {"move": "", "edit": "", "rca": "#rca", "known_error": "#known-error", "link": "#incidents"}


@router.get("/problems")
def board(
    request: Request, session: DbSession, actor: Actor, platform: ListPlatform, squad: Filter = None
) -> Response:
    page = problems.search(session, actor=actor, squad=squad, platform=platform, limit=BOARD_SIZE)
    summaries = [problems.summary(p) for p in page.items]
    context = {
        "columns": [(s, [p for p in summaries if p.status is s]) for s in Status],
        "proposals": [
            recurrence.read_proposal(p) for p in recurrence.proposals(session, actor=actor)
        ],
        "figures": problems.figures(session, actor=actor, squad=squad, platform=platform),
        "squads": catalog_service.list_squads(session, platform=platform),
        "squad": squad,
    }
    return render(request, session, "problems/board.html", context)


@router.get("/squads/{slug}/problems")
def squad_problems(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    """The squad page's section: the problems it owns that are still open."""
    catalog_service.get_squad(session, slug)
    page = problems.search(
        session, actor=actor, squad=slug, open_only=True, limit=SQUAD_SECTION_SIZE
    )
    context = {
        "squad": slug,
        "problems": [problems.summary(p) for p in page.items],
        "more": page.next_cursor is not None,
    }
    return render(request, session, "problems/_squad.html", context)


@router.get("/known-errors")
def known_error_search(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatform,
    q: Filter = None,
    service: Filter = None,
) -> Response:
    found = problems.known_errors(session, actor=actor, text=q, service=service, platform=platform)
    context = {
        "known_errors": found,
        "q": q or "",
        "service": service,
        "services": catalog_service.all_services(session),
    }
    return render(request, session, "problems/known_errors.html", context)


def _settings_page(
    request: Request, session: Session, actor: Principal, failure: Failure | None = None
) -> Response:
    current = settings.read(session, actor=actor)
    context = {
        "settings": current,
        "priorities": settings_schemas.PRIORITY_LABELS,
        "sections": REVIEW_SECTIONS,
        "failure": failure,
    }
    return render(
        request,
        session,
        "problems/settings.html",
        context,
        status=failure.status if failure else 200,
    )


def _settings_form(form: FormData) -> settings_schemas.ProblemSettings:
    """Priorities as checkboxes, categories one per line, due days one field per priority."""
    lines = str(form.get("categories", "")).splitlines()
    return settings_schemas.ProblemSettings.model_validate(
        {
            name: form.get(name)
            for name in (
                "version",
                "review_due_business_days",
                "recurrence_incidents",
                "recurrence_days",
                "recurrence_similarity",
                "escalate_after_days",
            )
        }
        | {
            "review_priorities": form.getlist("review_priorities"),
            "review_required_sections": form.getlist("review_required_sections"),
            "review_needs_actions": "review_needs_actions" in form,
            "review_second_approval": "review_second_approval" in form,
            "categories": [line for line in lines if line.strip()],
            "action_due_days": {p: form.get(f"due_{p}") for p in settings_schemas.PRIORITY_LABELS},
        }
    )


@router.get("/problems/settings")
def settings_page(request: Request, session: DbSession, actor: Actor) -> Response:
    return _settings_page(request, session, actor)


@router.post("/problems/settings")
def save_settings(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> object:
        data = _settings_form(form)
        return settings.replace(session, actor=actor, doc=data, version=data.version)

    outcome = attempt(session, "settings", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _settings_page(request, session, actor, outcome)
    return see_other("/problems/settings")


def _new_page(
    request: Request, session: Session, values: FormData, failure: Failure | None = None
) -> Response:
    context = {
        "services": catalog_service.all_services(session),
        "values": values,
        "failure": failure,
    }
    return render(
        request, session, "problems/new.html", context, status=failure.status if failure else 200
    )


@router.get("/problems/new")
def new_problem(request: Request, session: DbSession, incident: Filter = None) -> Response:
    return _new_page(request, session, FormData([("incidents", incident)] if incident else []))


@router.post("/problems")
def create_problem(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = parse_form(schemas.ProblemCreate, form, lists=frozenset({"services", "incidents"}))
        return problems.create(session, actor=actor, data=data).key

    outcome = attempt(session, "create", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _new_page(request, session, form, outcome)
    return see_other(f"/problems/{outcome}")


@router.post("/problems/proposals/{proposal_id}/{decision}")
def decide(
    session: DbSession,
    actor: Actor,
    proposal_id: RecordId,
    decision: Annotated[str, Path(pattern="^(accept|dismiss)$")],
) -> Response:
    if decision == "accept":
        problem = recurrence.accept_proposal(session, actor=actor, proposal_id=proposal_id)
        return see_other(f"/problems/{problem.key}")
    recurrence.dismiss_proposal(session, actor=actor, proposal_id=proposal_id)
    return see_other("/problems#proposals")


def detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    problem = problems.read(session, problems.get(session, actor=actor, key=key))
    context = {
        **elsewhere(request, session, actor, key),
        "problem": problem,
        "timeline": problems.timeline(session, actor=actor, key=key),
        "categories": problems.categories(session),
        "services": catalog_service.all_services(session),
        "squads": catalog_service.list_squads(session),
        "labels": {t: t.value.replace("_", " ").capitalize() for t in Transition},
        "failure": failure,
    }
    return render(
        request, session, "problems/detail.html", context, status=failure.status if failure else 200
    )


@router.get("/problems/{key}")
def problem_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return detail(request, session, actor, key)


_apply = RecordForms(detail, lambda key, name: f"/problems/{key}{AFTER[name]}").apply


@router.post("/problems/{key}/move/{move}")
def move_problem(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "move",
        lambda: problems.transition(
            session, actor=actor, key=key, move=move, data=parse_form(schemas.ProblemMove, form)
        ),
    )


def _rca(form: FormData) -> schemas.RcaIn:
    """Whys one per line; factors one per line as `category: what`."""
    whys = [line.strip() for line in str(form.get("five_whys", "")).splitlines() if line.strip()]
    factors: list[dict[str, Any]] = []
    for line in str(form.get("factors", "")).splitlines():
        category, _, text = line.partition(":")
        if line.strip():
            factors.append({"category": category.strip().lower(), "description": text.strip()})
    return schemas.RcaIn.model_validate(
        {
            "version": form.get("version"),
            "five_whys": whys,
            "root_cause": form.get("root_cause", ""),
            "factors": factors,
        }
    )


@router.post("/problems/{key}/edit")
def edit_problem(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "edit",
        lambda: problems.update(
            session,
            actor=actor,
            key=key,
            data=parse_form(schemas.ProblemUpdate, form, lists=frozenset({"services"})),
        ),
    )


@router.post("/problems/{key}/rca")
def record_rca(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "rca",
        lambda: problems.record_rca(session, actor=actor, key=key, data=_rca(form)),
    )


def _known_error(form: FormData) -> schemas.KnownErrorIn:
    labels = {
        name.strip(): value.strip()
        for name, _, value in (
            line.partition("=") for line in str(form.get("match_labels", "")).splitlines()
        )
        if name.strip()
    }
    return schemas.KnownErrorIn.model_validate(
        {
            "version": form.get("version"),
            "symptom": form.get("symptom", ""),
            "workaround": form.get("workaround", ""),
            "match_services": form.getlist("match_services"),
            "match_labels": labels,
            "match_title": form.get("match_title", ""),
        }
    )


@router.post("/problems/{key}/known-error")
def record_known_error(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "known_error",
        lambda: problems.record_known_error(session, actor=actor, key=key, data=_known_error(form)),
    )


@router.post("/problems/{key}/incidents")
def link_incident(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    return _apply(
        request,
        session,
        actor,
        key,
        form,
        "link",
        lambda: problems.link_incident(
            session,
            actor=actor,
            key=key,
            incident=parse_form(schemas.LinkIncidentIn, form).incident,
        ),
    )

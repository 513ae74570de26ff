"""The risk and issue registers in the browser: the register with its filters, heat map
and ranking, raising a risk, a risk's page (scores and their history, evidence, mitigations,
acceptance), and the issue register."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.actions.domain import Kind
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.incidents.domain import Priority
from opsroom.infra.errors import ValidationFailed
from opsroom.risks import interchange, issues, links, reports, schemas
from opsroom.risks import records as register
from opsroom.risks import service as risks
from opsroom.risks.domain import Assessment, IssueTransition, Status, Transition, Treatment
from opsroom.web.pages import (
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    RecordForms,
    attempt,
    parse_form,
    render,
    see_other,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

TOP_RISKS = 10
AFFECTED = frozenset({"services", "journeys", "vendors"})


class RegisterFilters(BaseModel):
    platform: Filter = None
    category: Filter = None
    squad: Filter = None
    status: Annotated[Status | None, BlankIsNone] = None

    def criteria(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "category": self.category,
            "squad": self.squad,
            "status": [self.status] if self.status else [],
        }


def _describing(session: Session) -> dict[str, Any]:
    """What the forms describing a risk offer to choose from."""
    return {
        "squads": catalog.list_squads(session),
        "treatments": list(Treatment),
        "services": catalog.all_services(session),
        "journeys": catalog.list_journeys(session),
        "vendors": catalog.list_vendors(session),
    }


def _platform(session: Session, chosen: str | None) -> str:
    return chosen or catalog.list_platforms(session)[0].slug


def _register(
    request: Request,
    session: Session,
    actor: Principal,
    filters: RegisterFilters,
    values: Mapping[str, Any] | None = None,
    failure: Failure | None = None,
) -> Response:
    platform = _platform(session, filters.platform)
    found = reports.register(session, actor=actor, **filters.criteria())
    context = {
        "risks": [reports.summary(session, r) for r in found],
        "filters": filters,
        "platform": platform,
        "heat": reports.heat_map(
            session, actor=actor, platform=platform, category=filters.category
        ),
        "top": reports.ranking(session, actor=actor, platform=platform)[:TOP_RISKS],
        "settings": register.settings_of(session, platform),
        "platforms": catalog.list_platforms(session),
        "statuses": list(Status),
        "values": values or FormData(),
        "failure": failure,
    } | _describing(session)
    return render(
        request, session, "risks/register.html", context, status=failure.status if failure else 200
    )


@router.get("/risks")
def register_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatform,
    category: Filter = None,
    squad: Filter = None,
    status: Filter = None,
) -> Response:
    filters = RegisterFilters.model_validate(
        {"platform": platform, "category": category, "squad": squad, "status": status}
    )
    return _register(request, session, actor, filters)


@router.post("/risks")
def raise_risk(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = parse_form(schemas.RiskCreate, form, lists=AFFECTED)
        return risks.create(session, actor=actor, data=data).key

    outcome = attempt(session, "raise", form, change)
    if isinstance(outcome, Failure):
        return _register(request, session, actor, RegisterFilters(), form, outcome)
    return see_other(f"/risks/{outcome}")


@router.post("/risks/import")
def import_register(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    """A register file uploaded: applied whole, or refused with each bad row named."""
    upload = form.get("file")

    def change() -> interchange.Applied:
        if isinstance(upload, str) or upload is None or not upload.filename:
            raise ValidationFailed("choose a .csv or .xlsx file", fields={"file": "required"})
        fmt = upload.filename.rpartition(".")[2].lower()
        if fmt not in set(interchange.Format):
            raise ValidationFailed(
                "a register file is .csv or .xlsx", fields={"file": "csv or xlsx"}
            )
        content = upload.file.read()
        return interchange.apply(session, actor=actor, content=content, fmt=interchange.Format(fmt))

    outcome = attempt(session, "import", FormData(), change)
    if isinstance(outcome, Failure):
        return _register(request, session, actor, RegisterFilters(), None, outcome)
    return see_other(f"/risks?imported={outcome.raised + outcome.updated}")


# --- one risk -----------------------------------------------------------------------------


def _detail(
    request: Request, session: Session, actor: Principal, key: str, failure: Failure | None = None
) -> Response:
    risk = register.get(session, actor=actor, key=key)
    read = reports.read(session, risk)
    settings = register.settings_of(session, risk.platform_slug)
    context = {
        "risk": read,
        "settings": settings,
        "matrix": settings.matrix,
        "current": _as_sent(read),
        "timeline": risks.timeline(session, actor=actor, key=key),
        "kinds": list(Kind),
        "priorities": list(Priority),
        "assessments": list(Assessment),
        "failure": failure,
    } | _describing(session)
    return render(
        request, session, "risks/detail.html", context, status=failure.status if failure else 200
    )


@router.get("/risks/{key}")
def risk_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _detail(request, session, actor, key)


_apply = RecordForms(_detail, lambda key, name: f"/risks/{key}#{name}").apply


EDITED = ("title", "category", "owner", "owner_squad", "treatment", "treatment_plan")
DESCRIBED = ("description", "causes", "consequences")


def _as_sent(read: schemas.RiskRead) -> FormData:
    """The edit form filled in with what the risk holds, as the browser would send it."""
    fields = [(name, str(getattr(read, name))) for name in (*EDITED, *DESCRIBED, "version")]
    dated = [("review_on", read.review_on.isoformat())] if read.review_on else []
    lists = [(name, slug) for name in sorted(AFFECTED) for slug in getattr(read, name)]
    return FormData([*fields, *dated, *lists])


def _edited(form: FormData) -> schemas.RiskUpdate:
    """The edit form sends every field: a blank one is cleared, an unchosen list emptied."""
    data: dict[str, Any] = {name: form.get(name, "") for name in (*EDITED, *DESCRIBED)}
    data |= {name: [v for v in form.getlist(name) if v] for name in AFFECTED}
    return schemas.RiskUpdate.model_validate(
        data | {"version": form.get("version"), "review_on": form.get("review_on") or None}
    )


@router.post("/risks/{key}/edit")
def edit(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        return risks.update(session, actor=actor, key=key, data=_edited(form))

    return _apply(request, session, actor, key, form, "edit", change)


@router.post("/risks/{key}/score")
def score(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        return risks.score(session, actor=actor, key=key, data=parse_form(schemas.ScoreIn, form))

    return _apply(request, session, actor, key, form, "score", change)


@router.post("/risks/{key}/move/{move}")
def move(
    request: Request, session: DbSession, actor: Actor, key: str, move: Transition, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.RiskMove, form)
        return risks.transition(session, actor=actor, key=key, move=move, data=data)

    return _apply(request, session, actor, key, form, "move", change)


@router.post("/risks/{key}/accept")
def accept(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        data = parse_form(schemas.AcceptanceIn, form)
        return risks.accept(session, actor=actor, key=key, data=data)

    return _apply(request, session, actor, key, form, "accept", change)


@router.post("/risks/{key}/links")
def link(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        record = parse_form(schemas.LinkIn, form).record
        return links.link(session, actor=actor, key=key, record=record)

    return _apply(request, session, actor, key, form, "evidence", change)


@router.post("/risks/{key}/links/{record}/remove")
def unlink(
    request: Request, session: DbSession, actor: Actor, key: str, record: str, form: Posted
) -> Response:
    def change() -> object:
        return links.unlink(session, actor=actor, key=key, record=record)

    return _apply(request, session, actor, key, form, "evidence", change)


@router.post("/risks/{key}/mitigations")
def mitigate(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.MitigationIn, form)
        return risks.mitigate(session, actor=actor, key=key, data=data)

    return _apply(request, session, actor, key, form, "mitigations", change)


# --- issues -------------------------------------------------------------------------------


def _issues(
    request: Request,
    session: Session,
    actor: Principal,
    values: Mapping[str, Any] | None = None,
    failure: Failure | None = None,
    platform: str | None = None,
) -> Response:
    context = {
        "issues": [issues.read(i) for i in issues.search(session, actor=actor, platform=platform)],
        "squads": catalog.list_squads(session),
        "values": values or FormData(),
        "failure": failure,
    }
    return render(
        request, session, "risks/issues.html", context, status=failure.status if failure else 200
    )


@router.get("/issues")
def issues_page(
    request: Request, session: DbSession, actor: Actor, platform: ListPlatform
) -> Response:
    return _issues(request, session, actor, platform=platform)


@router.post("/issues")
def raise_issue(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> object:
        return issues.create(session, actor=actor, data=parse_form(schemas.IssueCreate, form))

    outcome = attempt(session, "raise", form, change)
    if isinstance(outcome, Failure):
        return _issues(request, session, actor, form, outcome)
    return see_other("/issues")


@router.post("/issues/{key}/due")
def reschedule_issue(
    request: Request, session: DbSession, actor: Actor, key: str, form: Posted
) -> Response:
    def change() -> object:
        data = parse_form(schemas.IssueUpdate, form)
        return issues.update(session, actor=actor, key=key, data=data)

    return _issue_answer(request, session, actor, key, form, change)


@router.post("/issues/{key}/move/{move}")
def move_issue(
    request: Request,
    session: DbSession,
    actor: Actor,
    key: str,
    move: IssueTransition,
    form: Posted,
) -> Response:
    def change() -> object:
        data = parse_form(schemas.IssueMove, form)
        return issues.transition(session, actor=actor, key=key, move=move, data=data)

    return _issue_answer(request, session, actor, key, form, change)


def _issue_answer(
    request: Request,
    session: Session,
    actor: Principal,
    key: str,
    form: FormData,
    change: Callable[[], object],
) -> Response:
    """An issue row's form: saved, back to the register; refused, beside that row."""
    outcome = attempt(session, key, form, change)
    if isinstance(outcome, Failure):
        return _issues(request, session, actor, None, outcome)
    return see_other(f"/issues#{key}")

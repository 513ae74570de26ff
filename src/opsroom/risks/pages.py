"""The risk and issue registers in the browser: the register with its filters, heat map
and ranking, raising a risk, a risk's page (scores and their history, evidence, mitigations,
acceptance), and the issue register."""

from __future__ import annotations

from collections.abc import Mapping
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
        "squads": catalog.list_squads(session),
        "statuses": list(Status),
        "treatments": list(Treatment),
        "services": catalog.all_services(session),
        "journeys": catalog.list_journeys(session),
        "vendors": catalog.list_vendors(session),
        "values": values or FormData(),
        "failure": failure,
    }
    return render(
        request, session, "risks/register.html", context, status=failure.status if failure else 200
    )


@router.get("/risks")
def register_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: Filter = None,
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
    context = {
        "risk": reports.read(session, risk),
        "matrix": register.settings_of(session, risk.platform_slug).matrix,
        "timeline": risks.timeline(session, actor=actor, key=key),
        "squads": catalog.list_squads(session),
        "kinds": list(Kind),
        "priorities": list(Priority),
        "assessments": list(Assessment),
        "failure": failure,
    }
    return render(
        request, session, "risks/detail.html", context, status=failure.status if failure else 200
    )


@router.get("/risks/{key}")
def risk_page(request: Request, session: DbSession, actor: Actor, key: str) -> Response:
    return _detail(request, session, actor, key)


_apply = RecordForms(_detail, lambda key, name: f"/risks/{key}#{name}").apply


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
) -> Response:
    context = {
        "issues": [issues.read(i) for i in issues.search(session, actor=actor)],
        "squads": catalog.list_squads(session),
        "values": values or FormData(),
        "failure": failure,
    }
    return render(
        request, session, "risks/issues.html", context, status=failure.status if failure else 200
    )


@router.get("/issues")
def issues_page(request: Request, session: DbSession, actor: Actor) -> Response:
    return _issues(request, session, actor)


@router.post("/issues")
def raise_issue(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> object:
        return issues.create(session, actor=actor, data=parse_form(schemas.IssueCreate, form))

    outcome = attempt(session, "raise", form, change)
    if isinstance(outcome, Failure):
        return _issues(request, session, actor, form, outcome)
    return see_other("/issues")


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

    outcome = attempt(session, key, form, change)
    if isinstance(outcome, Failure):
        return _issues(request, session, actor, None, outcome)
    return see_other("/issues")

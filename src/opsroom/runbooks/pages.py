"""Runbooks on an incident's page: running one with the incident's context, and approving
or rejecting a risky run (the platform's operations manager)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.infra.apidoc import RecordId
from opsroom.runbooks import schemas, service
from opsroom.web.pages import ANY_REFUSAL, Failure, Posted, attempt, parse_form, render, see_other

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def _answer(request: Request, session: DbSession, key: str, outcome: object) -> Response:
    """On to the incident's runbooks once saved; refused, the refusal and the way back."""
    if isinstance(outcome, Failure):
        context = {"incident_key": key, "failure": outcome}
        return render(request, session, "runbooks/refused.html", context, status=outcome.status)
    return see_other(f"/incidents/{key}#runbooks")


@router.post("/incidents/{key}/runbook-runs")
def run(request: Request, session: DbSession, actor: Actor, key: str, form: Posted) -> Response:
    def change() -> object:
        data = parse_form(schemas.RunIn, form)
        return service.run(session, actor=actor, key=key, data=data)

    return _answer(
        request, session, key, attempt(session, "run", form, change, answered=ANY_REFUSAL)
    )


def _decision(
    request: Request,
    session: DbSession,
    actor: Actor,
    run_id: RecordId,
    form: Posted,
    approve: bool,
) -> Response:
    key = service.get_run(session, actor=actor, run_id=run_id).incident_key

    def change() -> object:
        data = parse_form(schemas.DecisionIn, form)
        return service.decide(session, actor=actor, run_id=run_id, approve=approve, data=data)

    outcome = attempt(session, "decide", form, change, answered=ANY_REFUSAL)
    return _answer(request, session, key, outcome)


@router.post("/runbook-runs/{run_id}/approve")
def approve(
    request: Request, session: DbSession, actor: Actor, run_id: RecordId, form: Posted
) -> Response:
    return _decision(request, session, actor, run_id, form, approve=True)


@router.post("/runbook-runs/{run_id}/reject")
def reject(
    request: Request, session: DbSession, actor: Actor, run_id: RecordId, form: Posted
) -> Response:
    return _decision(request, session, actor, run_id, form, approve=False)

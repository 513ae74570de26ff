"""Setting up on-call in the browser: a new schedule with its first layer, and a new
escalation policy with its first level (more layers and levels on their own pages)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog_service
from opsroom.infra.errors import ValidationFailed
from opsroom.oncall import domain, schemas
from opsroom.oncall import service as oncall
from opsroom.web.pages import (
    ANY_REFUSAL,
    Failure,
    Posted,
    attempt,
    in_zone,
    render,
    see_other,
    settings_of,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

SCHEDULE_FIELDS = ("slug", "name", "squad", "zone")
LAYER_FIELDS = ("participants", "start", "length", "unit", "restrictions")
POLICY_FIELDS = ("slug", "name", "squad", "squad_default", "targets", "timeout_minutes")


def _values(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    return {k: v.strip() for k in names if isinstance(v := form.get(k), str) and v.strip()}


def participants(text: str) -> list[str]:
    """One a line, or separated by commas, in rotation order."""
    return [p.strip() for p in text.replace(",", "\n").splitlines() if p.strip()]


def restrictions(text: str) -> list[dict[str, object]]:
    """One window a line, like `0-4@09:00-17:00`."""
    return [domain.restriction_from_text(line) for line in text.splitlines() if line.strip()]


def _first_layer(values: dict[str, Any], zone: str) -> schemas.LayerIn:
    """The layer's fields checked on their own, so a refusal names them; its first hand-off
    is a wall-clock time in the schedule's zone."""
    tz = ZoneInfo(zone if domain.known_zone(zone) else "UTC")
    return schemas.LayerIn.model_validate(
        {
            **values,
            "participants": participants(values.get("participants", "")),
            "restrictions": restrictions(values.get("restrictions", "")),
            "start": in_zone(values.get("start", ""), tz),
            "zone": zone,
        }
    )


def _create_schedule(session: Session, actor: Principal, values: dict[str, Any]) -> str:
    zone = values.get("zone") or "UTC"
    layer = _first_layer({k: values[k] for k in LAYER_FIELDS if k in values}, zone)
    data = schemas.ScheduleCreate.model_validate(
        {**{k: values[k] for k in SCHEDULE_FIELDS if k in values}, "layers": [layer]}
    )
    try:
        return oncall.create_schedule(session, actor=actor, data=data).slug
    except ValidationFailed as exc:  # the first layer's fields are the form's own
        fields = {k.removeprefix("layers.0."): v for k, v in exc.fields.items()}
        raise ValidationFailed(exc.message, fields=fields) from None


def _setup_page(
    request: Request,
    session: Session,
    template: str,
    values: dict[str, Any],
    failure: Failure | None = None,
    **extra: Any,
) -> Response:
    context = {
        "values": values,
        "failure": failure,
        "squads": catalog_service.list_squads(session),
        "zone": settings_of(request).timezone,
        **extra,
    }
    status = failure.status if failure else 200
    return render(request, session, template, context, status=status)


def _schedule_form(
    request: Request, session: Session, values: dict[str, Any], failure: Failure | None = None
) -> Response:
    template = "oncall/new_schedule.html"
    return _setup_page(request, session, template, values, failure, units=list(domain.ShiftUnit))


@router.get("/oncall/schedules/new")
def new_schedule(request: Request, session: DbSession) -> Response:
    return _schedule_form(request, session, {})


@router.post("/oncall/schedules")
def create_schedule(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    values = _values(form, SCHEDULE_FIELDS + LAYER_FIELDS)
    outcome = attempt(
        session,
        "schedule",
        values,
        lambda: _create_schedule(session, actor, values),
        answered=ANY_REFUSAL,
    )
    if isinstance(outcome, Failure):
        return _schedule_form(request, session, values, outcome)
    return see_other(f"/oncall/schedules/{outcome}")


# --- escalation policies ------------------------------------------------------------------


def _policy_form(
    request: Request,
    session: Session,
    actor: Principal,
    values: dict[str, Any],
    failure: Failure | None = None,
) -> Response:
    return _setup_page(
        request,
        session,
        "oncall/new_policy.html",
        values,
        failure,
        schedules=oncall.list_schedules(session, actor=actor),
        services=catalog_service.all_services(session),
    )


def _create_policy(session: Session, actor: Principal, values: dict[str, Any]) -> str:
    """A policy of one level (more on its own page); the level's fields checked on their own,
    so a refusal names them."""
    kind, _, ref = str(values.get("targets", "")).partition(":")
    level = schemas.LevelIn.model_validate(
        {
            "targets": [{"kind": kind, "ref": ref}] if ref else [],
            **(
                {"timeout_minutes": values["timeout_minutes"]}
                if "timeout_minutes" in values
                else {}
            ),
        }
    )
    data = schemas.PolicyCreate.model_validate(
        {
            **{k: values[k] for k in ("slug", "name", "squad", "services") if k in values},
            "squad_default": "squad_default" in values,
            "levels": [level],
        }
    )
    try:
        return oncall.create_policy(session, actor=actor, data=data).slug
    except ValidationFailed as exc:  # the first level's fields are the form's own
        fields = {k.removeprefix("levels.0."): v for k, v in exc.fields.items()}
        raise ValidationFailed(exc.message, fields=fields) from None


@router.get("/oncall/policies/new")
def new_policy(request: Request, session: DbSession, actor: Actor) -> Response:
    return _policy_form(request, session, actor, {})


@router.post("/oncall/policies")
def create_policy(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    values: dict[str, Any] = {
        **_values(form, POLICY_FIELDS),
        "services": [s for s in form.getlist("services") if isinstance(s, str) and s],
    }
    outcome = attempt(
        session,
        "policy",
        values,
        lambda: _create_policy(session, actor, values),
        answered=ANY_REFUSAL,
    )
    if isinstance(outcome, Failure):
        return _policy_form(request, session, actor, values, outcome)
    return see_other(f"/oncall/policies/{outcome}")

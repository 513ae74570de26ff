"""Webhook types in the browser: the shipped ones and users' own, each with its template
and sample, and a form that adds a type without code once its template reads its sample."""

from __future__ import annotations

from typing import Any

import orjson
import yaml
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from opsroom.alerts import schemas, webhooks
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.infra.errors import ValidationFailed
from opsroom.web.pages import ANY_REFUSAL, Failure, Posted, attempt, render, see_other

router = APIRouter(include_in_schema=False, dependencies=[can_read])


def _types_page(
    request: Request, session: Session, values: FormData, failure: Failure | None = None
) -> Response:
    context = {"types": webhooks.list_types(session), "values": values, "failure": failure}
    status = failure.status if failure else 200
    return render(request, session, "alerts/webhook_types.html", context, status=status)


@router.get("/alerts/webhook-types")
def webhook_types(request: Request, session: DbSession) -> Response:
    return _types_page(request, session, FormData())


@router.get("/alerts/webhook-types/{slug}")
def webhook_type(request: Request, session: DbSession, slug: str) -> Response:
    context = {"kind": webhooks.get_type(session, slug)}
    return render(request, session, "alerts/webhook_type.html", context)


@router.post("/alerts/webhook-types")
def add_webhook_type(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = schemas.WebhookTypeCreate(
            slug=str(form.get("slug", "")),
            name=str(form.get("name", "")),
            fields=_document("fields", str(form.get("fields", "")), yaml.safe_load),
            sample=_document("sample", str(form.get("sample", "")), orjson.loads),
        )
        return webhooks.create_type(session, actor=actor, data=data).slug

    outcome = attempt(session, "webhook-type", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _types_page(request, session, form, outcome)
    return see_other(f"/alerts/webhook-types/{outcome}")


def _document(field: str, text: str, load: Any) -> Any:
    """A posted YAML or JSON document; 422 on its field when it does not read."""
    try:
        return load(text)
    except (yaml.YAMLError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed(f"the {field} do not read", fields={field: str(exc)}) from None

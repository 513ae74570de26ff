"""Webhook types in the browser: the shipped ones and users' own, each with its template,
its sample and what the template makes of it; a form that adds a type without code once its
template reads its sample (a shipped one copied into it, to change it), and one that edits
a user's type the same way."""

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


def _types_page(
    request: Request, session: Session, values: FormData, failure: Failure | None = None
) -> Response:
    context = {"types": webhooks.list_types(session), "values": values, "failure": failure}
    status = failure.status if failure else 200
    return render(request, session, "alerts/webhook_types.html", context, status=status)


@router.get("/alerts/webhook-types")
def webhook_types(request: Request, session: DbSession, copy: str | None = None) -> Response:
    """The types; `copy` fills the form to add one with a copy of that type."""
    values = _as_form(webhooks.get_type(session, copy), copy=True) if copy else FormData()
    return _types_page(request, session, values)


def _as_form(kind: schemas.WebhookTypeRead, *, copy: bool = False) -> FormData:
    """A type as its form shows it: the template as YAML, the sample as JSON."""
    return FormData(
        {
            "name": f"{kind.name} (copy)" if copy else kind.name,
            "slug": f"{kind.slug}-copy" if copy else kind.slug,
            "version": str(kind.version or ""),
            "fields": yaml.safe_dump(kind.fields, sort_keys=False, allow_unicode=True),
            "sample": orjson.dumps(kind.sample, option=orjson.OPT_INDENT_2).decode(),
        }
    )


def _type_page(
    request: Request, session: Session, slug: str, failure: Failure | None = None
) -> Response:
    kind = webhooks.get_type(session, slug)
    template = schemas.WebhookTemplate(fields=kind.fields, sample=kind.sample)
    context = {
        "kind": kind,
        "preview": webhooks.preview(template),
        "values": failure.values if failure else _as_form(kind),
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "alerts/webhook_type.html", context, status=status)


@router.get("/alerts/webhook-types/{slug}")
def webhook_type(request: Request, session: DbSession, slug: str) -> Response:
    return _type_page(request, session, slug)


@router.post("/alerts/webhook-types")
def add_webhook_type(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def change() -> str:
        data = schemas.WebhookTypeCreate.model_validate(
            {"slug": str(form.get("slug", "")), **_template(form)}
        )
        return webhooks.create_type(session, actor=actor, data=data).slug

    outcome = attempt(session, "webhook-type", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _types_page(request, session, form, outcome)
    return see_other(f"/alerts/webhook-types/{outcome}")


@router.post("/alerts/webhook-types/{slug}")
def edit_webhook_type(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    def change() -> object:
        data = schemas.WebhookTypeUpdate.model_validate(
            {"version": form.get("version"), **_template(form)}
        )
        return webhooks.update_type(session, actor=actor, slug=slug, data=data)

    return saved_or_again(
        session,
        "webhook-type-edit",
        form,
        change,
        page=lambda failure: _type_page(request, session, slug, failure),
        then=f"/alerts/webhook-types/{slug}",
    )


def _template(form: FormData) -> dict[str, Any]:
    """A posted type's name, template (YAML) and sample (JSON)."""
    return {
        "name": str(form.get("name", "")),
        "fields": _document("fields", str(form.get("fields", "")), yaml.safe_load),
        "sample": _document("sample", str(form.get("sample", "")), orjson.loads),
    }


def _document(field: str, text: str, load: Any) -> Any:
    """A posted YAML or JSON document; 422 on its field when it does not read."""
    try:
        return load(text)
    except (yaml.YAMLError, orjson.JSONDecodeError) as exc:
        raise ValidationFailed(f"the {field} do not read", fields={field: str(exc)}) from None

"""Webhook types: how one tool's payload maps to alerts. Shipped ones are YAML files in the
package (one per tool, each with a sample from the tool's documentation); users add their
own, checked against a sample when saved. An integration names its type in its settings."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.alerts import schemas
from opsroom.alerts.domain import IncomingAlert
from opsroom.alerts.models import Integration, RawPayload, WebhookType
from opsroom.alerts.sources import webhook
from opsroom.alerts.sources.webhook import Template, TemplateError
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.infra.db import locked
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed, require_version

SHIPPED = Path(__file__).with_name("webhook_types")


@lru_cache(maxsize=1)
def shipped() -> dict[str, schemas.WebhookTypeRead]:
    """The types shipped with opsroom, by slug (the file's name)."""
    found = {}
    for path in sorted(SHIPPED.glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        found[path.stem] = schemas.WebhookTypeRead(slug=path.stem, shipped=True, **document)
    return found


def list_types(session: Session) -> list[schemas.WebhookTypeRead]:
    added = session.scalars(select(WebhookType).order_by(WebhookType.slug))
    every = [*shipped().values(), *(_read(row) for row in added)]
    return sorted(every, key=lambda kind: kind.name.lower())


def get_type(session: Session, slug: str) -> schemas.WebhookTypeRead:
    kind = shipped().get(slug)
    if kind is not None:
        return kind
    row = session.scalar(select(WebhookType).where(WebhookType.slug == slug))
    if row is None:
        raise NotFound(f"no webhook type '{slug}'")
    return _read(row)


def _read(row: WebhookType) -> schemas.WebhookTypeRead:
    return schemas.WebhookTypeRead(
        slug=row.slug,
        name=row.name,
        shipped=False,
        fields=row.fields,
        sample=row.sample,
        version=row.version,
    )


def preview(data: schemas.WebhookTemplate) -> list[schemas.PreviewedAlert]:
    """The alerts the template makes of its sample; 422 naming the field that fails."""
    return [previewed(alert) for alert in _checked(data.fields, data.sample)]


def previewed(alert: IncomingAlert) -> schemas.PreviewedAlert:
    return schemas.PreviewedAlert(
        fingerprint=alert.fingerprint,
        status=alert.status,
        severity=alert.severity,
        summary=alert.summary,
        service=alert.service,
        labels=dict(alert.labels),
        links=[schemas.LinkRead(href=link.href, text=link.text) for link in alert.links],
    )


def _checked(fields: Mapping[str, str], sample: Any) -> list[IncomingAlert]:
    try:
        return webhook.tried(webhook.compile_template(fields), sample)
    except TemplateError as exc:
        problems = {
            name if name == "sample" else f"fields.{name}": problem
            for name, problem in exc.problems.items()
        }
        raise ValidationFailed(f"the template does not fit: {exc}", fields=problems) from None


def create_type(
    session: Session, *, actor: Principal, data: schemas.WebhookTypeCreate
) -> schemas.WebhookTypeRead:
    """A new webhook type, saved only once its template reads its sample."""
    require(actor, Action.GOVERN)
    _checked(data.fields, data.sample)
    taken = data.slug in shipped() or session.scalar(
        select(WebhookType.id).where(WebhookType.slug == data.slug)
    )
    if taken:
        raise Conflict(f"a webhook type '{data.slug}' exists", fields={"slug": "taken"})
    row = WebhookType(
        slug=data.slug,
        name=data.name,
        fields=data.fields,
        sample=data.sample,
        created_by=str(actor),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="webhook_type.created",
        subject_type="webhook_type",
        subject_key=row.slug,
        after={"fields": row.fields},
    )
    return _read(row)


def update_type(
    session: Session, *, actor: Principal, slug: str, data: schemas.WebhookTypeUpdate
) -> schemas.WebhookTypeRead:
    """Change a user's type, saved only once its template reads its sample; integrations
    of the type read their next payloads with it. A shipped type is not edited in place
    (a release would change it under the edit): copy it under a new slug."""
    require(actor, Action.GOVERN)
    if slug in shipped():
        problem = "shipped with opsroom: copy it under a new slug to change it"
        raise Conflict(f"the webhook type '{slug}' is {problem}", fields={"slug": problem})
    row = session.scalar(select(WebhookType).where(WebhookType.slug == slug))
    if row is None:
        raise NotFound(f"no webhook type '{slug}'")
    require_version(f"the webhook type '{slug}'", locked(row).version, data.version)
    _checked(data.fields, data.sample)
    before = {"name": row.name, "fields": row.fields}
    row.name, row.fields, row.sample = data.name, data.fields, data.sample
    row.version += 1
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="webhook_type.updated",
        subject_type="webhook_type",
        subject_key=row.slug,
        before=before,
        after={"name": row.name, "fields": row.fields},
    )
    return _read(row)


def fields_of(session: Session, slug: str, field: str = "webhook_type") -> dict[str, str]:
    """The template of a type someone chose; 422 on `field` when there is no such type."""
    try:
        return get_type(session, slug).fields
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={field: "no such webhook type"}) from None


def require_known(session: Session, slug: str | None) -> None:
    """Refuse integration settings naming a webhook type that does not exist."""
    if slug is not None:
        fields_of(session, slug, "settings.webhook_type")


def template_of(session: Session, integration: Integration) -> Template | None:
    """The compiled template of the integration's webhook type (None: it names none)."""
    slug = schemas.IntegrationSettings.stored(integration.settings).webhook_type
    if slug is None:
        return None
    kind = get_type(session, slug)
    return _compiled(orjson.dumps(kind.fields, option=orjson.OPT_SORT_KEYS))


@lru_cache(maxsize=64)
def _compiled(fields: bytes) -> Template:
    return webhook.compile_template(orjson.loads(fields))


def unread(session: Session, slug: str, limit: int = 10) -> list[schemas.UnreadPayload]:
    """The latest payloads the integration's webhook type could not read, newest first."""
    query = (
        select(RawPayload)
        .join(Integration, Integration.id == RawPayload.integration_id)
        .where(Integration.slug == slug, RawPayload.problem.is_not(None))
        .order_by(RawPayload.id.desc())
        .limit(limit)
    )
    return [
        schemas.UnreadPayload(received_at=row.received_at, problem=row.problem or "", body=row.body)
        for row in session.scalars(query)
    ]

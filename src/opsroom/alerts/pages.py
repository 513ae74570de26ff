"""Alerts in the browser: what arrived and how much of it was noise, the integrations with
the config to paste into each sender, and silences and maintenance windows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from opsroom.alerts import reports, schemas, senders, silences, triage, webhooks
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus, Severity
from opsroom.auth.deps import Actor, DbSession, can_read
from opsroom.auth.domain import Action, Principal, decide
from opsroom.catalog import service as catalog_service
from opsroom.catalog.platform_filters import ListPlatform
from opsroom.infra import clock
from opsroom.infra.apidoc import RecordId
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.web.pages import (
    ANY_REFUSAL,
    CSRF_FIELD,
    BlankIsNone,
    Failure,
    Filter,
    Posted,
    attempt,
    in_zone,
    parse_form,
    render,
    see_other,
    settings_of,
    zone_of,
)

router = APIRouter(include_in_schema=False, dependencies=[can_read])

ALERTS_PER_PAGE = 50
RECENT_ALERTS = 10
Period = Literal["24h", "7d", "30d"]
PERIODS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
# Settings posted as text that the schema wants as other types.
LIST_SETTINGS = ("group_by",)
URGENCY_FIELD = "urgency_"
WINDOW_TIMES = ("starts_at", "ends_at")


class AlertFilters(BaseModel):
    platform: Filter = None
    status: Annotated[AlertStatus | None, BlankIsNone] = None
    service: Filter = None
    integration: Filter = None
    suppressed: Annotated[bool | None, BlankIsNone] = None
    period: Period = "7d"
    cursor: Filter = None

    @property
    def active(self) -> bool:
        return any(self.model_dump(exclude={"cursor", "period"}).values())


# --- the alert list and the noise figures -------------------------------------------------


@router.get("/alerts")
def alert_list(
    request: Request,
    session: DbSession,
    actor: Actor,
    platform: ListPlatform,
    filters: Annotated[AlertFilters, Query()],
) -> Response:
    chosen = filters.model_copy(update={"platform": platform})
    return _alert_list_page(request, session, actor, chosen)


def _alert_list_page(
    request: Request,
    session: Session,
    actor: Principal,
    filters: AlertFilters,
    failure: Failure | None = None,
) -> Response:
    page = reports.search(
        session,
        actor=actor,
        status=filters.status,
        service=filters.service,
        integration=filters.integration,
        suppressed=filters.suppressed,
        platform=filters.platform,
        limit=ALERTS_PER_PAGE,
        cursor=filters.cursor,
    )
    since = clock.now() - PERIODS[filters.period]
    context = {
        "page": page,
        "alerts": [reports.read_alert(a) for a in page.items],
        "filters": filters,
        "statuses": list(AlertStatus),
        "periods": list(PERIODS),
        "integrations": alerts.list_integrations(session),
        "services": catalog_service.all_services(session),
        "noise": {
            by: reports.noise(session, actor=actor, by=by, since=since)
            for by in ("integration", "service")
        },
        "handle": decide(actor, Action.WORK_INCIDENTS).allowed,
        "listing": _listing(filters),
        "failure": failure,
        "zone": zone_of(request).key,
    }
    status = failure.status if failure else 200
    return render(
        request, session, "alerts/list.html", context, partial="alerts/_table.html", status=status
    )


# What the alert list's buttons do to the alerts ticked (or to the one whose row it is in).
HANDLING: dict[str, Callable[..., schemas.TriageResult]] = {
    "acknowledge": triage.acknowledge,
    "resolve": triage.resolve,
}


def _listing(filters: AlertFilters) -> str:
    """The list's filters as a query string, for the forms that come back to it."""
    return urlencode({k: v for k, v in filters.model_dump(mode="json").items() if v is not None})


def _listed(form: FormData) -> AlertFilters:
    try:
        return AlertFilters.model_validate(dict(parse_qsl(str(form.get("listing") or ""))))
    except ValidationError:
        return AlertFilters()


def _handled(session: Session, actor: Principal, verb: str, values: dict[str, Any]) -> Any:
    if verb == "silence":
        data = schemas.AlertsSilenced.model_validate(values)
        return triage.silence(session, actor=actor, data=data)
    chosen = schemas.AlertsChosen.model_validate({"alerts": values["alerts"]})
    if verb not in HANDLING:
        raise ValidationFailed(f"no such action '{verb}'", fields={"do": "unknown"})
    return HANDLING[verb](session, actor=actor, ids=chosen.alerts)


@router.post("/alerts/handle")
def handle_alerts(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    """Acknowledge, resolve or silence the ticked alerts, or the one alert a row's button names."""
    verb, _, one = str(form.get("do") or "").partition(":")
    chosen = [one] if one else form.getlist("alerts")
    values = {"alerts": chosen, "ends_at": form.get("ends_at"), "comment": form.get("comment")}
    outcome = attempt(
        session,
        "handle",
        values,
        lambda: _handled(
            session,
            actor,
            verb,
            {**values, "ends_at": in_zone(str(values["ends_at"] or ""), zone_of(request))},
        ),
        answered=ANY_REFUSAL,
    )
    filters = _listed(form)
    if isinstance(outcome, Failure):
        return _alert_list_page(request, session, actor, filters, outcome)
    return see_other(f"/alerts?{_listing(filters)}")


# --- integrations -------------------------------------------------------------------------


def _integrations_page(
    request: Request, session: Session, values: FormData, failure: Failure | None = None
) -> Response:
    context = {
        "integrations": [alerts.read_integration(i) for i in alerts.list_integrations(session)],
        "services": catalog_service.all_services(session),
        "values": values,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "alerts/integrations.html", context, status=status)


@router.get("/alerts/integrations")
def integration_list(request: Request, session: DbSession) -> Response:
    return _integrations_page(request, session, FormData())


def _integration_page(
    request: Request,
    session: Session,
    actor: Principal,
    slug: str,
    *,
    key: str | None = None,
    failure: Failure | None = None,
    preview: list[schemas.PreviewedAlert] | None = None,
) -> Response:
    integration = alerts.read_integration(alerts.get_integration(session, slug))
    tested = request.query_params.get("test", "")
    # Only the integration's own current key is shown (not whatever a cookie says).
    key = key if key and key.startswith(integration.key_prefix) else None
    base_url = settings_of(request).base_url
    recent = reports.search(session, actor=actor, integration=slug, limit=RECENT_ALERTS)
    figures = reports.noise(session, actor=actor, by="integration")
    context = {
        "integration": integration,
        "key": key,
        "snippets": senders.for_integration(base_url, slug, key),
        "recent": [reports.read_alert(a) for a in recent.items],
        "figures": next((row for row in figures if row.key == slug), None),
        "severities": list(Severity),
        "manage": alerts.management(session, actor, integration.service),
        "failure": failure,
        "test_alert": _test_alert(session, actor, slug, tested) if tested.isdigit() else None,
        "webhook_types": webhooks.list_types(session),
        "unread": webhooks.unread(session, slug),
        "preview": preview,
        "base_url": base_url,
    }
    status = failure.status if failure else 200
    return render(request, session, "alerts/integration.html", context, status=status)


def _test_alert(
    session: Session, actor: Principal, slug: str, alert_id: str
) -> schemas.AlertRead | None:
    """The test alert a button sent, if the address names one of this integration's."""
    try:
        found = reports.read_alert(reports.get_alert(session, actor=actor, alert_id=int(alert_id)))
    except NotFound:
        return None
    return found if found.integration == slug else None


@router.post("/alerts/integrations/{slug}/test-alert")
def send_test_alert(session: DbSession, actor: Actor, slug: str) -> Response:
    """Through the integration's own intake; then its page says where the alert landed."""
    landed = alerts.send_test_alert(session, actor=actor, slug=slug)
    shown = f"?test={landed.id}" if landed else ""
    return see_other(f"/alerts/integrations/{slug}{shown}#test-alert")


@router.post("/alerts/integrations")
def create_integration(
    request: Request, session: DbSession, actor: Actor, form: Posted
) -> Response:
    def change() -> tuple[str, str]:
        data = parse_form(schemas.IntegrationCreate, form)
        key, integration = alerts.create_integration(session, actor=actor, data=data)
        return key, integration.slug

    outcome = attempt(session, "integration", form, change, answered=ANY_REFUSAL)
    if isinstance(outcome, Failure):
        return _integrations_page(request, session, form, outcome)
    key, slug = outcome
    return _show_key_once(request, slug, key)


# A key exists in clear only when it is made. It rides from the form's answer to the
# integration's page in a cookie that page deletes: a reload shows the page without the key
# and makes nothing again.
NEW_KEY_COOKIE = "opsroom_new_key"


def _show_key_once(request: Request, slug: str, key: str) -> Response:
    response = see_other(f"/alerts/integrations/{slug}")
    response.set_cookie(
        NEW_KEY_COOKIE,
        key,
        max_age=300,
        path=f"/alerts/integrations/{slug}",
        httponly=True,
        samesite="strict",
        secure=settings_of(request).uses_tls,
    )
    return response


@router.get("/alerts/integrations/{slug}")
def integration_page(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    key = request.cookies.get(NEW_KEY_COOKIE)
    response = _integration_page(request, session, actor, slug, key=key)
    if key:
        response.delete_cookie(NEW_KEY_COOKIE, path=f"/alerts/integrations/{slug}")
        response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/alerts/integrations/{slug}/rotate")
def rotate_key(request: Request, session: DbSession, actor: Actor, slug: str) -> Response:
    key, _ = alerts.rotate_key(session, actor=actor, slug=slug)
    return _show_key_once(request, slug, key)


def _settings_update(form: FormData) -> schemas.IntegrationUpdate:
    """The settings form: group-by labels as text, one urgency choice per severity."""
    settings: dict[str, Any] = {}
    urgency: dict[str, str] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str) or not value.strip() or name in (CSRF_FIELD, "version"):
            continue
        if name.startswith(URGENCY_FIELD):
            urgency[name.removeprefix(URGENCY_FIELD)] = value
        elif name in LIST_SETTINGS:
            settings[name] = value.replace(",", " ").split()
        else:
            settings[name] = value
    # Validated on its own first, so a refusal names the setting rather than "settings".
    chosen = schemas.IntegrationSettings.model_validate({**settings, "urgency": urgency})
    return schemas.IntegrationUpdate.model_validate(
        {"version": form.get("version"), "settings": chosen}
    )


@router.post("/alerts/integrations/{slug}/settings")
def update_settings(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    outcome = attempt(
        session,
        "settings",
        form,
        lambda: alerts.update_integration(
            session, actor=actor, slug=slug, data=_settings_update(form)
        ),
        answered=ANY_REFUSAL,
    )
    if isinstance(outcome, Failure):
        return _integration_page(request, session, actor, slug, failure=outcome)
    return see_other(f"/alerts/integrations/{slug}#settings")


@router.post("/alerts/integrations/{slug}/preview")
def preview_webhook(
    request: Request, session: DbSession, actor: Actor, slug: str, form: Posted
) -> Response:
    """What the integration's webhook type makes of a pasted payload, before it goes live."""

    def previewed() -> list[schemas.PreviewedAlert]:
        fields = webhooks.fields_of(session, str(form.get("webhook_type", "")))
        return webhooks.preview(_pasted(fields, str(form.get("sample", ""))))

    outcome = attempt(session, "preview", form, previewed)
    if isinstance(outcome, Failure):
        return _integration_page(request, session, actor, slug, failure=outcome)
    return _integration_page(request, session, actor, slug, preview=outcome)


def _pasted(fields: dict[str, str], sample: str) -> schemas.WebhookTemplate:
    try:
        return schemas.WebhookTemplate(fields=fields, sample=orjson.loads(sample))
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed("the sample is not JSON", fields={"sample": str(exc)}) from None


# --- silences and maintenance -------------------------------------------------------------


class SilenceListing(BaseModel):
    expired: Annotated[bool, BlankIsNone] = False
    matcher: list[str] = []


def _silences_page(
    request: Request,
    session: Session,
    listing: SilenceListing,
    values: FormData,
    failure: Failure | None = None,
) -> Response:
    context = {
        "silences": [
            silences.read_silence(s)
            for s in silences.list_silences(session, include_expired=listing.expired)
        ],
        "maintenance": [
            silences.read_maintenance(w)
            for w in silences.list_maintenance(session, include_past=listing.expired)
        ],
        "services": catalog_service.all_services(session),
        "listing": listing,
        "values": values,
        "failure": failure,
    }
    status = failure.status if failure else 200
    return render(request, session, "alerts/silences.html", context, status=status)


@router.get("/alerts/silences")
def silence_list(
    request: Request, session: DbSession, listing: Annotated[SilenceListing, Query()]
) -> Response:
    return _silences_page(request, session, listing, FormData())


def _window_form(form: FormData, zone: ZoneInfo) -> FormData:
    """Times in the configured zone, and one matcher a line of the matchers box."""
    fields: list[tuple[str, str | UploadFile]] = []
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue
        if name in WINDOW_TIMES:
            fields.append((name, in_zone(value, zone)))
        elif name == "matchers":
            fields.extend((name, line.strip()) for line in value.splitlines())
        else:
            fields.append((name, value))
    return FormData(fields)


def _save_window(
    request: Request,
    session: Session,
    form: FormData,
    kind: str,
    save: Callable[[FormData], object],
) -> Response:
    outcome = attempt(
        session,
        kind,
        form,
        lambda: save(_window_form(form, zone_of(request))),
        answered=ANY_REFUSAL,
    )
    if isinstance(outcome, Failure):
        return _silences_page(request, session, SilenceListing(), form, outcome)
    return see_other(f"/alerts/silences#{kind}")


@router.post("/alerts/silences")
def create_silence(request: Request, session: DbSession, actor: Actor, form: Posted) -> Response:
    def save(values: FormData) -> object:
        data = parse_form(schemas.SilenceCreate, values, lists=frozenset({"matchers"}))
        return silences.create_silence(session, actor=actor, data=data)

    return _save_window(request, session, form, "silences", save)


@router.post("/alerts/silences/{silence_id}/expire")
def expire_silence(session: DbSession, actor: Actor, silence_id: RecordId) -> Response:
    silences.expire_silence(session, actor=actor, silence_id=silence_id)
    return see_other("/alerts/silences#silences")


@router.post("/alerts/maintenance")
def schedule_maintenance(
    request: Request, session: DbSession, actor: Actor, form: Posted
) -> Response:
    def save(values: FormData) -> object:
        data = parse_form(schemas.MaintenanceCreate, values)
        return silences.schedule_maintenance(session, actor=actor, data=data)

    return _save_window(request, session, form, "maintenance", save)


@router.post("/alerts/maintenance/{window_id}/end")
def end_maintenance(session: DbSession, actor: Actor, window_id: RecordId) -> Response:
    silences.end_maintenance(session, actor=actor, window_id=window_id)
    return see_other("/alerts/silences#maintenance")

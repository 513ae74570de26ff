"""`opsroom integration create|list|rotate`, `opsroom silence add|list|expire` and
`opsroom alert list`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
import yaml

from opsroom.alerts import reports, schemas, silences, webhooks
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus
from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.infra import clock

integration_app = typer.Typer(help="Integrations: where alerts come from.", no_args_is_help=True)
silence_app = typer.Typer(help="Silences: suppress alerts by label matchers.", no_args_is_help=True)
alert_app = typer.Typer(help="Alerts as received.", no_args_is_help=True)
webhook_type_app = typer.Typer(
    help="Webhook types: how a tool's webhook maps to alerts.", no_args_is_help=True
)


def _show_key(read: schemas.IntegrationWithKey) -> None:
    out.print(f"integration [bold]{read.slug}[/] ({read.service or 'routed by label'})")
    out.print(f"key: [bold]{read.key}[/]  (shown this once; only its hash is kept)")


@integration_app.command("create")
def create_integration(
    slug: str = typer.Argument(..., help="short name, e.g. prom-payments"),
    name: str = typer.Option(..., help="what people call it"),
    service: str | None = typer.Option(
        None, help="the service it belongs to; omit to route by label"
    ),
    group_by: list[str] = typer.Option([], "--group-by", help="label to group by; repeat"),
    window: int = typer.Option(15, help="grouping window, minutes"),
    threshold: int = typer.Option(1, help="alerts in a group before an incident opens"),
    reopen_window: int = typer.Option(0, help="reopen a resolved incident within N minutes"),
    webhook_type: str | None = typer.Option(
        None, help="the webhook type reading what it receives at /api/v1/ingest/webhook"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Create an integration and print its key (shown this once)."""
    with unit_of_work(write=True) as session:
        settings = schemas.IntegrationSettings(
            group_by=group_by,
            grouping_window_minutes=window,
            alerts_to_open=threshold,
            reopen_window_minutes=reopen_window,
            webhook_type=webhook_type,
        )
        data = schemas.IntegrationCreate(slug=slug, name=name, service=service, settings=settings)
        key, integration = alerts.create_integration(session, actor=actor(session), data=data)
        read = schemas.IntegrationWithKey(
            **alerts.read_integration(integration).model_dump(), key=key
        )
    emit(read, as_json, lambda: _show_key(read))


@integration_app.command("list")
def list_integrations(service: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            alerts.read_integration(i) for i in alerts.list_integrations(session, service=service)
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Integrations",
            ["slug", "name", "service", "key", "active"],
            [
                (r.slug, r.name, r.service or "(by label)", f"{r.key_prefix}…", r.active)
                for r in rows
            ],
        ),
    )


@integration_app.command("rotate")
def rotate(slug: str, as_json: bool = JsonOption) -> None:
    """Replace the key; the old one stops working at once."""
    with unit_of_work(write=True) as session:
        key, integration = alerts.rotate_key(session, actor=actor(session), slug=slug)
        read = schemas.IntegrationWithKey(
            **alerts.read_integration(integration).model_dump(), key=key
        )
    emit(read, as_json, lambda: _show_key(read))


@silence_app.command("add")
def add_silence(
    matchers: list[str] = typer.Argument(..., help='e.g. service=db alertname=~"Disk.*"'),
    duration: int = typer.Option(60, help="minutes from now"),
    comment: str = typer.Option(..., help="why"),
    as_json: bool = JsonOption,
) -> None:
    """Silence alerts matching every matcher, from now for DURATION minutes."""
    with unit_of_work(write=True) as session:
        data = schemas.SilenceCreate(
            matchers=matchers, ends_at=clock.now() + timedelta(minutes=duration), comment=comment
        )
        read = silences.read_silence(
            silences.create_silence(session, actor=actor(session), data=data)
        )
    emit(
        read,
        as_json,
        lambda: out.print(f"silence {read.id} until {read.ends_at:%Y-%m-%d %H:%M} UTC"),
    )


@silence_app.command("list")
def list_silences(
    expired: bool = typer.Option(False, "--expired", help="include expired ones"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        rows = [
            silences.read_silence(s)
            for s in silences.list_silences(session, include_expired=expired)
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Silences",
            ["id", "state", "matchers", "ends", "by", "comment"],
            [
                (
                    r.id,
                    r.state,
                    " ".join(r.matchers),
                    f"{r.ends_at:%Y-%m-%d %H:%M}",
                    r.created_by,
                    r.comment,
                )
                for r in rows
            ],
        ),
    )


@silence_app.command("expire")
def expire(silence_id: int, as_json: bool = JsonOption) -> None:
    with unit_of_work(write=True) as session:
        read = silences.read_silence(
            silences.expire_silence(session, actor=actor(session), silence_id=silence_id)
        )
    emit(read, as_json, lambda: out.print(f"silence {read.id} expired"))


@alert_app.command("list")
def list_alerts(
    platform: str | None = PlatformOption,
    status: AlertStatus | None = typer.Option(None),
    service: str | None = typer.Option(None),
    integration: str | None = typer.Option(None),
    incident: str | None = typer.Option(None, help="e.g. INC-42"),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = reports.search(
            session,
            actor=actor(session),
            status=status,
            service=service,
            integration=integration,
            incident=incident,
            platform=catalog.platform_filter(session, platform),
            limit=limit,
        )
        rows = [reports.read_alert(a) for a in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Alerts",
            ["id", "status", "severity", "summary", "service", "count", "incident / suppressed"],
            [
                (
                    r.id,
                    r.status,
                    r.severity,
                    r.summary,
                    r.service,
                    r.count,
                    r.incident or r.suppressed_by or "",
                )
                for r in rows
            ],
        ),
    )


# --- webhook types ----------------------------------------------------------------------------

TemplateFile = typer.Argument(
    ..., exists=True, dir_okay=False, help="YAML: name, fields (JMESPath per field) and sample"
)


@webhook_type_app.command("list")
def list_webhook_types(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        kinds = webhooks.list_types(session)
    emit(
        kinds,
        as_json,
        lambda: table(
            "Webhook types",
            ["slug", "name", "shipped"],
            [(k.slug, k.name, "yes" if k.shipped else "added") for k in kinds],
        ),
    )


@webhook_type_app.command("show")
def show_webhook_type(slug: str) -> None:
    """The type's template and sample, as YAML (what `add` and `edit` take), after its
    version as a comment when it is a user's."""
    with unit_of_work() as session:
        kind = webhooks.get_type(session, slug)
    if kind.version is not None:
        out.print(f"# version {kind.version}", markup=False)
    out.print(yaml.safe_dump(kind.model_dump(include={"name", "fields", "sample"})), markup=False)


@webhook_type_app.command("preview")
def preview(path: Path = TemplateFile, as_json: bool = JsonOption) -> None:
    """The alerts a template file makes of its sample, saving nothing."""
    document = yaml.safe_load(path.read_text())
    data = schemas.WebhookTemplate(fields=document.get("fields"), sample=document.get("sample"))
    alerts_found = webhooks.preview(data)
    emit(
        alerts_found,
        as_json,
        lambda: table(
            "Preview",
            ["status", "severity", "summary", "service", "fingerprint"],
            [(a.status, a.severity, a.summary, a.service, a.fingerprint) for a in alerts_found],
        ),
    )


@webhook_type_app.command("edit")
def edit_webhook_type(
    slug: str,
    path: Path = TemplateFile,
    version: int = typer.Option(..., "--version", help="the version you saw"),
    as_json: bool = JsonOption,
) -> None:
    """Change a type you added from a template file (name, fields, sample), once its
    template reads its sample; a shipped type is copied with `show` and `add` instead."""
    document = yaml.safe_load(path.read_text())
    with unit_of_work(write=True) as session:
        data = schemas.WebhookTypeUpdate.model_validate({**document, "version": version})
        kind = webhooks.update_type(session, actor=actor(session), slug=slug, data=data)
    emit(kind, as_json, lambda: out.print(f"webhook type [bold]{kind.slug}[/] changed"))


@webhook_type_app.command("add")
def add(slug: str, path: Path = TemplateFile, as_json: bool = JsonOption) -> None:
    """Add a webhook type from a template file, once its template reads its sample."""
    document = yaml.safe_load(path.read_text())
    with unit_of_work(write=True) as session:
        data = schemas.WebhookTypeCreate(slug=slug, **document)
        kind = webhooks.create_type(session, actor=actor(session), data=data)
    emit(kind, as_json, lambda: out.print(f"webhook type [bold]{kind.slug}[/] added"))

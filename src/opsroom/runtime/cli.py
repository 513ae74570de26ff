"""The `opsroom` command: serve, migrate, demo data, and every domain's commands."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from functools import partial

import typer
import uvicorn

from opsroom import __version__, demo
from opsroom.actions import cli as actions_cli
from opsroom.alerts import cli as alerts_cli
from opsroom.anomalies import cli as anomalies_cli
from opsroom.auth import audit_cli
from opsroom.auth import cli as auth_cli
from opsroom.auth.console import JsonOption, emit, fail, out, print_json, unit_of_work
from opsroom.catalog import cli as catalog_cli
from opsroom.changes import cli as changes_cli
from opsroom.desk import cli as desk_cli
from opsroom.imports import cli as imports_cli
from opsroom.incidents import cli as incidents_cli
from opsroom.infra import migrate
from opsroom.infra.config import Settings
from opsroom.kpis import cli as kpis_cli
from opsroom.mailin import cli as mail_cli
from opsroom.notify import cli as notify_cli
from opsroom.oncall import cli as oncall_cli
from opsroom.outbound import cli as outbound_cli
from opsroom.platforms import cli as platforms_cli
from opsroom.problems import cli as problems_cli
from opsroom.reviews import cli as reviews_cli
from opsroom.risks import cli as risks_cli
from opsroom.runbooks import cli as runbooks_cli
from opsroom.runtime import wiring
from opsroom.search import cli as search_cli
from opsroom.slos import cli as slos_cli
from opsroom.statuspage import cli as statuspage_cli
from opsroom.vendors import cli as vendors_cli

app = typer.Typer(
    help="opsroom: run a platform's operations in one place.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(incidents_cli.app, name="incident")
app.add_typer(changes_cli.app, name="change")
app.add_typer(changes_cli.freeze_app, name="freeze")
app.add_typer(problems_cli.app, name="problem")
app.add_typer(desk_cli.app, name="ticket")
app.add_typer(mail_cli.app, name="mail")
app.add_typer(desk_cli.organisation_app, name="organisation")
app.add_typer(desk_cli.request_type_app, name="request-type")
app.add_typer(statuspage_cli.app, name="status-page")
app.add_typer(reviews_cli.app, name="review")
app.add_typer(actions_cli.app, name="action")
app.add_typer(risks_cli.app, name="risk")
app.add_typer(risks_cli.issue_app, name="issue")
app.add_typer(slos_cli.app, name="slo")
app.add_typer(outbound_cli.jira_app, name="jira")
app.add_typer(outbound_cli.confluence_app, name="confluence")
app.add_typer(runbooks_cli.app, name="runbook")
app.add_typer(imports_cli.app, name="import")
app.add_typer(kpis_cli.app, name="kpi")
app.add_typer(alerts_cli.integration_app, name="integration")
app.add_typer(alerts_cli.webhook_type_app, name="webhook-type")
app.add_typer(alerts_cli.silence_app, name="silence")
app.add_typer(alerts_cli.alert_app, name="alert")
app.add_typer(anomalies_cli.app, name="series")
app.add_typer(anomalies_cli.anomaly_app, name="anomaly")
app.add_typer(auth_cli.user_app, name="user")
app.add_typer(auth_cli.token_app, name="token")
app.add_typer(oncall_cli.app, name="oncall")
app.command("page")(oncall_cli.page)
app.command("subscribe")(notify_cli.subscribe)
app.command("search")(search_cli.search)
app.add_typer(notify_cli.subscription_app, name="subscription")
app.add_typer(notify_cli.contact_app, name="contact-method")
app.add_typer(notify_cli.rule_app, name="notification-rule")
app.add_typer(notify_cli.quiet_app, name="quiet-hours")
# `opsroom vendor`: the catalog's vendor records and the engagements that hold them to contract.
catalog_cli.APPS["vendor"].registered_commands.extend(vendors_cli.app.registered_commands)
# `opsroom platform settings`: what a platform overrides of the installation's settings.
catalog_cli.APPS["platform"].add_typer(platforms_cli.settings_app, name="settings")
app.add_typer(platforms_cli.installation_app, name="settings")
for name, sub in catalog_cli.APPS.items():
    app.add_typer(sub, name=name)


def _warned(settings: Settings) -> Settings:
    for warning in settings.warnings():
        typer.secho(f"warning: {warning}", fg=typer.colors.YELLOW, err=True)
    return settings


def _settled() -> None:
    """What start-up built (modules, the app, its routes and templates) lives as long as the
    process, so the cyclic garbage collector stops scanning it: otherwise every collection a
    large request triggers (10,000 series' points in one batch) walks it all again."""
    gc.freeze()


@app.command()
def serve(
    host: str | None = typer.Option(
        None, help="Interface to listen on (default from settings: 127.0.0.1)."
    ),
    port: int | None = typer.Option(None, help="Port (default from settings: 8000)."),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Leave timers to separate `opsroom worker` processes."
    ),
    access_log: bool = typer.Option(
        True,
        help="Log each request (accepted ingest requests never are); leave it off when "
        "a proxy in front logs them.",
    ),
) -> None:
    """Upgrade the schema, then serve the web UI and the API (and the worker, by default)."""
    from opsroom.runtime.app import create_app

    configured = Settings()
    # Settings again with what was given here, so links follow the port served.
    settings = _warned(
        Settings(host=host or configured.host, port=port or configured.port)
        if host or port
        else configured
    )
    migrate.upgrade(settings)
    web = create_app(settings, worker=not no_worker)
    _settled()
    uvicorn.run(
        web,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=access_log,
    )


@app.command()
def worker(poll: float = typer.Option(1.0, help="Seconds to wait when nothing is due.")) -> None:
    """Run the background worker alone (timers, escalations, the alert intake); stop it with
    Ctrl-C or SIGTERM."""
    from opsroom.runtime import intake_worker
    from opsroom.runtime.worker import EmbeddedWorker, run_forever

    settings = _warned(Settings())
    migrate.upgrade(settings)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    drain = partial(intake_worker.run_forever, poll_seconds=intake_worker.STANDALONE_POLL_SECONDS)
    drainer = EmbeddedWorker(settings, loop=drain, name="opsroom-intake")
    drainer.start()
    _settled()
    try:
        run_forever(settings, stop, poll_seconds=poll)
    finally:
        drainer.close()


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Bring the schema up to REVISION (default: the latest)."""
    migrate.upgrade(Settings(), revision)
    out.print(f"schema at {migrate.current_revision(Settings())}")


@db_app.command("current")
def db_current(as_json: bool = JsonOption) -> None:
    """The schema revision the database is at, and the latest one this version knows."""
    settings = Settings()
    info = {"revision": migrate.current_revision(settings), "head": migrate.head_revision()}
    emit(info, as_json, lambda: out.print(f"revision {info['revision']} (latest {info['head']})"))


@app.command("demo")
def load_demo(
    if_empty: bool = typer.Option(
        False, "--if-empty", help="Only when the database has no platform yet."
    ),
) -> None:
    """Load the demo platform (idempotent: running it again changes nothing)."""
    migrate.upgrade(Settings())
    with unit_of_work(write=True) as session:
        if if_empty and demo.has_data(session):
            out.print("database already has data; demo not loaded")
            return
        result = demo.load(session)
    created = sum(result["created"].values())
    out.print(
        f"demo data loaded: {created} records created, {sum(result['updated'].values())} updated"
    )


@app.command()
def version(as_json: bool = JsonOption) -> None:
    """The opsroom version."""
    if as_json:
        print_json({"version": __version__})
    else:
        out.print(f"opsroom {__version__}")


def main() -> None:
    wiring.install()
    try:
        app()
    except Exception as exc:  # the last line of defence: a message, never a traceback
        logging.getLogger("opsroom").debug("unexpected error", exc_info=True)
        fail(f"unexpected {type(exc).__name__}: {exc}", code=70)

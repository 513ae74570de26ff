"""The application factories: every domain's API and pages behind one error shape, for
`opsroom serve` or any ASGI server (`uvicorn --factory opsroom.runtime.app:create_app_with_worker`,
gunicorn with uvicorn workers; docs/architecture.md)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from aiosmtpd.controller import Controller
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from opsroom import __version__
from opsroom.actions import api as actions_api
from opsroom.actions import pages as actions_pages
from opsroom.alerts import api as alerts_api
from opsroom.alerts import pages as alerts_pages
from opsroom.alerts import webhook_pages
from opsroom.alerts.service import intake_arrived as arrived
from opsroom.anomalies import api as anomalies_api
from opsroom.anomalies import pages as anomalies_pages
from opsroom.auth import api as auth_api
from opsroom.auth import audit_api, audit_pages, deps
from opsroom.auth import pages as auth_pages
from opsroom.catalog import api as catalog_api
from opsroom.catalog import pages as catalog_pages
from opsroom.changes import api as changes_api
from opsroom.changes import freeze_pages
from opsroom.changes import pages as changes_pages
from opsroom.desk import api as desk_api
from opsroom.desk import organisation_pages, request_pages
from opsroom.desk import pages as desk_pages
from opsroom.home import dashboard, service_hub
from opsroom.home.incident_panels import incident_panels
from opsroom.home.shell import shell
from opsroom.incidents import api as incidents_api
from opsroom.incidents import pages as incidents_pages
from opsroom.infra import errors_http
from opsroom.infra.config import Settings
from opsroom.infra.middleware import BodySizeLimit, SecurityHeaders
from opsroom.integrations import api as ingest_api
from opsroom.integrations import group_commit
from opsroom.kpis import api as kpis_api
from opsroom.kpis import pages as kpis_pages
from opsroom.mailin import api as mail_api
from opsroom.mailin import listener as mail_listener
from opsroom.mailin import pages as mail_pages
from opsroom.notify import api as notify_api
from opsroom.notify import pages as notify_pages
from opsroom.oncall import api as oncall_api
from opsroom.oncall import gateway as oncall_gateway
from opsroom.oncall import pages as oncall_pages
from opsroom.oncall import policy_pages, rota_pages, setup_pages
from opsroom.outbound import api as outbound_api
from opsroom.outbound import pages as outbound_pages
from opsroom.platforms import api as platforms_api
from opsroom.platforms import pages as platforms_pages
from opsroom.problems import api as problems_api
from opsroom.problems import pages as problems_pages
from opsroom.reviews import api as reviews_api
from opsroom.reviews import pages as reviews_pages
from opsroom.risks import api as risks_api
from opsroom.risks import pages as risks_pages
from opsroom.runbooks import api as runbooks_api
from opsroom.runbooks import pages as runbooks_pages
from opsroom.runtime import health, intake_worker, metrics, wiring
from opsroom.runtime.worker import EmbeddedWorker
from opsroom.search import api as search_api
from opsroom.search import pages as search_pages
from opsroom.slos import api as slos_api
from opsroom.slos import pages as slos_pages
from opsroom.statuspage import api as statuspage_api
from opsroom.statuspage import pages as statuspage_pages
from opsroom.statuspage.published import Shelf
from opsroom.vendors import api as vendors_api
from opsroom.vendors import pages as vendors_pages
from opsroom.web import STATIC, VENDOR_FILES, make_templates
from opsroom.web.pages import RecordForms

log = logging.getLogger("opsroom")
# The access log of uvicorn, and of gunicorn's uvicorn workers: (client, method, path,
# HTTP version, status) a request.
ACCESS_LOG = logging.getLogger("uvicorn.access")
# What everyone reloads during an outage, matched before the hundreds of routes behind it
# (the lookup tries each route in turn: last in line, it cost the page five times the
# answer itself).
STATUS_ROUTERS = (statuspage_api.router, statuspage_pages.links)
API_ROUTERS = (
    ingest_api.router,
    health.router,
    auth_api.router,
    catalog_api.router,
    incidents_api.router,
    audit_api.router,
    alerts_api.router,
    anomalies_api.router,
    changes_api.router,
    problems_api.router,
    desk_api.router,
    mail_api.router,
    reviews_api.router,
    actions_api.router,
    risks_api.router,
    slos_api.router,
    vendors_api.router,
    outbound_api.router,
    runbooks_api.router,
    platforms_api.router,
    platforms_api.installation,
    kpis_api.router,
    metrics.router,
    oncall_api.router,
    oncall_gateway.router,
    oncall_gateway.twilio_router,
    notify_api.router,
    search_api.router,
)
PAGE_ROUTERS = (
    auth_pages.router,
    dashboard.entry,
    dashboard.router,
    service_hub.router,
    catalog_pages.router,
    audit_pages.router,
    incidents_pages.router,
    incidents_pages.engaged,
    alerts_pages.router,
    anomalies_pages.router,
    webhook_pages.router,
    changes_pages.router,
    freeze_pages.router,
    problems_pages.router,
    desk_pages.router,
    mail_pages.router,
    organisation_pages.router,
    request_pages.router,
    statuspage_pages.router,
    reviews_pages.router,
    actions_pages.router,
    risks_pages.router,
    slos_pages.router,
    vendors_pages.router,
    outbound_pages.router,
    runbooks_pages.router,
    platforms_pages.router,
    vendors_pages.engaged,
    kpis_pages.router,
    rota_pages.router,
    setup_pages.router,
    policy_pages.router,
    oncall_pages.router,
    oncall_pages.links,
    notify_pages.router,
    notify_pages.links,
    search_pages.router,
    desk_pages.links,
    desk_pages.portal,
    request_pages.portal,
)


class Opsroom(FastAPI):
    """The app, serving the intake's endpoints (an alert storm: thousands of small requests a
    second) through its own middleware and error handlers alone. FastAPI's layers around
    every other request (its telemetry check, which reads the environment, the exit-stack
    middleware, the lookup among every route) cost a single-alert request about a tenth of
    its CPU; what the intake's requests pass is otherwise the same as for any route."""

    _intake: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in ingest_api.INTAKE_PATHS:
            scope["app"] = self
            await self._intake_stack()(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    def _intake_stack(self) -> ASGIApp:
        """The intake's routes inside the app's middleware, as Starlette stacks them for the
        app: errors answered by the app's handlers, the unexpected ones last."""
        if self._intake is None:
            handlers = dict(self.exception_handlers)
            unexpected = handlers.pop(Exception, None)
            stack: ASGIApp = ExceptionMiddleware(
                Router(routes=ingest_api.intake.routes), handlers=handlers
            )
            stack = ServerErrorMiddleware(stack, handler=unexpected)
            for middleware in reversed(self.user_middleware):
                stack = middleware.cls(stack, *middleware.args, **middleware.kwargs)
            self._intake = stack
        return self._intake


# The page of each kind of record that has a Jira or Confluence counterpart, by its key's
# prefix: where the outbound forms post back to, and what shows their refusals.
RECORD_PAGES = {
    "ACT": RecordForms(actions_pages.detail, lambda key, _: f"/actions/{key}#outbound"),
    "PRB": RecordForms(problems_pages.detail, lambda key, _: f"/problems/{key}#outbound"),
    "INC": RecordForms(reviews_pages.editor, lambda key, _: f"/reviews/{key}#outbound"),
}


def create_app(settings: Settings | None = None, *, worker: bool = False) -> FastAPI:
    """The web application; with worker=True it also runs the background worker. Called
    without settings (as an ASGI server's factory: the app of `opsroom serve --no-worker`),
    it reads them from the environment and logs what must be fixed in them."""
    if settings is None:
        settings = Settings()
        for warning in settings.warnings():
            log.warning("warning: %s", warning)
    wiring.install()
    app = Opsroom(
        lifespan=_lifespan(settings, worker=worker),
        title="opsroom",
        version=__version__,
        description="Run a platform's operations: catalog, incidents, alerts, on-call, changes and KPIs.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.templates = make_templates(settings.timezone)
    app.state.templates.env.globals["may"] = deps.may
    app.state.shell = shell
    app.state.status_pages = Shelf()
    app.state.incident_panels = incident_panels
    app.state.elsewhere = outbound_pages.panel
    app.state.record_pages = RECORD_PAGES
    errors_http.install(app)
    app.router.routes.extend(ingest_api.intake.routes)  # in the OpenAPI document
    for router in (*STATUS_ROUTERS, *API_ROUTERS, *PAGE_ROUTERS):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/vendor/{name}", _vendor_file, include_in_schema=False)
    app.add_api_route("/favicon.ico", _favicon, include_in_schema=False)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeaders, tls=settings.uses_tls)
    return app


def create_app_with_worker() -> FastAPI:
    """The app of `opsroom serve`, background worker included, for an ASGI server's factory
    (`uvicorn --factory opsroom.runtime.app:create_app_with_worker`): settings from the environment."""
    return create_app(worker=True)


def _lifespan(
    settings: Settings, *, worker: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """While the app runs: the background worker (with `worker`), and accepted ingest
    requests left out of the server's access log. When it stops, the ingest group commits
    of its event loop let go of their thread and connection."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        workers = _workers(settings) if worker else ()
        for each in workers:
            each.start()
        mail = _mail_listener(settings) if worker else None
        unlogged = ingest_api.AcceptedUnlogged()
        ACCESS_LOG.addFilter(unlogged)
        try:
            yield
        finally:
            ACCESS_LOG.removeFilter(unlogged)
            for each in workers:
                each.close()
            if mail is not None:
                mail.stop()
            await group_commit.close_writers()

    return lifespan


def _mail_listener(settings: Settings) -> Controller | None:
    """opsroom's own SMTP listener, where OPSROOM_MAIL_LISTEN_PORT asks for it."""
    if settings.mail_listen_port is None:
        return None
    return mail_listener.listening(
        settings, host=settings.mail_listen_host, port=settings.mail_listen_port
    )


def _workers(settings: Settings) -> tuple[EmbeddedWorker, ...]:
    drainer = EmbeddedWorker(
        settings, loop=intake_worker.run_forever, name="opsroom-intake", wake=arrived
    )
    return EmbeddedWorker(settings), drainer


def _favicon() -> RedirectResponse:
    """For clients that ask for the icon where browsers looked for it before <link rel=icon>."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


def _vendor_file(name: str) -> FileResponse:
    path = VENDOR_FILES.get(name)
    if path is None or not path.exists():
        raise HTTPException(
            404, f"no front-end file '{name}' (run `make install` to fetch front-end packages)"
        )
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

"""The ingest endpoints' lane: their requests are answered ahead of FastAPI's routing and
dependency solving, which cost ten times what an ingest request's own checks do. The
endpoints stay FastAPI routes (their signatures document the API); the lane calls each
with its dependencies, every one an async function of the request, and maps what it
raises through the app's exception handlers, so the answers are the ones FastAPI would give."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Dependency = Callable[[Request], Awaitable[Any]]
Handlers = Mapping[Any, Callable[[Request, Any], Response | Awaitable[Response]]]


@dataclass(frozen=True)
class _Served:
    endpoint: Callable[..., Awaitable[Response]]
    dependencies: tuple[tuple[str, Dependency], ...]

    @classmethod
    def of(cls, route: APIRoute) -> _Served:
        dependant = route.dependant
        if dependant.path_params or dependant.query_params or dependant.header_params:
            raise TypeError(f"{route.path}: the ingest lane passes dependencies only")
        dependencies = tuple((d.name, d.call) for d in dependant.dependencies if d.name)
        for name, call in dependencies:
            if not _is_async(call):
                raise TypeError(f"{route.path}: dependency '{name}' must be async")
        if not _is_async(route.endpoint):
            raise TypeError(f"{route.path}: the endpoint must be async")
        return cls(route.endpoint, dependencies)  # type: ignore[arg-type]

    async def answer(self, request: Request) -> Response:
        arguments = {name: await call(request) for name, call in self.dependencies}
        return await self.endpoint(**arguments)


def _is_async(call: Any) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(
        getattr(call, "__call__", None)  # noqa: B004  (an instance with an async __call__)
    )


class IngestLane:
    def __init__(self, app: ASGIApp, routes: Sequence[APIRoute], handlers: Handlers) -> None:
        self.app = app
        self.served = {
            (method, route.path): _Served.of(route)
            for route in routes
            for method in route.methods or ()
        }
        self.handlers = handlers  # the app's own: read at each error, so added ones count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        served = (
            self.served.get((scope["method"], scope["path"])) if scope["type"] == "http" else None
        )
        if served is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await served.answer(request)
        except Exception as exc:
            response = await self._handled(request, exc)
        await response(scope, receive, send)

    async def _handled(self, request: Request, exc: Exception) -> Response:
        """The app's handler for `exc`, the most specific one, as its middleware would pick
        it (its handler of Exception logs the error and answers a plain 500)."""
        for kind in type(exc).__mro__:
            handler = self.handlers.get(kind)
            if handler is not None:
                response = handler(request, exc)
                return await response if inspect.isawaitable(response) else response
        raise exc

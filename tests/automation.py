"""A local automation server for the tests: a real HTTP server answering the calls opsroom
makes to Rundeck (API v41), Ansible AWX (API v2) and StackStorm (API v1) as their API
documentation describes them, recording each request, with the statuses a test sets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from tests.servers import serving


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Automation:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    status: str = "running"  # what the next status request is told, in the tool's words
    failures: list[int] = field(default_factory=list)  # HTTP statuses to answer first


def _started(path: str) -> tuple[int, dict[str, Any]]:
    if path.startswith("/api/41/job/"):  # Rundeck: the execution, running
        return 200, {"id": 7, "status": "running", "permalink": "/project/ops/execution/show/7"}
    if path.startswith("/api/v2/job_templates/"):  # AWX: the job launched
        return 201, {"job": 42, "id": 42, "status": "pending", "url": "/api/v2/jobs/42/"}
    return 201, {"id": "5f2b0c1e9b3a4c0001a1b2c3", "status": "requested"}  # StackStorm


def _app(server: Automation) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def receive(request: Request) -> Response:
        raw = await request.body()
        path = request.url.path
        body = orjson.loads(raw) if raw else None
        server.received.append(Received(request.method, path, dict(request.headers), body))
        if server.failures:
            status = server.failures.pop(0)
            return Response(orjson.dumps({"message": f"answered {status}"}), status)
        status, answer = (
            _started(path) if request.method == "POST" else (200, {"status": server.status})
        )
        return Response(orjson.dumps(answer), status, media_type="application/json")

    return app


@contextmanager
def automation_server() -> Iterator[Automation]:
    server = Automation()
    with serving(_app(server)) as url:
        server.url = url
        yield server

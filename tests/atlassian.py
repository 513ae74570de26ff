"""A local Atlassian Cloud site for the tests: a real HTTP server that records every request
opsroom sends to Jira and Confluence, checks it against the operations of Atlassian's
published OpenAPI documents (tests/payloads/openapi, with openapi-core), and answers as
Jira and Confluence do, or with the failures a test queues."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import yaml
from fastapi import FastAPI, Request, Response
from openapi_core import OpenAPI
from openapi_core.contrib.starlette.requests import StarletteOpenAPIRequest

from tests.servers import serving

DOCUMENTS = Path(__file__).parent / "payloads" / "openapi"
# Where each API is served on a site, by the path of its published document's server.
APIS = {"/rest/api/3": "jira-platform-v3.yaml", "/wiki/api/v2": "confluence-v2.yaml"}


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    problems: list[str]  # how the request strays from the published document, if it does


@dataclass
class Site:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    # "POST /rest/api/3/issue" -> (status, body) to answer first, before the usual answer
    failures: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)  # page id -> its version

    def fail(self, operation: str, status: int, body: Any = None) -> None:
        self.failures.setdefault(operation, []).append((status, body or {}))

    def valid(self) -> list[Received]:
        """Every request received, once each is known to match its published operation."""
        assert [r.problems for r in self.received if r.problems] == []
        return self.received


@cache
def _document(name: str, base: str) -> OpenAPI:
    """A published document, its server moved from the vendor's site to the local one."""
    spec = yaml.safe_load((DOCUMENTS / name).read_text())
    spec["servers"] = [{"url": base + urlsplit(spec["servers"][0]["url"]).path}]
    return OpenAPI.from_dict(_checkable_security(spec))


def _checkable_security(spec: dict[str, Any]) -> dict[str, Any]:
    """Keep the operations' HTTP (basic auth) requirements only: openapi-core lets any
    request through an OAuth 2.0 alternative, which it cannot check."""
    schemes = spec["components"]["securitySchemes"]
    for operations in spec["paths"].values():
        for operation in operations.values():
            operation["security"] = [
                requirement
                for requirement in operation["security"]
                if all(schemes[name]["type"] == "http" for name in requirement)
            ]
    return spec


def _problems(request: Request, body: bytes, base: str) -> list[str]:
    names = [doc for prefix, doc in APIS.items() if request.url.path.startswith(prefix)]
    if not names:
        return [f"no published operation {request.method} {request.url.path}"]
    result = _document(names[0], base).unmarshal_request(StarletteOpenAPIRequest(request, body))
    return [f"{type(e).__name__}: {e} {getattr(e, '__cause__', '')}" for e in result.errors]


def _answer(site: Site, method: str, path: str, body: Any) -> tuple[int, Any]:
    queued = site.failures.get(f"{method} {path}")
    if queued:
        return queued.pop(0)
    if path == "/rest/api/3/issue":
        number = sum(r.path == path for r in site.received)
        key = f"{body['fields']['project']['key']}-{number}"
        return 201, {"id": str(10000 + number), "key": key, "self": f"{site.url}{path}/{key}"}
    if method == "POST":
        page_id = str(65536 + len(site.pages))
        site.pages[page_id] = 1
    else:
        page_id = path.rsplit("/", 1)[1]
        if body["version"]["number"] != site.pages[page_id] + 1:
            return 409, {"errors": [{"status": 409, "title": "Version must be incremented"}]}
        site.pages[page_id] += 1
    return 200, {
        "id": page_id,
        "status": "current",
        "title": body["title"],
        "spaceId": body.get("spaceId", ""),
        "version": {"number": site.pages[page_id]},
        "_links": {"webui": f"/spaces/OPS/pages/{page_id}"},
    }


def _app(site: Site) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["POST", "PUT"])
    async def receive(request: Request) -> Response:
        raw = await request.body()
        body = orjson.loads(raw) if raw else None
        path = request.url.path
        problems = _problems(request, raw, site.url)
        site.received.append(Received(request.method, path, dict(request.headers), body, problems))
        status, answer = (
            (400, {"errorMessages": problems})
            if problems
            else _answer(site, request.method, path, body)
        )
        return Response(orjson.dumps(answer), status, media_type="application/json")

    return app


@contextmanager
def atlassian_site() -> Iterator[Site]:
    site = Site()
    with serving(_app(site)) as url:
        site.url = url
        yield site

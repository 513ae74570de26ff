"""The ingest lane calls endpoints itself, so it takes only those it can call as FastAPI
would: async, with async dependencies of the request alone. Anything else is refused when
the app is built, not found out on a live request."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from opsroom.integrations.lane import IngestLane


async def body_of(request: Request) -> bytes:
    return await request.body()


def header_of(request: Request) -> str:
    return request.headers.get("x-key", "")


router = APIRouter()


@router.post("/fine")
async def fine(body: Annotated[bytes, Depends(body_of)]) -> Response:
    return Response(body)


@router.post("/sync-dependency")
async def sync_dependency(key: Annotated[str, Depends(header_of)]) -> Response:
    return Response(key)


@router.post("/sync-endpoint")
def sync_endpoint(body: Annotated[bytes, Depends(body_of)]) -> Response:
    return Response(body)


@router.post("/with/{path}")
async def path_parameter(path: str) -> Response:
    return Response(path)


def route(path: str) -> APIRoute:
    return next(r for r in router.routes if isinstance(r, APIRoute) and r.path == path)


def lane(*paths: str) -> IngestLane:
    async def app(*_: object) -> None:
        raise AssertionError("not reached")

    return IngestLane(app, [route(p) for p in paths], {})


def test_an_async_endpoint_with_async_dependencies_is_served() -> None:
    assert set(lane("/fine").served) == {("POST", "/fine")}


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/sync-dependency", "dependency 'key' must be async"),
        ("/sync-endpoint", "the endpoint must be async"),
        ("/with/{path}", "passes dependencies only"),
    ],
)
def test_what_the_lane_cannot_call_as_fastapi_would_is_refused(path: str, why: str) -> None:
    with pytest.raises(TypeError, match=why):
        lane(path)

"""Push pages through Apprise to a local endpoint speaking ntfy's JSON publishing format:
the page arrives with its title and acknowledge link; a refusing server is retried."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from opsroom.audit import service as audit
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.notify.domain import Channel
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.servers import serving

ALICE = "alice@example.com"


@dataclass
class Ntfy:
    url: str = ""
    published: list[dict[str, str]] = field(default_factory=list)
    answer: int = 200


def _ntfy(server: Ntfy) -> FastAPI:
    """ntfy's JSON publishing: POST / {"topic", "title", "message"}, answered with the event."""
    app = FastAPI()

    @app.post("/")
    async def publish(request: Request) -> JSONResponse:
        body = await request.json()
        if server.answer != 200:
            return JSONResponse({"code": 50001, "error": "unavailable"}, server.answer)
        if not {"topic", "message"} <= body.keys():
            return JSONResponse({"code": 40001, "error": "invalid request"}, 400)
        server.published.append(body)
        event = {"id": "x1", "time": 1, "event": "message", "topic": body["topic"]}
        return JSONResponse({**event, "message": body["message"]})

    return app


@pytest.fixture
def ntfy() -> Iterator[Ntfy]:
    server = Ntfy()
    with serving(_ntfy(server)) as url:
        server.url = url
        yield server


def _paged_by_push(settings: Settings, ntfy: Ntfy) -> str:
    with session_scope(settings) as s:
        factories.small_platform(s)
        policy = {
            "slug": "identity",
            "name": "Identity",
            "squad": "identity",
            "squad_default": True,
            "levels": [{"targets": [{"kind": "person", "ref": ALICE}]}],
        }
        oncall.create_policy(s, actor=ACTOR, data=schemas.PolicyCreate.model_validate(policy))
        topic = ntfy.url.replace("http://", "ntfy://") + "/pager"
        factories.verified_contact(s, ALICE, topic, Channel.PUSH)
        data = incident_schemas.IncidentCreate(
            title="Checkout is down", impact=3, urgency=1, services=["auth"]
        )
        return incidents.declare(s, actor=ACTOR, data=data).key


def test_a_push_page_reaches_the_ntfy_topic_with_its_acknowledge_link(
    settings: Settings, ntfy: Ntfy
) -> None:
    key = _paged_by_push(settings, ntfy)
    run_once(settings, owner="w1")
    (page,) = [p for p in ntfy.published if key in p.get("title", "")]
    assert (page["topic"], page["title"]) == ("pager", f"[P3] {key}: Checkout is down")
    assert f"/oncall/ack?incident={key}&person={ALICE}&token=" in page["message"]
    with session_scope(settings) as s:
        texts = [e.text for e in audit.timeline(s, subject_type="incident", subject_key=key)]
    assert any(t.startswith(f"Paged {ALICE} by push, delivered") for t in texts)


def test_a_push_service_that_refuses_is_retried(settings: Settings, ntfy: Ntfy) -> None:
    key = _paged_by_push(settings, ntfy)
    ntfy.answer = 503
    run_once(settings, owner="w1")
    with session_scope(settings) as s:
        texts = [e.text for e in audit.timeline(s, subject_type="incident", subject_key=key)]
    assert any("by push failed (attempt 1" in t and "retrying at" in t for t in texts)

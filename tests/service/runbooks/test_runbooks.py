"""Runbooks run on an incident with its context: launched by the worker as each tool's API
documents, polled until the tool reports the outcome, risky ones only once approved, each
within its runs per hour, every step on the incident's timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, RateLimited, ValidationFailed
from opsroom.runbooks import schemas
from opsroom.runbooks import service as runbooks
from opsroom.runbooks.domain import POLL_EVERY
from opsroom.runtime.worker import run_once
from tests.automation import Automation, automation_server
from tests.improvement import MANAGER, RESPONDER, two_squads
from tests.service.alerts import conftest as alert_helpers


@pytest.fixture
def tool() -> Iterator[Automation]:
    with automation_server() as server:
        yield server


def _runbook(session: Session, tool: Automation, kind: str, job: str, **extra: Any) -> str:
    data = schemas.RunbookIn(
        slug=f"restart-{kind}",
        name=f"Restart checkout ({kind})",
        platform="procurement",
        tool=kind,
        base_url=tool.url,
        job=job,
        token="tool-token",
        **extra,
    )
    return runbooks.create(session, actor=MANAGER, data=data).slug


def _incident(session: Session) -> str:
    data = incident_schemas.IncidentCreate(
        title="Checkout fails", services=["checkout"], impact=1, urgency=1
    )
    return incidents.declare(session, actor=RESPONDER, data=data).key


def _setup(
    settings: Settings, tool: Automation, kind: str, job: str, **extra: Any
) -> tuple[str, str]:
    with session_scope(settings) as s:
        two_squads(s)
        return _runbook(s, tool, kind, job, **extra), _incident(s)


def _run(settings: Settings, key: str, slug: str) -> int:
    with session_scope(settings) as s:
        return runbooks.run(s, actor=RESPONDER, key=key, data=schemas.RunIn(runbook=slug)).id


def _state(settings: Settings, run_id: int) -> Any:
    with session_scope(settings) as s:
        return runbooks.read(runbooks.get_run(s, actor=RESPONDER, run_id=run_id))


def _timeline(settings: Settings, key: str) -> list[str]:
    with session_scope(settings) as s:
        return [e.text for e in audit.timeline(s, subject_type="incident", subject_key=key)]


LAUNCHES = [
    (
        "rundeck",
        "3b8a86e2-5b2c-4c48-9c9f-3c3e5c0f5a1b",
        "POST",
        "/api/41/job/3b8a86e2-5b2c-4c48-9c9f-3c3e5c0f5a1b/run",
        "x-rundeck-auth-token",
        "tool-token",
        "options",
        "7",
    ),
    (
        "awx",
        "12",
        "POST",
        "/api/v2/job_templates/12/launch/",
        "authorization",
        "Bearer tool-token",
        "extra_vars",
        "42",
    ),
    (
        "stackstorm",
        "ops.restart_service",
        "POST",
        "/api/v1/executions",
        "st2-api-key",
        "tool-token",
        "parameters",
        "5f2b0c1e9b3a4c0001a1b2c3",
    ),
]


@pytest.mark.parametrize(
    ("kind", "job", "method", "path", "header", "credential", "given", "execution"), LAUNCHES
)
def test_a_run_launches_in_its_tool_and_its_outcome_lands_on_the_timeline(
    settings: Settings,
    tool: Automation,
    frozen_clock: clock.FrozenClock,
    kind: str,
    job: str,
    method: str,
    path: str,
    header: str,
    credential: str,
    given: str,
    execution: str,
) -> None:
    slug, key = _setup(settings, tool, kind, job)
    run_id = _run(settings, key, slug)
    assert tool.received == []  # launched by the worker, never in the request
    run_once(settings, owner="w")
    [launch] = tool.received
    assert (launch.method, launch.path, launch.headers[header]) == (method, path, credential)
    context = launch.body[given]
    assert (context["incident"], context["priority"], context["service"]) == (key, "P1", "checkout")
    if kind == "stackstorm":
        assert launch.body["action"] == "ops.restart_service"
    assert (_state(settings, run_id).state, _state(settings, run_id).execution) == (
        "running",
        execution,
    )
    frozen_clock.advance(POLL_EVERY)
    run_once(settings, owner="w")
    assert tool.received[1].method == "GET" and execution in tool.received[1].path
    assert _state(settings, run_id).state == "running"
    tool.status = {"awx": "successful"}.get(kind, "succeeded")
    frozen_clock.advance(POLL_EVERY)
    run_once(settings, owner="w")
    assert _state(settings, run_id).state == "succeeded"
    timeline = _timeline(settings, key)
    assert f"Runbook Restart checkout ({kind}) succeeded" in timeline
    assert any(
        t.startswith(f"Runbook Restart checkout ({kind}) started in {kind}") for t in timeline
    )


def test_a_risky_job_waits_for_the_operations_manager(settings: Settings, tool: Automation) -> None:
    slug, key = _setup(settings, tool, "awx", "12", risky=True)
    refused_id, approved_id = _run(settings, key, slug), _run(settings, key, slug)
    run_once(settings, owner="w")
    assert tool.received == [] and _state(settings, refused_id).state == "awaiting_approval"
    with session_scope(settings) as s, pytest.raises(Forbidden):
        runbooks.decide(
            s, actor=RESPONDER, run_id=refused_id, approve=True, data=schemas.DecisionIn()
        )
    with session_scope(settings) as s:
        runbooks.decide(
            s,
            actor=MANAGER,
            run_id=refused_id,
            approve=False,
            data=schemas.DecisionIn(note="not during peak"),
        )
        runbooks.decide(
            s, actor=MANAGER, run_id=approved_id, approve=True, data=schemas.DecisionIn()
        )
    with session_scope(settings) as s, pytest.raises(Conflict, match="rejected"):
        runbooks.decide(
            s, actor=MANAGER, run_id=refused_id, approve=True, data=schemas.DecisionIn()
        )
    run_once(settings, owner="w")
    assert len(tool.received) == 1  # the approved run alone
    assert _state(settings, refused_id).decided_by == MANAGER.name
    assert "Runbook Restart checkout (awx) rejected: not during peak" in _timeline(settings, key)


def test_a_job_keeps_to_its_runs_per_hour(
    settings: Settings, tool: Automation, frozen_clock: clock.FrozenClock
) -> None:
    slug, key = _setup(settings, tool, "rundeck", "job-1", runs_per_hour=1)
    _run(settings, key, slug)
    frozen_clock.advance(timedelta(minutes=20))
    with pytest.raises(RateLimited) as limited:
        _run(settings, key, slug)
    assert limited.value.retry_after == 40 * 60
    frozen_clock.advance(timedelta(minutes=41))
    _run(settings, key, slug)


def test_a_tool_that_is_down_is_retried_and_a_refusal_fails_the_run(
    settings: Settings, tool: Automation, frozen_clock: clock.FrozenClock
) -> None:
    slug, key = _setup(settings, tool, "stackstorm", "ops.restart_service")
    run_id = _run(settings, key, slug)
    tool.failures = [503]
    run_once(settings, owner="w")
    assert _state(settings, run_id).state == "queued"
    frozen_clock.advance(timedelta(seconds=5))
    run_once(settings, owner="w")
    assert _state(settings, run_id).state == "running"
    second = _run(settings, key, slug)
    tool.failures = [401]
    run_once(settings, owner="w")
    failed = _state(settings, second)
    assert failed.state == "failed"
    assert failed.last_error == 'stackstorm refused it: HTTP 401: {"message":"answered 401"}'
    assert any("failed: stackstorm refused it" in t for t in _timeline(settings, key))


def test_a_runbook_attached_to_an_integration_runs_on_the_incidents_its_alerts_open(
    settings: Settings, tool: Automation
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        source = alert_helpers.integration(s, slug="prom", service="checkout")
        slug = _runbook(s, tool, "rundeck", "job-1", integration="prom")
        alert_helpers.send(s, source, alert_helpers.alert("CheckoutDown"))
        alert_helpers.integration(s, slug="other", service="checkout")
        with pytest.raises(ValidationFailed) as refused:
            _runbook(s, tool, "awx", "12", integration="nowhere")
        assert refused.value.fields == {"integration": "not an integration"}
    declared_by_hand = _setup_incident(settings)
    run_once(settings, owner="w")  # finds the attached runbook and queues its run
    run_once(settings, owner="w")  # launches it
    with session_scope(settings) as s:
        [opened] = [r for r in runbooks.offered(s, actor=RESPONDER) if r.slug == slug]
        [run] = [
            r
            for key in ("INC-1", declared_by_hand)
            for r in runbooks.runs(s, actor=RESPONDER, key=key)
        ]
        assert (run.incident_key, run.requested_by, run.state) == (
            "INC-1",
            "integration:prom",
            "running",
        )
    assert [r.path for r in tool.received] == ["/api/41/job/job-1/run"]
    assert opened.integration == "prom"


def _setup_incident(settings: Settings) -> str:
    with session_scope(settings) as s:
        return _incident(s)

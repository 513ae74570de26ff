"""What the worker does with a run: launch it in its tool, then ask the tool how it went
until it is finished. A tool that is down is tried again on the timer's backoff; one that
refuses (4xx) fails the run with its answer, on the incident's timeline."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.orm import Session

from opsroom.infra import clock
from opsroom.jobs.domain import Due
from opsroom.runbooks import domain, service
from opsroom.runbooks.domain import RunState, Tool
from opsroom.runbooks.models import Runbook, RunbookRun

TIMEOUT_SECONDS = 10.0
WORKER = "opsroom-worker"


class Refused(Exception):
    """The tool answered 4xx: asking again would get the same answer."""


def _call(runbook: Runbook, call: domain.Call) -> dict[str, Any]:
    try:
        response = httpx.request(
            call.method,
            runbook.base_url.rstrip("/") + call.path,
            json=call.body,
            headers={"Accept": "application/json", **call.headers},
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as exc:
        raise ConnectionError(f"{runbook.name}: {type(exc).__name__}: {exc}") from exc
    if response.status_code >= 500:
        raise ConnectionError(f"{runbook.name}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise Refused(f"HTTP {response.status_code}: {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


def _pending(session: Session, timer: Due, state: RunState) -> tuple[RunbookRun, Runbook] | None:
    found = session.get(RunbookRun, timer.payload["run"])
    if found is None or found.state != state:
        return None
    return found, service.get(session, found.runbook_slug)


def _failed(session: Session, found: RunbookRun, runbook: Runbook, reason: str) -> None:
    found.state, found.last_error, found.updated_at = RunState.FAILED, reason, clock.now()
    service.tell(
        session, found, WORKER, "runbook.failed", f"Runbook {runbook.name} failed: {reason}"
    )


def launch(session: Session, timer: Due) -> None:
    """Run the job in its tool with the incident's context, then poll for its outcome."""
    pending = _pending(session, timer, RunState.QUEUED)
    if pending is None:
        return
    found, runbook = pending
    tool = Tool(runbook.tool)
    try:
        answer = _call(runbook, domain.launch(tool, runbook.job, runbook.token, found.context))
    except Refused as exc:
        _failed(session, found, runbook, f"{runbook.tool} refused it: {exc}")
        return
    found.state, found.execution = RunState.RUNNING, domain.execution_id(tool, answer)
    found.updated_at = clock.now()
    text = f"Runbook {runbook.name} started in {runbook.tool} (execution {found.execution})"
    service.tell(session, found, WORKER, "runbook.started", text)
    service.schedule(session, found, service.POLL_TIMER)


def poll(session: Session, timer: Due) -> None:
    """Ask the tool how the execution went: its outcome on the timeline once finished."""
    pending = _pending(session, timer, RunState.RUNNING)
    if pending is None:
        return
    found, runbook = pending
    tool = Tool(runbook.tool)
    try:
        answer = _call(runbook, domain.status_call(tool, str(found.execution), runbook.token))
    except Refused as exc:
        _failed(session, found, runbook, f"{runbook.tool} refused the status request: {exc}")
        return
    found.tool_status, found.updated_at = str(answer.get("status", "")), clock.now()
    state = domain.outcome(tool, found.tool_status)
    if state is RunState.RUNNING:
        service.schedule(session, found, service.POLL_TIMER)
    elif state is RunState.FAILED:
        _failed(session, found, runbook, f"{runbook.tool} reports it {found.tool_status}")
    else:
        found.state = state
        service.tell(
            session, found, WORKER, "runbook.succeeded", f"Runbook {runbook.name} succeeded"
        )

"""Runbook automation as pure rules: how each tool is asked to run a job with an incident's
context and how it reports the outcome (Rundeck, Ansible AWX, StackStorm), when a run waits
for approval, and how many runs a job allows in an hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from opsroom.infra.errors import RateLimited

RATE_WINDOW = timedelta(hours=1)
POLL_EVERY = timedelta(seconds=30)
RUNDECK_API_VERSION = 41


class Tool(StrEnum):
    RUNDECK = "rundeck"
    AWX = "awx"
    STACKSTORM = "stackstorm"


class RunState(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    REJECTED = "rejected"
    QUEUED = "queued"  # approved or not risky: the worker launches it
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINAL = frozenset({RunState.REJECTED, RunState.SUCCEEDED, RunState.FAILED})
# Each tool's own words for a finished execution, and what they mean here.
OUTCOMES: dict[Tool, dict[str, RunState]] = {
    Tool.RUNDECK: {
        "succeeded": RunState.SUCCEEDED,
        "failed": RunState.FAILED,
        "aborted": RunState.FAILED,
        "timedout": RunState.FAILED,
        "failed-with-retry": RunState.FAILED,
    },
    Tool.AWX: {
        "successful": RunState.SUCCEEDED,
        "failed": RunState.FAILED,
        "error": RunState.FAILED,
        "canceled": RunState.FAILED,
    },
    Tool.STACKSTORM: {
        "succeeded": RunState.SUCCEEDED,
        "failed": RunState.FAILED,
        "timeout": RunState.FAILED,
        "abandoned": RunState.FAILED,
        "canceled": RunState.FAILED,
    },
}


@dataclass(frozen=True)
class Call:
    """One HTTP request to the tool: method, path under its base URL, headers, JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None


def _auth(tool: Tool, token: str) -> dict[str, str]:
    if tool is Tool.RUNDECK:
        return {"X-Rundeck-Auth-Token": token}
    if tool is Tool.STACKSTORM:
        return {"St2-Api-Key": token}
    return {"Authorization": f"Bearer {token}"}


def launch(tool: Tool, job: str, token: str, context: dict[str, str]) -> Call:
    """The documented call that runs `job` with the incident's context: Rundeck's job
    options, AWX's extra_vars, StackStorm's action parameters."""
    headers = _auth(tool, token)
    if tool is Tool.RUNDECK:
        path = f"/api/{RUNDECK_API_VERSION}/job/{job}/run"
        return Call("POST", path, headers, {"options": context})
    if tool is Tool.AWX:
        return Call(
            "POST", f"/api/v2/job_templates/{job}/launch/", headers, {"extra_vars": context}
        )
    return Call("POST", "/api/v1/executions", headers, {"action": job, "parameters": context})


def execution_id(tool: Tool, answer: dict[str, Any]) -> str:
    """The id of the execution the tool started, from its answer to `launch`."""
    return str(answer["job"] if tool is Tool.AWX else answer["id"])


def status_call(tool: Tool, execution: str, token: str) -> Call:
    headers = _auth(tool, token)
    if tool is Tool.RUNDECK:
        return Call("GET", f"/api/{RUNDECK_API_VERSION}/execution/{execution}", headers)
    if tool is Tool.AWX:
        return Call("GET", f"/api/v2/jobs/{execution}/", headers)
    return Call("GET", f"/api/v1/executions/{execution}", headers)


def outcome(tool: Tool, status: str) -> RunState:
    """Where an execution the tool reports as `status` stands: finished, or still running."""
    return OUTCOMES[tool].get(status, RunState.RUNNING)


def check_rate(
    job: str, limit: int, runs_in_window: int, oldest: datetime | None, now: datetime
) -> None:
    """A job runs at most `limit` times an hour; the next run waits for the oldest to age out."""
    if limit and runs_in_window >= limit:
        wait = (oldest + RATE_WINDOW - now) if oldest else RATE_WINDOW
        raise RateLimited(
            f"{job} has run {runs_in_window} times in the last hour, its limit",
            retry_after=max(1, int(wait.total_seconds())),
        )


def first_state(risky: bool) -> RunState:
    """A risky job waits for an operations manager's approval; any other is queued at once."""
    return RunState.AWAITING_APPROVAL if risky else RunState.QUEUED

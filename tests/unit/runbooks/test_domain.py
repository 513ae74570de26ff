from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.infra.errors import RateLimited
from opsroom.runbooks import domain
from opsroom.runbooks.domain import RunState, Tool

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONTEXT = {"incident": "INC-4", "priority": "P1"}


def test_each_tool_is_asked_as_it_documents() -> None:
    rundeck = domain.launch(Tool.RUNDECK, "uuid-1", "t", CONTEXT)
    assert (rundeck.path, rundeck.headers, rundeck.body) == (
        "/api/41/job/uuid-1/run",
        {"X-Rundeck-Auth-Token": "t"},
        {"options": CONTEXT},
    )
    awx = domain.launch(Tool.AWX, "12", "t", CONTEXT)
    assert (awx.path, awx.headers["Authorization"], awx.body) == (
        "/api/v2/job_templates/12/launch/",
        "Bearer t",
        {"extra_vars": CONTEXT},
    )
    st2 = domain.launch(Tool.STACKSTORM, "ops.restart", "t", CONTEXT)
    assert (st2.path, st2.body) == (
        "/api/v1/executions",
        {"action": "ops.restart", "parameters": CONTEXT},
    )
    assert domain.execution_id(Tool.AWX, {"job": 42, "id": 42}) == "42"
    assert domain.status_call(Tool.AWX, "42", "t").path == "/api/v2/jobs/42/"


@pytest.mark.parametrize(
    ("tool", "status", "state"),
    [
        (Tool.RUNDECK, "running", RunState.RUNNING),
        (Tool.RUNDECK, "succeeded", RunState.SUCCEEDED),
        (Tool.RUNDECK, "aborted", RunState.FAILED),
        (Tool.AWX, "pending", RunState.RUNNING),
        (Tool.AWX, "successful", RunState.SUCCEEDED),
        (Tool.AWX, "error", RunState.FAILED),
        (Tool.STACKSTORM, "scheduled", RunState.RUNNING),
        (Tool.STACKSTORM, "succeeded", RunState.SUCCEEDED),
        (Tool.STACKSTORM, "timeout", RunState.FAILED),
    ],
)
def test_the_tools_words_for_an_outcome(tool: Tool, status: str, state: RunState) -> None:
    assert domain.outcome(tool, status) is state


def test_runs_per_hour_and_when_the_next_may_run() -> None:
    domain.check_rate("job", 2, 1, NOW - timedelta(minutes=5), NOW)
    domain.check_rate("job", 0, 99, NOW - timedelta(minutes=5), NOW)  # no limit
    with pytest.raises(RateLimited) as limited:
        domain.check_rate("job", 2, 2, NOW - timedelta(minutes=15), NOW)
    assert limited.value.retry_after == 45 * 60


def test_only_a_risky_job_waits_for_approval() -> None:
    assert domain.first_state(risky=True) is RunState.AWAITING_APPROVAL
    assert domain.first_state(risky=False) is RunState.QUEUED

"""`opsroom jira …` and `opsroom confluence …` from the terminal, against a local Atlassian
site that checks each request against the published OpenAPI documents."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.runtime.cli import app
from opsroom.runtime.worker import run_once
from tests.atlassian import Site, atlassian_site
from tests.cli.test_alerts_cli import run_json
from tests.improvement import RESPONDER, two_squads


@pytest.fixture
def site() -> Iterator[Site]:
    with atlassian_site() as running:
        yield running


@pytest.fixture
def opsroom(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("OPSROOM_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("OPSROOM_ATLASSIAN_API_TOKEN", "atlassian-api-token")
    with session_scope(settings) as s:
        two_squads(s)
        data = action_schemas.ActionCreate(title="Add a retry budget", owner_squad="payments")
        actions.create(s, actor=RESPONDER, data=data)
    return CliRunner()


def test_jira_is_connected_and_an_item_sent_to_it(
    opsroom: CliRunner, settings: Settings, site: Site
) -> None:
    connect = ["jira", "connect", "procurement", "--url", site.url, "--project", "PAY"]
    shown = run_json(opsroom, *connect, "--email", "ops@example.com")
    assert (shown["project_key"], shown["api_token_set"]) == ("PAY", True)
    assert (
        "atlassian-api-token"
        not in opsroom.invoke(app, ["jira", "connection", "procurement"]).output
    )
    assert run_json(opsroom, "jira", "create", "ACT-1")["state"] == "pending"
    run_once(settings, owner="w")
    [link] = run_json(opsroom, "jira", "status", "ACT-1")
    assert (link["state"], link["remote_key"]) == ("linked", "PAY-1")
    assert len(site.valid()) == 1


def test_refusals_exit_non_zero_naming_the_field(opsroom: CliRunner, site: Site) -> None:
    bad = opsroom.invoke(
        app,
        [
            "jira",
            "connect",
            "procurement",
            "--url",
            site.url,
            "--project",
            "pay team",
            "--email",
            "ops@example.com",
        ],
    )
    assert bad.exit_code == 2 and "project_key" in bad.output
    not_set_up = opsroom.invoke(app, ["confluence", "publish", "INC-1"])
    assert not_set_up.exit_code == 4 and "no review" in not_set_up.output
    unqueued = opsroom.invoke(app, ["jira", "create", "ACT-1"])
    assert unqueued.exit_code == 4 and "no Jira is set up" in unqueued.output

"""`opsroom jira connect|connection|create|status` and `opsroom confluence
connect|connection|publish|status`: a platform's Jira and Confluence from the terminal."""

from __future__ import annotations

import typer
from pydantic import SecretStr

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.outbound import schemas, service
from opsroom.outbound.domain import System

jira_app = typer.Typer(help="Action items and problems as Jira issues, followed back.")
confluence_app = typer.Typer(help="Published post-incident reviews as Confluence pages.")

TokenOption = typer.Option(
    None,
    "--api-token",
    envvar="OPSROOM_ATLASSIAN_API_TOKEN",
    help="The account's API token (or OPSROOM_ATLASSIAN_API_TOKEN); left out, kept.",
)
VersionOption = typer.Option(0, "--version", help="The version shown; 0 for a new one.")


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def _show_connection(read: schemas.JiraConnectionRead | schemas.ConfluenceConnectionRead) -> None:
    where = (
        f"project {read.project_key} ({read.issue_type})"
        if isinstance(read, schemas.JiraConnectionRead)
        else f"space {read.space_id}"
    )
    token = "set" if read.api_token_set else "missing"
    out.print(
        f"[bold]{read.platform}[/] → {read.base_url} · {where} · {read.email} · "
        f"API token {token} · version {read.version}"
    )
    if isinstance(read, schemas.JiraConnectionRead):
        out.print(f"Jira's webhook (jira:issue_updated): {read.webhook_url}")


@jira_app.command("connect")
def connect_jira(
    platform: str,
    url: str = typer.Option(..., "--url", help="e.g. https://example.atlassian.net"),
    project: str = typer.Option(..., "--project", help="The Jira project's key, e.g. PAY"),
    email: str = typer.Option(..., "--email", help="The account the API token belongs to"),
    issue_type: str = typer.Option("Task", "--issue-type"),
    api_token: str | None = TokenOption,
    webhook_secret: str | None = typer.Option(
        None, "--webhook-secret", envvar="OPSROOM_JIRA_WEBHOOK_SECRET"
    ),
    for_new_actions: bool = typer.Option(
        False, "--for-new-actions", help="Every new action item gets its issue"
    ),
    version: int = VersionOption,
    as_json: bool = JsonOption,
) -> None:
    """Set up or change PLATFORM's Jira Cloud (its operations manager)."""
    with unit_of_work(write=True) as session:
        data = schemas.JiraConnectionIn(
            base_url=url,
            project_key=project,
            email=email,
            issue_type=issue_type,
            api_token=_secret(api_token),
            webhook_secret=_secret(webhook_secret),
            create_for_new_actions=for_new_actions,
            version=version,
        )
        read = service.replace_jira(session, actor=actor(session), platform=platform, data=data)
    emit(read, as_json, lambda: _show_connection(read))


@jira_app.command("connection")
def jira_connection(platform: str, as_json: bool = JsonOption) -> None:
    """PLATFORM's Jira, its secrets only said to be set, and where Jira's webhook goes."""
    with unit_of_work() as session:
        read = service.read_jira(session, actor=actor(session), platform=platform)
    emit(read, as_json, lambda: _show_connection(read))


@jira_app.command("create")
def create_issue(key: str, as_json: bool = JsonOption) -> None:
    """Queue a Jira issue for the action item or problem KEY; the worker creates it."""
    with unit_of_work(write=True) as session:
        read = service.read_link(service.request_issue(session, actor=actor(session), key=key))
    emit(read, as_json, lambda: out.print(f"Queued {read.key} for Jira"))


@confluence_app.command("connect")
def connect_confluence(
    platform: str,
    url: str = typer.Option(..., "--url", help="e.g. https://example.atlassian.net"),
    space: str = typer.Option(..., "--space", help="The space's id (a number)"),
    email: str = typer.Option(..., "--email", help="The account the API token belongs to"),
    parent: str = typer.Option("", "--parent", help="The id of a page to file reviews under"),
    api_token: str | None = TokenOption,
    version: int = VersionOption,
    as_json: bool = JsonOption,
) -> None:
    """Set up or change where PLATFORM's published reviews go (its operations manager)."""
    with unit_of_work(write=True) as session:
        data = schemas.ConfluenceConnectionIn(
            base_url=url,
            space_id=space,
            parent_id=parent,
            email=email,
            api_token=_secret(api_token),
            version=version,
        )
        found = service.replace_confluence(
            session, actor=actor(session), platform=platform, data=data
        )
    emit(found, as_json, lambda: _show_connection(found))


@confluence_app.command("connection")
def confluence_connection(platform: str, as_json: bool = JsonOption) -> None:
    """Where PLATFORM's published reviews go, its API token only said to be set."""
    with unit_of_work() as session:
        read = service.read_confluence(session, actor=actor(session), platform=platform)
    emit(read, as_json, lambda: _show_connection(read))


@confluence_app.command("publish")
def publish_review(key: str, as_json: bool = JsonOption) -> None:
    """Queue the published review of incident KEY for Confluence: its page is created, or
    updated to the review as it stands."""
    with unit_of_work(write=True) as session:
        read = service.read_link(service.request_page(session, actor=actor(session), key=key))
    emit(read, as_json, lambda: out.print(f"Queued the review of {read.key} for Confluence"))


def _status(key: str, system: System, as_json: bool) -> None:
    with unit_of_work() as session:
        found = service.links(session, actor=actor(session), key=key)
        reads = [service.read_link(link) for link in found if link.system == system]
    emit(
        reads,
        as_json,
        lambda: table(
            f"{key.upper()} in {system.value.capitalize()}",
            ["state", "remote", "status", "url", "error"],
            [(r.state.value, r.remote_key, r.remote_status, r.url, r.last_error) for r in reads],
        ),
    )


@jira_app.command("status")
def jira_status(key: str, as_json: bool = JsonOption) -> None:
    """KEY's Jira issue: queued, created (its status as Jira last said), or refused and why."""
    _status(key, System.JIRA, as_json)


@confluence_app.command("status")
def confluence_status(key: str, as_json: bool = JsonOption) -> None:
    """The review's Confluence page: queued, its version, or refused and why."""
    _status(key, System.CONFLUENCE, as_json)

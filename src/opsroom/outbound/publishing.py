"""What the worker does with a record queued for Jira or Confluence, and what Jira's
webhook does back. A refusal (4xx) is kept on the link with Atlassian's message and shown
on the record; an outage raises, so the timer backs off and tries again."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Status as ActionStatus
from opsroom.audit import service as audit
from opsroom.auth.domain import Principal, integration_principal
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import BadRequest
from opsroom.jobs.domain import Due
from opsroom.outbound import atlassian, domain
from opsroom.outbound.domain import IssueContent, LinkState, Subject, System
from opsroom.outbound.models import Connection, Link
from opsroom.outbound.service import connection
from opsroom.problems import service as problems
from opsroom.reviews import domain as review_rules
from opsroom.reviews import service as reviews

WORKER = integration_principal("opsroom-worker")
SUBJECT_NAMES = {Subject.ACTION: "action item", Subject.PROBLEM: "problem"}


def _account(found: Connection) -> atlassian.Account:
    settings = found.settings
    return atlassian.Account(
        base_url=settings["base_url"],
        email=settings["email"],
        token=found.secrets.get("api_token", ""),
    )


def _pending(session: Session, timer: Due) -> tuple[Link, Connection] | None:
    """The queued link and its platform's connection; None once it was made or refused."""
    link = session.get(Link, timer.payload["link"])
    if link is None or link.state != LinkState.PENDING:
        return None
    found = connection(session, link.platform_slug, System(link.system))
    if found is None:
        _refused(session, link, f"{link.system.capitalize()} is no longer set up")
        return None
    return link, found


def _refused(session: Session, link: Link, reason: str) -> None:
    link.state, link.last_error, link.updated_at = LinkState.FAILED, reason, clock.now()
    system = System(link.system).value.capitalize()
    _tell(session, link, "outbound.refused", f"{system} refused it: {reason}")


def _made(session: Session, link: Link, made: atlassian.Created, text: str) -> None:
    link.state, link.last_error, link.updated_at = LinkState.LINKED, None, clock.now()
    link.remote_id, link.remote_key, link.url = made.id, made.key, made.url
    link.remote_version = made.version
    _tell(session, link, "outbound.linked", text, url=made.url)


def _tell(session: Session, link: Link, kind: str, text: str, **data: Any) -> None:
    audit.add_event(
        session,
        subject_type=link.subject_type,
        subject_key=link.subject_key,
        actor=str(WORKER),
        kind=kind,
        text=text,
        data=data or None,
    )


# --- Jira ---------------------------------------------------------------------------------


def _issue_content(session: Session, link: Link) -> IssueContent:
    base = settings_of(session).base_url.rstrip("/")
    if link.subject_type == Subject.ACTION:
        item = actions.get(session, actor=WORKER, key=link.subject_key)
        return IssueContent(item.key, item.title, item.description, f"{base}/actions/{item.key}")
    problem = problems.get(session, actor=WORKER, key=link.subject_key)
    return IssueContent(
        problem.key, problem.title, problem.statement, f"{base}/problems/{problem.key}"
    )


def create_issue(session: Session, timer: Due) -> None:
    """Create the Jira issue of a queued action item or problem."""
    queued = _pending(session, timer)
    if queued is None:
        return
    link, found = queued
    fields = domain.issue_fields(
        _issue_content(session, link),
        project=found.settings["project_key"],
        issue_type=found.settings["issue_type"],
    )
    try:
        made = atlassian.create_issue(_account(found), fields)
    except atlassian.Refused as exc:
        _refused(session, link, str(exc))
        return
    _made(session, link, made, f"Jira issue {made.key} created")


def jira_webhook(
    session: Session, *, platform: str, body: bytes, signature: str | None
) -> list[str]:
    """Jira says an issue changed: the action item it tracks follows the issue's status
    category. Returns the moves made (none for other events, issues opsroom did not
    create, or an item already where Jira leaves it: a redelivered webhook changes nothing)."""
    found = connection(session, platform, System.JIRA)
    secret = found.secrets.get("webhook_secret", "") if found else ""
    domain.check_signature(secret, body, signature)
    try:
        update = domain.read_issue_updated(orjson.loads(body))
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"a Jira webhook body is JSON: {exc}") from exc
    if update is None:
        return []
    link = session.scalar(
        select(Link).where(
            Link.system == System.JIRA,
            Link.platform_slug == platform,
            Link.remote_key == update.issue_key,
        )
    )
    if link is None:
        return []
    link.remote_status, link.updated_at = update.status, clock.now()
    if link.subject_type != Subject.ACTION:
        return []
    return _follow(session, link.subject_key, update)


def _follow(session: Session, key: str, update: domain.IssueUpdate) -> list[str]:
    actor = Principal(name=f"jira:{update.user}", role=WORKER.role, via="integration")
    item = actions.get(session, actor=actor, key=key)
    moves = domain.moves_to(ActionStatus(item.status), update.category)
    reason = f"{update.issue_key} is {update.status} in Jira"
    for move in moves:
        actions.transition(
            session, actor=actor, key=key, move=move, data=action_schemas.ActionMove(reason=reason)
        )
    return [move.value for move in moves]


# --- Confluence ---------------------------------------------------------------------------


def _page_body(session: Session, link: Link, found: Connection) -> dict[str, Any]:
    """The review as its export reads, in Confluence's storage format (XHTML)."""
    review = reviews.get(session, actor=WORKER, key=link.subject_key)
    markdown = reviews.markdown(session, actor=WORKER, key=review.key)
    page: dict[str, Any] = {
        "spaceId": found.settings["space_id"],
        "status": "current",
        "title": f"{review.key}: {review.title} (post-incident review)",
        "body": {"representation": "storage", "value": review_rules.to_html(markdown)},
    }
    if found.settings.get("parent_id"):
        page["parentId"] = found.settings["parent_id"]
    return page


def publish_page(session: Session, timer: Due) -> None:
    """Create the review's Confluence page, or update it under its next version."""
    queued = _pending(session, timer)
    if queued is None:
        return
    link, found = queued
    page = _page_body(session, link, found)
    try:
        if link.remote_id is None:
            made = atlassian.create_page(_account(found), page)
        else:
            number = (link.remote_version or 1) + 1
            page |= {"id": link.remote_id, "version": {"number": number, "message": "opsroom"}}
            made = atlassian.update_page(_account(found), link.remote_id, page)
    except atlassian.Refused as exc:
        _refused(session, link, str(exc))
        return
    _made(session, link, made, f"Confluence page '{made.key}' version {made.version}")

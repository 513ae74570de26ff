"""Records kept in Jira and Confluence, as pure rules: what a Jira issue says, how Jira's
status categories move an action item, and how Jira's webhook proves where it comes from."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from opsroom.actions.domain import FINISHED, Status, Transition
from opsroom.infra.errors import BadRequest, Unauthenticated


class System(StrEnum):
    JIRA = "jira"
    CONFLUENCE = "confluence"


class Subject(StrEnum):
    """The records that have a counterpart in Jira or Confluence."""

    ACTION = "action"
    PROBLEM = "problem"
    REVIEW = "review"


class LinkState(StrEnum):
    PENDING = "pending"  # queued: the worker has not reached Jira or Confluence yet
    LINKED = "linked"
    FAILED = "failed"  # refused by Jira or Confluence: their message says why


# Jira's status categories (`statusCategory.key`) and where each leaves an action item.
STATUS_CATEGORIES = {
    "new": Status.OPEN,
    "indeterminate": Status.IN_PROGRESS,
    "done": Status.DONE,
}

SIGNATURE_HEADER = "X-Hub-Signature"


@dataclass(frozen=True)
class IssueContent:
    """What a Jira issue for an action item or a problem says."""

    key: str  # opsroom's key, kept as a label so either side finds the other
    title: str
    description: str
    link: str


def moves_to(current: Status, category: str) -> list[Transition]:
    """The action item's moves that bring it to where Jira's status category leaves it:
    none when it is there already (or further: verified is done), nor while a won't-do
    request waits, which stays opsroom's to decide."""
    target = STATUS_CATEGORIES.get(category)
    if target is None or current is Status.WONT_DO_REQUESTED:
        return []
    if target is Status.DONE:
        return [Transition.COMPLETE] if current in (Status.OPEN, Status.IN_PROGRESS) else []
    moves = [Transition.REOPEN] if current in FINISHED else []
    if target is Status.IN_PROGRESS and current is not Status.IN_PROGRESS:
        moves.append(Transition.START)
    return moves


def _paragraphs(text: str) -> list[dict[str, Any]]:
    return [
        {"type": "paragraph", "content": [{"type": "text", "text": chunk}]}
        for chunk in (part.strip() for part in text.split("\n\n"))
        if chunk
    ]


def issue_fields(
    content: IssueContent, *, project: str, issue_type: str, labels: Sequence[str] = ()
) -> dict[str, Any]:
    """The body of Jira Cloud's `POST /rest/api/3/issue`: the description in Atlassian
    Document Format, a link back to opsroom, opsroom's key as a label."""
    back = {
        "type": "paragraph",
        "content": [
            {
                "type": "text",
                "text": f"{content.key} in opsroom",
                "marks": [{"type": "link", "attrs": {"href": content.link}}],
            }
        ],
    }
    return {
        "fields": {
            "project": {"key": project},
            "issuetype": {"name": issue_type},
            "summary": f"{content.key}: {content.title}"[:255],
            "description": {
                "type": "doc",
                "version": 1,
                "content": [*_paragraphs(content.description), back],
            },
            "labels": ["opsroom", content.key, *labels],
        }
    }


def check_signature(secret: str, body: bytes, header: str | None) -> None:
    """Jira signs a webhook that has a secret with HMAC-SHA256 of its body, sent as
    `X-Hub-Signature: sha256=<hex>`; anything else is refused."""
    if not secret:
        raise Unauthenticated("no webhook secret is set for Jira on this platform")
    method, _, signature = (header or "").partition("=")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if method != "sha256" or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise Unauthenticated(f"the {SIGNATURE_HEADER} signature does not match this platform's")


@dataclass(frozen=True)
class IssueUpdate:
    """What a `jira:issue_updated` webhook says opsroom cares about."""

    issue_key: str
    category: str
    status: str
    user: str


def read_issue_updated(payload: Any) -> IssueUpdate | None:
    """The issue and its status category from Jira's webhook body; None for other events."""
    if not isinstance(payload, dict):
        raise BadRequest("a Jira webhook body is a JSON object")
    if payload.get("webhookEvent") != "jira:issue_updated":
        return None
    try:
        issue = payload["issue"]
        status = issue["fields"]["status"]
        user = payload.get("user") or {}
        return IssueUpdate(
            issue_key=str(issue["key"]),
            category=str(status["statusCategory"]["key"]),
            status=str(status["name"]),
            user=str(user.get("displayName") or user.get("accountId") or "Jira"),
        )
    except (KeyError, TypeError) as exc:
        raise BadRequest(f"a jira:issue_updated body without the issue's status: {exc}") from exc

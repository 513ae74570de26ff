"""A platform's Jira and Confluence: the connections (operations managers set them, their
secrets never shown back), and the records queued to become a Jira issue or a Confluence
page. The worker makes them (publishing.py), so a request never waits on Atlassian."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.actions import service as actions
from opsroom.actions.domain import ActionRaised
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.db import settings_of
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.outbound import schemas
from opsroom.outbound.domain import LinkState, Subject, System
from opsroom.outbound.models import Connection, Link
from opsroom.problems import service as problems
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import ReviewPublished
from opsroom.reviews.domain import Status as ReviewStatus

ISSUE_TIMER = "outbound.jira_issue"
PAGE_TIMER = "outbound.confluence_page"
SECRETS = ("api_token", "webhook_secret")
WEBHOOK_PATH = "/api/v1/platforms/{platform}/jira/webhook"


def _settings_only(connection: Connection) -> dict[str, Any]:
    return dict(connection.settings)


CONNECTION = Record("outbound_connection", _settings_only, named="the {key} connection")


# --- connections --------------------------------------------------------------------------


def platform_slug(session: Session, platform: str) -> str:
    try:
        return catalog.get_platform(session, platform).slug
    except NotFound as exc:
        raise NotFound(f"no platform '{platform}'") from exc


def connection(session: Session, platform: str, system: System) -> Connection | None:
    query = select(Connection).where(
        Connection.platform_slug == platform, Connection.system == system
    )
    return session.scalar(query)


def _configured(session: Session, platform: str, system: System) -> Connection:
    found = connection(session, platform, system)
    if found is None:
        raise NotFound(f"no {system.value.capitalize()} is set up for the platform '{platform}'")
    return found


def _common(found: Connection) -> dict[str, Any]:
    return {
        **found.settings,
        "platform": found.platform_slug,
        "api_token_set": bool(found.secrets.get("api_token")),
        "version": found.version,
        "updated_by": found.updated_by,
        "updated_at": found.updated_at,
    }


def _jira(session: Session, found: Connection) -> schemas.JiraConnectionRead:
    path = WEBHOOK_PATH.format(platform=found.platform_slug)
    return schemas.JiraConnectionRead.model_validate(
        _common(found)
        | {
            "webhook_secret_set": bool(found.secrets.get("webhook_secret")),
            "webhook_url": settings_of(session).base_url.rstrip("/") + path,
        }
    )


def read_jira(session: Session, *, actor: Principal, platform: str) -> schemas.JiraConnectionRead:
    require(actor, Action.READ)
    return _jira(session, _configured(session, platform_slug(session, platform), System.JIRA))


def read_confluence(
    session: Session, *, actor: Principal, platform: str
) -> schemas.ConfluenceConnectionRead:
    require(actor, Action.READ)
    found = _configured(session, platform_slug(session, platform), System.CONFLUENCE)
    return schemas.ConfluenceConnectionRead.model_validate(_common(found))


def replace_jira(
    session: Session, *, actor: Principal, platform: str, data: schemas.JiraConnectionIn
) -> schemas.JiraConnectionRead:
    """Set up or change a platform's Jira (its operations manager)."""
    return _jira(session, _replace(session, actor, platform, System.JIRA, data))


def replace_confluence(
    session: Session, *, actor: Principal, platform: str, data: schemas.ConfluenceConnectionIn
) -> schemas.ConfluenceConnectionRead:
    """Set up or change where a platform's published reviews go (its operations manager)."""
    found = _replace(session, actor, platform, System.CONFLUENCE, data)
    return schemas.ConfluenceConnectionRead.model_validate(_common(found))


def _replace(
    session: Session, actor: Principal, platform: str, system: System, data: BaseModel
) -> Connection:
    """A secret left out keeps the one stored; a new connection needs its API token."""
    scope = platform_slug(session, platform)
    require(actor, Action.GOVERN, platforms=[scope])
    found = connection(session, scope, system)
    if found is None:
        found = Connection(platform_slug=scope, system=system, settings={}, secrets={}, version=0)
    CONNECTION.held(found, getattr(data, "version", 0))
    before = _settings_only(found)
    found.settings = data.model_dump(mode="json", exclude={"version", *SECRETS})
    found.secrets = found.secrets | _secrets(data)
    if not found.secrets.get("api_token"):
        raise ValidationFailed(
            f"{system.value.capitalize()} needs an API token",
            fields={"api_token": "required for a new connection"},
        )
    found.updated_by, found.updated_at = str(actor), clock.now()
    session.add(found)
    return CONNECTION.saved(session, found, actor, f"outbound.{system.value}.replaced", before)


def _secrets(data: BaseModel) -> dict[str, str]:
    """The secrets given (a blank one is not given: the stored one is kept)."""
    given = {name: getattr(data, name, None) for name in SECRETS}
    values = {name: secret.get_secret_value() for name, secret in given.items() if secret}
    return {name: value for name, value in values.items() if value}


# --- records queued for Jira and Confluence -----------------------------------------------


def _subject(session: Session, actor: Principal, key: str) -> tuple[Subject, str, str]:
    """(kind, key, platform) of the action item or problem that `key` names."""
    if key.upper().startswith(actions.PREFIX):
        item = actions.get(session, actor=actor, key=key)
        return Subject.ACTION, item.key, item.platform_slug
    if key.upper().startswith(problems.PREFIX):
        problem = problems.get(session, actor=actor, key=key)
        return Subject.PROBLEM, problem.key, problem.platform_slug
    raise ValidationFailed(
        f"'{key}' is neither an action item nor a problem",
        fields={"key": "an ACT- or PRB- key"},
    )


def _link(session: Session, subject: Subject, key: str, system: System) -> Link | None:
    query = select(Link).where(
        Link.subject_type == subject, Link.subject_key == key, Link.system == system
    )
    return session.scalar(query)


def _queue(
    session: Session, requested_by: str, subject: tuple[Subject, str, str], system: System
) -> Link:
    kind, key, platform = subject
    link = _link(session, kind, key, system) or Link(
        subject_type=kind, subject_key=key, system=system, platform_slug=platform
    )
    link.state, link.last_error, link.requested_by = LinkState.PENDING, None, requested_by
    link.updated_at = clock.now()
    session.add(link)
    session.flush()
    timer = ISSUE_TIMER if system is System.JIRA else PAGE_TIMER
    jobs.schedule(
        session,
        kind=timer,
        subject=key,
        due_at=clock.now(),
        payload={"link": link.id},
        dedup_key=f"{timer}:{key}",
    )
    return link


def request_issue(session: Session, *, actor: Principal, key: str) -> Link:
    """Queue a Jira issue for an action item or a problem; the worker creates it. Refused
    when the record has one already or its platform has no Jira."""
    require(actor, Action.WORK_INCIDENTS)
    subject = _subject(session, actor, key)
    _configured(session, subject[2], System.JIRA)
    existing = _link(session, subject[0], subject[1], System.JIRA)
    if existing is not None and existing.state != LinkState.FAILED:
        raise Conflict(
            f"{subject[1]} is {existing.state} in Jira as {existing.remote_key or 'a new issue'}",
            fields={"key": "has a Jira issue"},
        )
    return _queue(session, str(actor), subject, System.JIRA)


def request_page(session: Session, *, actor: Principal, key: str) -> Link:
    """Queue a published review for Confluence: its page is created the first time, then
    updated to the review as it stands each time it is sent again."""
    require(actor, Action.WORK_INCIDENTS)
    review = reviews.get(session, actor=actor, key=key)
    if review.status != ReviewStatus.PUBLISHED:
        raise Conflict(
            f"the review of {review.key} is not published yet",
            fields={"status": review.status},
        )
    _configured(session, review.platform_slug, System.CONFLUENCE)
    return _queue(
        session, str(actor), (Subject.REVIEW, review.key, review.platform_slug), System.CONFLUENCE
    )


def issue_on_raise(session: Session, event: ActionRaised) -> None:
    """A new action item of a platform whose Jira takes every new one is queued for it."""
    found = connection(session, event.platform, System.JIRA)
    if found is not None and found.settings.get("create_for_new_actions"):
        subject = (Subject.ACTION, event.key, event.platform)
        _queue(session, event.raised_by, subject, System.JIRA)


def page_on_publish(session: Session, event: ReviewPublished) -> None:
    """A review published on a platform with a Confluence goes there on its own."""
    if connection(session, event.platform, System.CONFLUENCE) is not None:
        _queue(
            session, event.publisher, (Subject.REVIEW, event.key, event.platform), System.CONFLUENCE
        )


def links(session: Session, *, actor: Principal, key: str) -> list[Link]:
    """What a record (ACT-, PRB- or a review's INC- key) has in Jira and Confluence."""
    require(actor, Action.READ)
    query = select(Link).where(Link.subject_key == key.upper()).order_by(Link.system)
    return list(session.scalars(query))


def offered(session: Session, *, actor: Principal, key: str) -> schemas.Offered:
    """What a record's page shows of Jira and Confluence: its links, and whether its
    platform has the Jira (action items, problems) or the Confluence (reviews) to send it to."""
    found = [read_link(link) for link in links(session, actor=actor, key=key)]
    if key.upper().startswith("INC"):
        review = reviews.get(session, actor=actor, key=key)
        platform, system = review.platform_slug, System.CONFLUENCE
    else:
        platform, system = _subject(session, actor, key)[2], System.JIRA
    ready = connection(session, platform, system) is not None
    return schemas.Offered(links=found, platform=platform, system=system, ready=ready)


def read_link(link: Link) -> schemas.LinkRead:
    return schemas.LinkRead(
        subject=Subject(link.subject_type),
        key=link.subject_key,
        system=System(link.system),
        state=LinkState(link.state),
        remote_key=link.remote_key,
        url=link.url,
        remote_status=link.remote_status,
        remote_version=link.remote_version,
        last_error=link.last_error,
        requested_by=link.requested_by,
        updated_at=link.updated_at,
    )

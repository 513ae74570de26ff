"""A platform's Jira and Confluence (/api/v1/platforms/{platform}/jira|confluence), Jira's
webhook back, and a record's issue and page (/api/v1/outbound/{key})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, status
from starlette.concurrency import run_in_threadpool

from opsroom.auth.deps import Actor, DbSession
from opsroom.infra.apidoc import errors
from opsroom.outbound import publishing, schemas, service
from opsroom.outbound.domain import SIGNATURE_HEADER

router = APIRouter(prefix="/api/v1", tags=["outbound"])


@router.get("/platforms/{platform}/jira", responses=errors(404))
def read_jira(session: DbSession, actor: Actor, platform: str) -> schemas.JiraConnectionRead:
    """The platform's Jira, its secrets only said to be set."""
    return service.read_jira(session, actor=actor, platform=platform)


@router.put("/platforms/{platform}/jira", responses=errors(403, 404, 409, 422))
def replace_jira(
    session: DbSession, actor: Actor, platform: str, data: schemas.JiraConnectionIn
) -> schemas.JiraConnectionRead:
    """Set up or change the platform's Jira (its operations manager); a secret left out
    keeps the one stored."""
    return service.replace_jira(session, actor=actor, platform=platform, data=data)


@router.get("/platforms/{platform}/confluence", responses=errors(404))
def read_confluence(
    session: DbSession, actor: Actor, platform: str
) -> schemas.ConfluenceConnectionRead:
    return service.read_confluence(session, actor=actor, platform=platform)


@router.put("/platforms/{platform}/confluence", responses=errors(403, 404, 409, 422))
def replace_confluence(
    session: DbSession, actor: Actor, platform: str, data: schemas.ConfluenceConnectionIn
) -> schemas.ConfluenceConnectionRead:
    """Set up or change where the platform's published reviews go."""
    return service.replace_confluence(session, actor=actor, platform=platform, data=data)


@router.post("/platforms/{platform}/jira/webhook", responses=errors(400, 401))
async def jira_webhook(
    request: Request,
    session: DbSession,
    platform: str,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None,
) -> dict[str, list[str]]:
    """Jira's `jira:issue_updated`, signed with the platform's webhook secret: the action
    item follows its issue's status category. Answers the moves made."""
    body = await request.body()
    moves = await run_in_threadpool(
        publishing.jira_webhook, session, platform=platform, body=body, signature=signature
    )
    return {"moves": moves}


@router.get("/outbound/{key}", responses=errors(404))
def links(session: DbSession, actor: Actor, key: str) -> list[schemas.LinkRead]:
    """The record's Jira issue and Confluence page: queued, made, or refused and why."""
    return [service.read_link(link) for link in service.links(session, actor=actor, key=key)]


@router.post(
    "/outbound/{key}/jira",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(403, 404, 409, 422),
)
def request_issue(session: DbSession, actor: Actor, key: str) -> schemas.LinkRead:
    """Queue a Jira issue for an action item (ACT-) or a problem (PRB-); the worker creates
    it. 409 when it has one already."""
    return service.read_link(service.request_issue(session, actor=actor, key=key))


@router.post(
    "/outbound/{key}/confluence",
    status_code=status.HTTP_202_ACCEPTED,
    responses=errors(403, 404, 409),
)
def request_page(session: DbSession, actor: Actor, key: str) -> schemas.LinkRead:
    """Queue a published review (its incident's key) for Confluence: its page is created,
    or updated when it has one. 409 while the review is unpublished."""
    return service.read_link(service.request_page(session, actor=actor, key=key))

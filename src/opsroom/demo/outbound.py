"""The demo platform's Jira, Confluence and runbooks: the platform that has the open major
incident sends its action items to Jira and its reviews to Confluence, and offers two
runbooks on its incidents (a Rundeck restart, and an AWX fail-over risky enough to need the
operations manager's approval, which a responder has asked for on the open major incident).
The sites are placeholders: nothing is queued that the worker would send."""

from __future__ import annotations

from pydantic import SecretStr
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.incidents import service as incidents
from opsroom.outbound import schemas as outbound_schemas
from opsroom.outbound import service as outbound
from opsroom.outbound.domain import System
from opsroom.runbooks import schemas, service

RESPONDER = Principal(name="responder@example.com", role=Role.RESPONDER)
MANAGER = Principal(name="demo", role=Role.ADMIN, via="cli")
SITE = "https://opsroom-demo.atlassian.net"
PLACEHOLDER_TOKEN = SecretStr("demo-placeholder-token")


def load(session: Session) -> dict[str, int]:
    """Load them onto the open major incident's platform; nothing without one, or twice."""
    open_major = incidents.open_major(session, actor=MANAGER)
    if not open_major:
        return {"jira connections": 0, "runbooks": 0}
    incident = open_major[0]
    platform = incident.platform_slug
    if outbound.connection(session, platform, System.JIRA) is not None:
        return {"jira connections": 0, "runbooks": 0}
    _atlassian(session, platform)
    service_slug = incident.service_slugs[0]
    for runbook in _runbooks(platform, service_slug):
        service.create(session, actor=MANAGER, data=runbook)
    asked = schemas.RunIn(runbook=f"fail-over-{service_slug}")
    service.run(session, actor=RESPONDER, key=incident.key, data=asked)
    return {"jira connections": 1, "runbooks": 2}


def _atlassian(session: Session, platform: str) -> None:
    jira = outbound_schemas.JiraConnectionIn(
        base_url=SITE,
        project_key="OPS",
        email="opsroom@example.com",
        api_token=PLACEHOLDER_TOKEN,
        webhook_secret=PLACEHOLDER_TOKEN,
    )
    outbound.replace_jira(session, actor=MANAGER, platform=platform, data=jira)
    confluence = outbound_schemas.ConfluenceConnectionIn(
        base_url=SITE, space_id="98306", email="opsroom@example.com", api_token=PLACEHOLDER_TOKEN
    )
    outbound.replace_confluence(session, actor=MANAGER, platform=platform, data=confluence)


def _runbooks(platform: str, service_slug: str) -> list[schemas.RunbookIn]:
    return [
        schemas.RunbookIn(
            slug=f"restart-{service_slug}",
            name=f"Restart {service_slug}",
            platform=platform,
            tool="rundeck",
            base_url="https://rundeck.example.com",
            job="3b8a86e2-5b2c-4c48-9c9f-3c3e5c0f5a1b",
            token=PLACEHOLDER_TOKEN,
            runs_per_hour=3,
        ),
        schemas.RunbookIn(
            slug=f"fail-over-{service_slug}",
            name=f"Fail {service_slug} over to the standby region",
            platform=platform,
            tool="awx",
            base_url="https://awx.example.com",
            job="12",
            token=PLACEHOLDER_TOKEN,
            risky=True,
            runs_per_hour=1,
        ),
    ]

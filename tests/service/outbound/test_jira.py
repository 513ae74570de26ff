"""Action items and problems in Jira: queued with their cause, created by the worker
(requests checked against Jira's published OpenAPI document), retried while Jira is down,
refused with Jira's own words, and followed back through Jira's signed webhook."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.audit.models import AuditEntry
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.jobs.models import Timer
from opsroom.outbound import publishing, schemas
from opsroom.outbound import service as outbound
from opsroom.outbound.domain import System
from opsroom.runtime.worker import run_once
from tests.atlassian import Site, atlassian_site
from tests.improvement import MANAGER, RESPONDER, two_squads

SECRET = "jira-webhook-secret"


@pytest.fixture
def site() -> Iterator[Site]:
    with atlassian_site() as running:
        yield running


def _connect(session: Session, site: Site, **changes: Any) -> Any:
    written = {
        "base_url": site.url,
        "project_key": "PAY",
        "email": "ops@example.com",
        "api_token": "atlassian-api-token",
        "webhook_secret": SECRET,
    }
    data = schemas.JiraConnectionIn.model_validate(written | changes)
    return outbound.replace_jira(session, actor=MANAGER, platform="procurement", data=data)


def _item(session: Session) -> str:
    data = action_schemas.ActionCreate(
        title="Alert on pool saturation", owner_squad="payments", description="Pool at 90%."
    )
    return actions.create(session, actor=RESPONDER, data=data).key


@pytest.fixture
def queued(settings: Settings, site: Site) -> str:
    """An action item of a platform with Jira, queued for its issue."""
    with session_scope(settings) as s:
        two_squads(s)
        _connect(s, site)
        key = _item(s)
        outbound.request_issue(s, actor=RESPONDER, key=key)
    return key


def _link(settings: Settings, key: str) -> Any:
    with session_scope(settings) as s:
        [link] = outbound.links(s, actor=RESPONDER, key=key)
        return outbound.read_link(link)


def test_the_connection_keeps_its_secrets_to_itself(session: Session, site: Site) -> None:
    two_squads(session)
    shown = _connect(session, site)
    assert (shown.api_token_set, shown.webhook_secret_set) == (True, True)
    assert shown.webhook_url.endswith("/api/v1/platforms/procurement/jira/webhook")
    assert "atlassian-api-token" not in shown.model_dump_json()
    changed = _connect(session, site, api_token=None, issue_type="Bug", version=shown.version)
    assert (changed.issue_type, changed.api_token_set, changed.version) == ("Bug", True, 2)
    audited = session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "outbound_connection")
    )
    assert not any("atlassian-api-token" in orjson.dumps(a.after).decode() for a in audited)


def test_setting_up_jira_is_the_operations_managers(session: Session, site: Site) -> None:
    two_squads(session)
    with pytest.raises(Forbidden):
        outbound.replace_jira(
            session,
            actor=RESPONDER,
            platform="procurement",
            data=schemas.JiraConnectionIn(
                base_url=site.url, project_key="PAY", email="o@example.com", api_token="t"
            ),
        )
    without_token = schemas.JiraConnectionIn(
        base_url=site.url, project_key="PAY", email="o@example.com"
    )
    with pytest.raises(ValidationFailed, match="API token") as refused:
        outbound.replace_jira(session, actor=MANAGER, platform="procurement", data=without_token)
    assert refused.value.fields == {"api_token": "required for a new connection"}
    with pytest.raises(NotFound, match="no Jira is set up"):
        outbound.request_issue(session, actor=RESPONDER, key=_item(session))


def test_the_worker_creates_the_issue_jira_documents(
    settings: Settings, site: Site, queued: str
) -> None:
    assert site.received == []  # queued with its cause, never sent from the request
    run_once(settings, owner="w")
    [request] = site.valid()
    assert (request.method, request.path) == ("POST", "/rest/api/3/issue")
    assert request.headers["authorization"].startswith("Basic ")
    fields = request.body["fields"]
    assert fields["project"] == {"key": "PAY"}
    assert fields["summary"] == f"{queued}: Alert on pool saturation"
    assert queued in fields["labels"]
    link = _link(settings, queued)
    assert (link.state, link.remote_key) == ("linked", "PAY-1")
    assert link.url == f"{site.url}/browse/PAY-1"
    with session_scope(settings) as s:
        timeline = [e.text for e in actions.timeline(s, actor=RESPONDER, key=queued)]
        assert "Jira issue PAY-1 created" in timeline
        with pytest.raises(Conflict, match="PAY-1"):
            outbound.request_issue(s, actor=RESPONDER, key=queued)
    run_once(settings, owner="w")
    assert len(site.received) == 1  # created once


def test_while_jira_is_down_the_issue_waits_and_is_retried(
    settings: Settings, site: Site, queued: str, frozen_clock: clock.FrozenClock
) -> None:
    site.fail("POST /rest/api/3/issue", 503, {"errorMessages": ["maintenance"]})
    run_once(settings, owner="w")
    assert _link(settings, queued).state == "pending"
    with session_scope(settings) as s:
        timer = s.scalar(select(Timer).where(Timer.kind == outbound.ISSUE_TIMER))
        assert timer is not None
        assert (timer.attempts, timer.status) == (1, "pending")
        assert "HTTP 503" in (timer.last_error or "")
    frozen_clock.advance(timedelta(seconds=5))
    run_once(settings, owner="w")
    assert len(site.valid()) == 2
    assert _link(settings, queued).remote_key == "PAY-2"


def test_a_refusal_is_shown_with_jiras_message_and_not_retried(
    settings: Settings, site: Site, queued: str
) -> None:
    site.fail(
        "POST /rest/api/3/issue",
        400,
        {"errorMessages": [], "errors": {"issuetype": "Specify a valid issue type"}},
    )
    run_once(settings, owner="w")
    link = _link(settings, queued)
    assert link.state == "failed"
    assert link.last_error == "HTTP 400: issuetype: Specify a valid issue type"
    with session_scope(settings) as s:
        timeline = [e.text for e in actions.timeline(s, actor=RESPONDER, key=queued)]
        assert "Jira refused it: HTTP 400: issuetype: Specify a valid issue type" in timeline
        outbound.request_issue(s, actor=RESPONDER, key=queued)  # asked again once fixed
    run_once(settings, owner="w")
    assert _link(settings, queued).state == "linked"


def _updated(issue: str, category: str, status: str) -> bytes:
    return orjson.dumps(
        {
            "webhookEvent": "jira:issue_updated",
            "user": {"accountId": "5b10a2844c20165700ede21g", "displayName": "Mia Krystof"},
            "issue": {
                "id": "10001",
                "key": issue,
                "fields": {
                    "status": {"name": status, "statusCategory": {"id": 3, "key": category}}
                },
            },
        }
    )


def _signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _deliver(settings: Settings, body: bytes, signature: str | None) -> list[str]:
    with session_scope(settings) as s:
        return publishing.jira_webhook(s, platform="procurement", body=body, signature=signature)


def test_jira_status_moves_the_action_item(settings: Settings, queued: str) -> None:
    run_once(settings, owner="w")
    started = _updated("PAY-1", "indeterminate", "In Progress")
    assert _deliver(settings, started, _signed(started)) == ["start"]
    assert _deliver(settings, started, _signed(started)) == []  # Jira delivering it again
    done = _updated("PAY-1", "done", "Done")
    assert _deliver(settings, done, _signed(done)) == ["complete"]
    with session_scope(settings) as s:
        item = actions.get(s, actor=RESPONDER, key=queued)
        assert (item.status, item.done_by) == ("done", "jira:Mia Krystof")
    assert _link(settings, queued).remote_status == "Done"
    reopened = _updated("PAY-1", "new", "To Do")
    assert _deliver(settings, reopened, _signed(reopened)) == ["reopen"]


def test_an_unsigned_or_foreign_webhook_changes_nothing(settings: Settings, queued: str) -> None:
    run_once(settings, owner="w")
    done = _updated("PAY-1", "done", "Done")
    for signature in (None, "sha256=00", _signed(done, "another secret")):
        with pytest.raises(Unauthenticated):
            _deliver(settings, done, signature)
    other = _updated("OPS-7", "done", "Done")
    assert _deliver(settings, other, _signed(other)) == []
    with session_scope(settings) as s:
        assert actions.get(s, actor=RESPONDER, key=queued).status == "open"
        assert outbound.connection(s, "procurement", System.JIRA) is not None
        assert [t.kind for t in jobs.pending(s, subject=queued)][:1] != [outbound.ISSUE_TIMER]


def test_a_platform_may_send_every_new_action_item_to_jira(settings: Settings, site: Site) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        _connect(s, site)
        unsent = _item(s)
        _connect(s, site, create_for_new_actions=True, version=1)
        sent = _item(s)
    run_once(settings, owner="w")
    [request] = site.valid()
    assert request.body["fields"]["summary"].startswith(f"{sent}: ")
    assert _link(settings, sent).requested_by == RESPONDER.name
    with session_scope(settings) as s:
        assert outbound.links(s, actor=RESPONDER, key=unsent) == []

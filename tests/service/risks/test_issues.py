"""The issue register: an unresolved issue past its due date escalates on its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict
from opsroom.jobs import service as jobs
from opsroom.notify import service as notify
from opsroom.risks import issues, schemas
from opsroom.risks.domain import IssueStatus, IssueTransition
from opsroom.runtime.worker import run_once
from tests.conftest import TEST_NOW
from tests.improvement import MANAGER, RESPONDER, two_squads

DUE = TEST_NOW.date() + timedelta(days=10)
OWNER = "owner@example.com"


def platform_with_a_manager(session: Session) -> None:
    two_squads(session)
    version = catalog.get_platform(session, "procurement").version
    data = catalog_schemas.PlatformUpdate(version=version, operations_manager_email=MANAGER.name)
    catalog.update_platform(session, actor=MANAGER, slug="procurement", data=data)


def raise_issue(session: Session, due_on: date = DUE) -> str:
    data = schemas.IssueCreate(
        title="TLS certificate of checkout expires",
        owner_squad="payments",
        owner=OWNER,
        due_on=due_on,
    )
    return issues.create(session, actor=RESPONDER, data=data).key


def edit(session: Session, key: str, **fields: object) -> None:
    version = issues.get(session, actor=RESPONDER, key=key).version
    data = schemas.IssueUpdate.model_validate({"version": version} | fields)
    issues.update(session, actor=RESPONDER, key=key, data=data)


def resolve(session: Session, key: str) -> None:
    issues.transition(
        session, actor=RESPONDER, key=key, move=IssueTransition.RESOLVE, data=schemas.IssueMove()
    )


def noticed(session: Session, person: str) -> list[str]:
    return [n.kind for n in notify.log(session, actor=MANAGER, person=person).items]


def test_an_issue_past_its_due_date_goes_up_to_the_operations_manager_on_its_own(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        platform_with_a_manager(s)
        key = raise_issue(s)
    frozen_clock.advance(timedelta(days=10, hours=14))  # the due date itself: not overdue yet
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert issues.get(s, actor=RESPONDER, key=key).status == IssueStatus.OPEN
    frozen_clock.advance(timedelta(hours=1))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        read = issues.read(issues.get(s, actor=RESPONDER, key=key))
        assert (read.status, read.overdue, read.escalated_to) == (
            IssueStatus.ESCALATED,
            True,
            MANAGER.name,
        )
        assert read.escalation_reason == f"past its due date, {DUE:%d %b %Y}"
        events = audit.timeline(s, subject_type="issue", subject_key=key)
        assert events[-1].text == f"Overdue since {DUE:%d %b %Y}: up to {MANAGER.name}"
        assert noticed(s, OWNER) == noticed(s, MANAGER.name) == ["issue.overdue"]


def test_a_new_due_date_moves_the_escalation(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        platform_with_a_manager(s)
        key = raise_issue(s)
        edit(s, key, due_on=DUE + timedelta(days=20))
    frozen_clock.advance(timedelta(days=12))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert issues.get(s, actor=RESPONDER, key=key).status == IssueStatus.OPEN
        assert noticed(s, OWNER) == []
        (pending,) = jobs.pending(s, subject=key)
        assert pending.due_at == clock.midnight(DUE + timedelta(days=21))
        timeline = audit.timeline(s, subject_type="issue", subject_key=key)
        assert timeline[-1].text == f"Issue edited: due {DUE + timedelta(days=20):%d %b %Y}"
    frozen_clock.advance(timedelta(days=20))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert issues.get(s, actor=RESPONDER, key=key).status == IssueStatus.ESCALATED


def test_a_resolved_issue_never_escalates_and_a_reopened_one_does_at_once_when_overdue(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        platform_with_a_manager(s)
        key = raise_issue(s)
        resolve(s, key)
        assert jobs.pending(s, subject=key) == []
    frozen_clock.advance(timedelta(days=30))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert issues.get(s, actor=RESPONDER, key=key).status == IssueStatus.RESOLVED
        assert noticed(s, OWNER) == []
        issues.transition(
            s, actor=RESPONDER, key=key, move=IssueTransition.REOPEN, data=schemas.IssueMove()
        )
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert issues.get(s, actor=RESPONDER, key=key).status == IssueStatus.ESCALATED
        assert noticed(s, MANAGER.name) == ["issue.overdue"]


def test_an_issue_escalated_by_hand_keeps_its_escalation_and_its_owner_still_hears(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)  # no operations manager set on the platform
        key = raise_issue(s)
        moved = schemas.IssueMove(to="cto@example.com", reason="renewal blocked by procurement")
        issues.transition(s, actor=RESPONDER, key=key, move=IssueTransition.ESCALATE, data=moved)
    frozen_clock.advance(timedelta(days=11))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        read = issues.read(issues.get(s, actor=RESPONDER, key=key))
        assert (read.status, read.escalated_to, read.escalation_reason) == (
            IssueStatus.ESCALATED,
            "cto@example.com",
            "renewal blocked by procurement",
        )
        assert noticed(s, OWNER) == ["issue.overdue"]
        events = audit.timeline(s, subject_type="issue", subject_key=key)
        assert events[-1].text.endswith("up to no operations manager (none set on the platform)")


def test_a_refused_issue_edit_names_the_field_and_changes_nothing(session: Session) -> None:
    two_squads(session)
    key = raise_issue(session)
    for fields, error in (({"title": "x"}, "title"), ({"due_on": "soon"}, "due_on")):
        with pytest.raises(ValidationError) as refused:
            edit(session, key, **fields)
        assert error in str(refused.value)
    with pytest.raises(Conflict):
        issues.update(session, actor=RESPONDER, key=key, data=schemas.IssueUpdate(version=0))
    read = issues.read(issues.get(session, actor=RESPONDER, key=key))
    assert (read.title, read.due_on, read.version) == (
        "TLS certificate of checkout expires",
        DUE,
        1,
    )

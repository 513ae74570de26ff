from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Principal, Role
from opsroom.changes import governance, schemas
from opsroom.changes import service as changes
from opsroom.changes.assessment import preview
from opsroom.changes.domain import Status, Transition
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from tests import factories
from tests.factories import ACTOR

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # where the frozen_clock fixture stands
ENGINEER = Principal(name="dev@example.com", role=Role.RESPONDER, squads=frozenset({"identity"}))
LEAD = Principal(name="lead@example.com", role=Role.SQUAD_LEAD, squads=frozenset({"identity"}))
OTHER_LEAD = Principal(
    name="lead2@example.com", role=Role.SQUAD_LEAD, squads=frozenset({"identity"})
)
STRANGER = Principal(name="far@example.com", role=Role.SQUAD_LEAD, squads=frozenset({"payments"}))
MANAGER = Principal(
    name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=frozenset({"procurement"})
)


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> clock.FrozenClock:
    factories.small_platform(session)
    return frozen_clock


def _draft(session: Session, services: list[str], *, hours: int = 24, **extra: Any) -> Any:
    data = schemas.ChangeCreate(
        title=extra.pop("title", "Upgrade the thing"),
        services=services,
        squad="identity",
        planned_start=NOW + timedelta(hours=hours),
        planned_end=NOW + timedelta(hours=hours + 1),
        **extra,
    )
    return changes.create(session, actor=ENGINEER, data=data)


def _submit(session: Session, change: Any) -> Any:
    return changes.submit(session, actor=ENGINEER, key=change.key, data=schemas.TransitionIn())


def _approve(session: Session, change: Any, who: Principal, **extra: Any) -> Any:
    return changes.approve(session, actor=who, key=change.key, data=schemas.DecisionIn(**extra))


def _move(session: Session, change: Any, move: Transition, who: Principal = ENGINEER) -> Any:
    return changes.transition(
        session, actor=who, key=change.key, move=move, data=schemas.TransitionIn()
    )


def test_a_change_runs_its_whole_lifecycle(session: Session, platform: Any) -> None:
    change = _draft(session, ["search"])
    assert (change.key, change.status, change.risk_level) == ("CHG-1", Status.DRAFT, "low")
    _submit(session, change)
    assert change.required_approvals == ["squad_lead"]
    _approve(session, change, LEAD, comment="fine")
    assert change.status == Status.APPROVED
    for move in (Transition.SCHEDULE, Transition.START, Transition.COMPLETE, Transition.CLOSE):
        _move(session, change, move)
    read = changes.read(change)
    assert read.status == Status.CLOSED and not read.failed
    assert [d.by for d in read.decisions] == ["lead@example.com"]
    kinds = [e.kind for e in changes.timeline(session, actor=ENGINEER, key=change.key)]
    assert kinds == [
        "drafted",
        "submit",
        "approval",
        "approve",
        "schedule",
        "start",
        "complete",
        "close",
    ]


def test_risk_is_explained_factor_by_factor(session: Session, platform: Any) -> None:
    change = _draft(session, ["auth"])
    factors = {f["name"]: f for f in change.risk_factors}
    assert factors["service tier"]["detail"] == "tier 1"
    assert factors["blast radius"]["detail"] == "1 downstream service"
    assert factors["critical journeys"]["detail"] == "1 critical journey touched"
    assert change.risk_score == sum(f["points"] for f in change.risk_factors)
    assert change.risk_level == "medium"


def test_medium_risk_on_a_critical_journey_needs_its_owner_too(
    session: Session, platform: Any
) -> None:
    change = _submit(session, _draft(session, ["auth"]))
    assert change.required_approvals == ["squad_lead", "journey_owner:login"]
    _approve(session, change, LEAD)
    assert change.status == Status.SUBMITTED
    with pytest.raises(Conflict, match="already approved"):
        _approve(session, change, LEAD)
    _approve(session, change, OTHER_LEAD)
    assert change.status == Status.APPROVED
    assert changes.read(change).outstanding_approvals == []


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (
            Principal(name="peer@example.com", role=Role.RESPONDER, squads=frozenset({"identity"})),
            "may not give any",
        ),
        (STRANGER, "may not give any"),
        (
            Principal(name="dev@example.com", role=Role.SQUAD_LEAD, squads=frozenset({"identity"})),
            "own change",
        ),
    ],
)
def test_only_the_right_people_approve(
    session: Session, platform: Any, who: Principal, message: str
) -> None:
    change = _submit(session, _draft(session, ["search"]))
    with pytest.raises((Conflict, Forbidden), match=message):
        _approve(session, change, who)
    assert change.status == Status.SUBMITTED


def test_approvals_and_moves_out_of_order_are_refused(session: Session, platform: Any) -> None:
    change = _draft(session, ["search"])
    with pytest.raises(Conflict, match="approvals are given while it is submitted"):
        _approve(session, change, LEAD)
    with pytest.raises(InvalidTransition, match="cannot schedule a change that is draft"):
        _move(session, change, Transition.SCHEDULE)
    _submit(session, change)
    with pytest.raises(InvalidTransition, match="allowed now: approve, reject"):
        _move(session, change, Transition.SCHEDULE)
    with pytest.raises(InvalidTransition):
        _move(session, change, Transition.COMPLETE)


def test_a_rejection_needs_a_reason_and_ends_the_change(session: Session, platform: Any) -> None:
    change = _submit(session, _draft(session, ["search"]))
    changes.reject(
        session, actor=LEAD, key=change.key, data=schemas.RejectionIn(comment="no rollback plan")
    )
    assert change.status == Status.REJECTED
    with pytest.raises(Conflict):
        _approve(session, change, OTHER_LEAD)


def _freeze(session: Session, **extra: Any) -> Any:
    data = schemas.FreezeCreate(
        slug="year-end",
        name="Year-end peak",
        starts_on=date(2026, 11, 1),
        ends_on=date(2026, 11, 10),
        timezone="Europe/Amsterdam",
        **({"platforms": ["procurement"]} | extra),
    )
    return governance.create_freeze(session, actor=MANAGER, data=data)


def test_a_normal_change_inside_a_freeze_is_refused_without_an_exception(
    session: Session, platform: Any
) -> None:
    _freeze(session)
    change = _draft(session, ["search"])
    assert change.in_freeze
    with pytest.raises(Conflict, match="inside the freeze 'Year-end peak'"):
        _submit(session, change)
    with pytest.raises(Forbidden):
        changes.grant_exception(
            session, actor=LEAD, key=change.key, data=schemas.ExceptionIn(reason="please")
        )
    changes.grant_exception(
        session, actor=MANAGER, key=change.key, data=schemas.ExceptionIn(reason="security fix")
    )
    _submit(session, change)
    assert change.status == Status.SUBMITTED and change.freeze_exception_by == "om@example.com"


def test_emergency_changes_run_in_a_freeze_flagged_and_are_reviewed_after(
    session: Session, platform: Any
) -> None:
    _freeze(session, platforms=[], journeys=["login"])
    outside = _draft(session, ["search"])
    assert not outside.in_freeze  # search is on no frozen journey
    change = _submit(session, _draft(session, ["auth"], type="emergency"))
    assert change.in_freeze and change.required_approvals == ["operations_manager"]
    _move(session, change, Transition.START)
    _move(session, change, Transition.COMPLETE)
    with pytest.raises(Conflict, match="review it"):
        _move(session, change, Transition.CLOSE)
    _approve(session, change, MANAGER, comment="reviewed")
    _move(session, change, Transition.CLOSE)
    texts = [e.text for e in changes.timeline(session, actor=ENGINEER, key=change.key)]
    assert "Inside freeze Year-end peak: allowed as an emergency" in texts


def test_freeze_windows_follow_their_time_zone(session: Session, platform: Any) -> None:
    read = governance.read_freeze(session, _freeze(session))
    assert read.starts_at == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert read.ends_at == datetime(2026, 11, 10, 23, 0, tzinfo=UTC)
    assert read.platforms == ["procurement"] and not read.everything


def test_collisions_are_found_and_raise_the_risk(session: Session, platform: Any) -> None:
    first = _submit(session, _draft(session, ["db"], title="Patch the database"))
    fields = schemas.ChangeFields(
        services=["search"],
        squad="identity",
        planned_start=NOW + timedelta(hours=24, minutes=30),
        planned_end=NOW + timedelta(hours=26),
    )
    seen = preview(session, actor=ENGINEER, fields=fields)
    [collision] = seen.collisions
    assert collision.change == first.key
    assert collision.reason == "search and db depend on each other directly"
    factor = next(f for f in seen.risk.factors if f.name == "collisions")
    assert (factor.detail, factor.points) == ("1 overlapping change", 10)


def test_standard_changes_stay_within_their_template(session: Session, platform: Any) -> None:
    template = schemas.TemplateCreate(
        slug="cert-rotation", name="Certificate rotation", services=["search"], max_minutes=90
    )
    governance.create_template(session, actor=MANAGER, data=template)
    change = _submit(
        session, _draft(session, ["search"], type="standard", template="cert-rotation")
    )
    assert change.status == Status.APPROVED and change.required_approvals == []
    with pytest.raises(ValidationFailed, match="not covered by the template: db"):
        _draft(session, ["search", "db"], type="standard", template="cert-rotation")
    with pytest.raises(ValidationFailed) as refused:
        _draft(session, ["search"], type="standard")
    assert refused.value.fields == {"template": "required"}


def test_bad_drafts_are_refused(session: Session, platform: Any) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        _draft(session, ["nope"])
    assert unknown.value.fields == {"services": "unknown service 'nope'"}
    data = schemas.ChangeCreate(
        title="Backwards",
        services=["db"],
        squad="identity",
        planned_start=NOW + timedelta(hours=2),
        planned_end=NOW + timedelta(hours=1),
    )
    with pytest.raises(ValidationFailed, match="ends before it starts"):
        changes.create(session, actor=ENGINEER, data=data)
    with pytest.raises(Forbidden):
        changes.create(session, actor=Principal(name="v", role=Role.VIEWER), data=data)


def _incident(session: Session, services: list[str], impact: datetime) -> Any:
    data = incident_schemas.IncidentCreate(
        title="Logins fail",
        services=services,
        impact=3,
        urgency=3,
        impact_started_at=impact,
        detected_at=impact,
    )
    return incidents.declare(session, actor=ACTOR, data=data)


def test_suspects_are_ranked_and_marking_the_cause_fails_the_change(
    session: Session, platform: clock.FrozenClock
) -> None:
    upstream = changes.record_deployment(
        session,
        actor=ENGINEER,
        data=schemas.PipelineEvent(
            service="db", summary="db 14.2", finished_at=NOW - timedelta(hours=2)
        ),
    )
    direct = changes.record_deployment(
        session,
        actor=ENGINEER,
        data=schemas.PipelineEvent(
            service="auth", summary="auth 3.1", finished_at=NOW - timedelta(hours=5)
        ),
    )
    changes.record_deployment(
        session,
        actor=ENGINEER,
        data=schemas.PipelineEvent(
            service="auth", summary="too old", finished_at=NOW - timedelta(hours=30)
        ),
    )
    changes.record_deployment(
        session,
        actor=ENGINEER,
        data=schemas.PipelineEvent(
            service="search", summary="unrelated", finished_at=NOW - timedelta(hours=1)
        ),
    )
    incident = _incident(session, ["auth"], NOW)
    ranked = changes.suspects(session, actor=ENGINEER, incident_key=incident.key)
    assert [s.change for s in ranked] == [direct.key, upstream.key]
    assert ranked[1].reasons[0] == "upstream: db"
    changes.mark_cause(
        session, actor=ENGINEER, key=direct.key, data=schemas.CauseIn(incident=incident.key)
    )
    assert direct.status == Status.FAILED and direct.failed
    assert changes.caused_by(session, actor=ENGINEER, incident_key=incident.key) == [direct.key]
    assert changes.suspects(session, actor=ENGINEER, incident_key=incident.key)[0].cause
    events = audit.timeline(session, subject_type="incident", subject_key=incident.key)
    assert any(e.text == f"Caused by change {direct.key}: auth 3.1" for e in events)
    with pytest.raises(Conflict, match="already marked"):
        changes.mark_cause(
            session, actor=ENGINEER, key=direct.key, data=schemas.CauseIn(incident=incident.key)
        )


def test_failed_deployments_raise_the_change_failure_rate(session: Session, platform: Any) -> None:
    for outcome in ("failed", "succeeded", "rolled_back"):
        changes.record_deployment(
            session,
            actor=ENGINEER,
            data=schemas.PipelineEvent(
                service="search",
                summary=outcome,
                outcome=outcome,
                finished_at=NOW - timedelta(days=1),
            ),
        )
    change = _draft(session, ["search"])
    factor = next(f for f in change.risk_factors if f["name"] == "change failure rate")
    assert factor["detail"] == "2 of 3 recent changes failed (67%)"
    assert factor["points"] == 20


def test_a_stale_version_is_refused(session: Session, platform: Any) -> None:
    change = _draft(session, ["search"])
    changes.update(
        session,
        actor=ENGINEER,
        key=change.key,
        data=schemas.ChangeUpdate(version=1, title="Renamed"),
    )
    with pytest.raises(Conflict, match="changed since you loaded it"):
        changes.update(
            session,
            actor=ENGINEER,
            key=change.key,
            data=schemas.ChangeUpdate(version=1, title="Again"),
        )

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth import schemas as account_schemas
from opsroom.auth import service as accounts
from opsroom.auth.domain import Principal, Role
from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import vendors
from opsroom.incidents import policy, schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import TIMESTAMPS, Audience, Priority, Status, Transition
from opsroom.incidents.domain import Role as IncidentRole
from opsroom.incidents.figures import STORED as STORED_SPANS
from opsroom.incidents.models import Incident
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from opsroom.kpis import domain as kpi_domain
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR

RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)


@pytest.fixture
def platform(session: Session) -> Session:
    factories.small_platform(session)
    accounts.create_user(
        session,
        actor=ACTOR,
        data=account_schemas.UserCreate(
            email="ic@example.com", display_name="Ira", role=Role.RESPONDER, service_account=True
        ),
    )
    return session


def declare(session: Session, **fields: Any) -> Any:
    data = schemas.IncidentCreate(**{"title": "Checkout fails", "services": ["auth"], **fields})
    return incidents.declare(session, actor=RESPONDER, data=data)


def act(session: Session, incident: Any, move: Transition, **fields: Any) -> Any:
    return incidents.transition(
        session, actor=RESPONDER, key=incident.key, move=move, data=schemas.TransitionIn(**fields)
    )


def test_declared_incident_gets_a_key_priority_and_derived_facts(platform: Session) -> None:
    first = declare(platform, impact=1, urgency=1)
    second = declare(platform, impact=3, urgency=3)
    assert (first.key, second.key) == ("INC-1", "INC-2")
    read = incidents.read(platform, first)
    assert (read.priority, read.major, read.status, read.platform) == (
        "P1",
        True,
        Status.TRIGGERED,
        "procurement",
    )
    assert (read.journeys, read.owner_squads) == (["login"], ["identity"])
    assert [p.ref for p in read.participants] == ["identity"]
    assert (incidents.read(platform, second).priority, second.major) == ("P5", False)


def test_unknown_service_is_a_field_error(platform: Session) -> None:
    with pytest.raises(ValidationFailed) as refused:
        declare(platform, services=["ghost"])
    assert refused.value.fields == {"services": "unknown service 'ghost'"}


def test_priority_override_needs_a_reason_and_is_audited(platform: Session) -> None:
    with pytest.raises(ValidationFailed):
        declare(platform, impact=3, urgency=3, priority=Priority.P2)
    incident = declare(
        platform, impact=3, urgency=3, priority=Priority.P2, priority_reason="CEO demo tomorrow"
    )
    assert (incident.priority, incident.major, incident.priority_reason) == (
        2,
        True,
        "CEO demo tomorrow",
    )
    overridden = incidents.override_priority(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.PriorityOverride(version=1, priority=Priority.P4, reason="demo moved"),
    )
    assert (overridden.priority, overridden.major) == (4, False)
    entry = audit.list_entries(platform, subject_key=incident.key, limit=1).items[0]
    assert (entry.action, entry.before["priority"], entry.after["priority"]) == (
        "incident.priority_overridden",
        2,
        4,
    )


def test_major_incident_needs_a_commander_before_acknowledgement(platform: Session) -> None:
    incident = declare(platform, impact=1, urgency=1)
    with pytest.raises(Conflict) as refused:
        act(platform, incident, Transition.ACKNOWLEDGE)
    assert refused.value.fields == {"commander": "required for a major incident"}
    acked = act(platform, incident, Transition.ACKNOWLEDGE, commander="ic@example.com")
    assert (acked.status, incidents.read(platform, acked).roles) == (
        Status.ACKNOWLEDGED,
        {"commander": "ic@example.com"},
    )


def test_full_lifecycle_records_kpi_timestamps_and_timeline(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    incident = declare(platform, impact=2, urgency=2)
    for minutes, move in (
        (5, Transition.ACKNOWLEDGE),
        (30, Transition.MITIGATE),
        (60, Transition.RESOLVE),
        (24 * 60, Transition.CLOSE),
    ):
        frozen_clock.advance(timedelta(minutes=minutes))
        incident = act(platform, incident, move)
    start = incident.detected_at
    assert [
        getattr(incident, f"{n}_at") - start
        for n in ("acknowledged", "mitigated", "resolved", "closed")
    ] == [
        timedelta(minutes=5),
        timedelta(minutes=35),
        timedelta(minutes=95),
        timedelta(minutes=1535),
    ]
    kinds = [e.kind for e in incidents.timeline(platform, actor=RESPONDER, key=incident.key)]
    assert kinds == ["declared", "acknowledge", "mitigate", "resolve", "close"]


def test_invalid_transition_changes_nothing(platform: Session) -> None:
    incident = declare(platform)
    with pytest.raises(InvalidTransition):
        act(platform, incident, Transition.CLOSE)
    assert (incident.status, incident.version) == (Status.TRIGGERED, 1)


def test_stale_version_is_refused(platform: Session) -> None:
    incident = declare(platform)
    act(platform, incident, Transition.ACKNOWLEDGE, version=1)
    with pytest.raises(StaleVersion):
        act(platform, incident, Transition.MITIGATE, version=1)


def test_reopen_counts_and_restarts_the_clocks(platform: Session) -> None:
    incident = act(platform, declare(platform), Transition.RESOLVE)
    reopened = act(platform, incident, Transition.REOPEN)
    assert (reopened.status, reopened.reopen_count, reopened.resolved_at) == (
        Status.ACKNOWLEDGED,
        1,
        None,
    )


def test_timestamp_corrections_stay_in_order_and_are_audited(platform: Session) -> None:
    incident = act(platform, declare(platform), Transition.RESOLVE)
    earlier = incident.detected_at - timedelta(minutes=12)
    corrected = incidents.correct_timestamps(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.TimestampCorrection(
            version=incident.version, reason="alert fired late", impact_started_at=earlier
        ),
    )
    assert corrected.impact_started_at == earlier
    with pytest.raises(ValidationFailed) as refused:
        incidents.correct_timestamps(
            platform,
            actor=RESPONDER,
            key=incident.key,
            data=schemas.TimestampCorrection(
                version=corrected.version, reason="typo", resolved_at=earlier
            ),
        )
    assert refused.value.fields == {"resolved_at": "is before mitigated_at"}


def test_response_sla_breach_is_recorded_by_the_worker(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        key = declare(s, impact=2, urgency=1).key  # P2: respond within 30 minutes
    frozen_clock.advance(timedelta(minutes=29))
    run_once(settings, owner="w")
    frozen_clock.advance(timedelta(minutes=2))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        read = incidents.read(s, incidents.get(s, actor=RESPONDER, key=key))
        events = [
            e.text
            for e in incidents.timeline(s, actor=RESPONDER, key=key)
            if e.kind == "sla_breach"
        ]
    assert events == ["Response SLA breached (P2 target 30 min)"]
    assert [c.breached for c in read.sla] == [True, False]


def test_acknowledged_in_time_means_no_breach(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        accounts.create_user(
            s,
            actor=ACTOR,
            data=account_schemas.UserCreate(
                email="ic@example.com",
                display_name="Ira",
                role=Role.RESPONDER,
                service_account=True,
            ),
        )
        incident = declare(s, impact=2, urgency=1, commander="ic@example.com")
        act(s, incident, Transition.ACKNOWLEDGE)
    frozen_clock.advance(timedelta(hours=1))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert [
            e.kind
            for e in incidents.timeline(s, actor=RESPONDER, key="INC-1")
            if e.kind == "sla_breach"
        ] == []


def test_overdue_status_update_is_flagged_and_a_new_update_clears_it(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        declare(s, impact=1, urgency=1)
    frozen_clock.advance(timedelta(minutes=31))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        incident = incidents.get(s, actor=RESPONDER, key="INC-1")
        assert incident.update_overdue_since is not None
        incidents.post_status_update(
            s,
            actor=RESPONDER,
            key="INC-1",
            data=schemas.StatusUpdateIn(body="Failing over to the standby region"),
        )
        read = incidents.read(s, incident)
    assert read.update_overdue_since is None
    assert read.next_update_due_at == frozen_clock.now() + timedelta(minutes=30)


def test_resolving_cancels_pending_clocks(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        act(s, declare(s, impact=1, urgency=1, commander=None), Transition.RESOLVE)
    frozen_clock.advance(timedelta(hours=5))
    assert run_once(settings, owner="w") == 0


def test_merging_a_duplicate_moves_participants_and_timeline(platform: Session) -> None:
    primary, duplicate = (
        declare(platform, services=["auth"]),
        declare(platform, services=["search"]),
    )
    incidents.add_note(platform, actor=RESPONDER, key=duplicate.key, text="seen from search too")
    incidents.link(
        platform,
        actor=RESPONDER,
        key=duplicate.key,
        data=schemas.LinkIn(kind="duplicate_of", to=primary.key),
    )
    assert (duplicate.status, duplicate.duplicate_of_number) == (Status.CANCELLED, 1)
    assert "seen from search too" in [
        e.text for e in incidents.timeline(platform, actor=RESPONDER, key=primary.key)
    ]
    assert {p.ref for p in primary.participants} == {"identity"}
    assert [
        (lnk.kind, lnk.incident)
        for lnk in incidents.links(platform, actor=RESPONDER, key=primary.key)
    ] == [("duplicate_of (inverse)", "INC-2")]
    with pytest.raises(Conflict):
        incidents.link(
            platform,
            actor=RESPONDER,
            key=duplicate.key,
            data=schemas.LinkIn(kind="duplicate_of", to=primary.key),
        )


def test_tasks_roles_and_participants(platform: Session) -> None:
    incident = declare(platform)
    task = incidents.add_task(
        platform, actor=RESPONDER, key=incident.key, data=schemas.TaskIn(title="Fail over DNS")
    )
    assert (
        incidents.set_task_done(
            platform, actor=RESPONDER, key=incident.key, task_id=task.id, done=True
        ).done_by
        == "resp@example.com"
    )
    with pytest.raises(ValidationFailed):
        incidents.assign_role(
            platform,
            actor=RESPONDER,
            key=incident.key,
            data=schemas.RoleIn(role=IncidentRole.SCRIBE, person="nobody@example.com"),
        )
    incidents.add_participant(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.ParticipantIn(kind="stakeholder", ref="Finance"),
    )
    with pytest.raises(Conflict):
        incidents.add_participant(
            platform,
            actor=RESPONDER,
            key=incident.key,
            data=schemas.ParticipantIn(kind="stakeholder", ref="Finance"),
        )


def test_search_filters(platform: Session) -> None:
    declare(platform, title="Login broken", impact=1, urgency=1, services=["gateway"])
    act(platform, declare(platform, title="Search slow", services=["search"]), Transition.RESOLVE)
    keys = lambda **f: [i.key for i in incidents.search(platform, actor=RESPONDER, **f).items]  # noqa: E731
    assert keys() == ["INC-2", "INC-1"]
    assert keys(open_only=True) == ["INC-1"]
    assert keys(priority=[Priority.P1]) == ["INC-1"]
    assert keys(service="search") == ["INC-2"]
    assert keys(journey="login") == ["INC-1"]
    assert keys(squad="identity", text="slow") == ["INC-2"]
    assert keys(major=True) == ["INC-1"]
    assert [i.key for i in incidents.open_major(platform)] == ["INC-1"]


def test_viewers_cannot_work_incidents_and_vendor_contacts_see_only_theirs(
    platform: Session,
) -> None:
    incident = declare(platform)
    with pytest.raises(Forbidden):
        incidents.add_note(
            platform, actor=replace(RESPONDER, role=Role.VIEWER), key=incident.key, text="hi"
        )
    vendor = Principal(name="v@cloudco.example", role=Role.VENDOR_CONTACT, vendor="cloudco")
    with pytest.raises(NotFound):
        incidents.get(platform, actor=vendor, key=incident.key)
    vendors.create_vendor(
        platform, actor=ACTOR, data=catalog_schemas.VendorCreate(slug="cloudco", name="CloudCo")
    )
    incidents.add_participant(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.ParticipantIn(kind="vendor", ref="cloudco"),
    )
    assert [i.key for i in incidents.search(platform, actor=vendor).items] == [incident.key]


def test_a_vendor_contact_reads_the_updates_meant_for_them_and_reports_to_responders(
    platform: Session,
) -> None:
    incident = declare(platform)
    vendor = Principal(name="v@cloudco.example", role=Role.VENDOR_CONTACT, vendor="cloudco")
    vendors.create_vendor(
        platform, actor=ACTOR, data=catalog_schemas.VendorCreate(slug="cloudco", name="CloudCo")
    )
    engaged = schemas.ParticipantIn(kind="vendor", ref="cloudco")
    incidents.add_participant(platform, actor=RESPONDER, key=incident.key, data=engaged)
    for audience in Audience:
        update = schemas.StatusUpdateIn(audience=audience, body=f"for the {audience} audience")
        incidents.post_status_update(platform, actor=RESPONDER, key=incident.key, data=update)

    report = schemas.StatusUpdateIn(body="failing over our EU gateway")
    incidents.post_status_update(platform, actor=vendor, key=incident.key, data=report)

    seen = incidents.status_updates(platform, actor=vendor, key=incident.key)
    assert [u.body for u in seen] == ["failing over our EU gateway", "for the customer audience"]
    assert seen[0].audience == Audience.INTERNAL
    with pytest.raises(ValidationFailed) as refused:
        to_customers = schemas.StatusUpdateIn(audience=Audience.CUSTOMER, body="all good")
        incidents.post_status_update(platform, actor=vendor, key=incident.key, data=to_customers)
    assert refused.value.fields == {"audience": "must be internal"}
    with pytest.raises(Forbidden):
        incidents.add_note(platform, actor=vendor, key=incident.key, text="let us in")


def test_policy_is_data_guild_leads_change(platform: Session) -> None:
    doc = policy.to_doc(policy.current(platform))
    doc.matrix["3"]["3"] = 4
    om = Principal(
        name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=frozenset({"procurement"})
    )
    lead = Principal(name="guild.lead@example.com", role=Role.GUILD_LEAD)
    for refused in (RESPONDER, om):  # the policy holds on every platform
        with pytest.raises(Forbidden):
            policy.replace(platform, actor=refused, doc=doc, version=0)
    assert policy.replace(platform, actor=lead, doc=doc, version=0).version == 1
    assert declare(platform, impact=3, urgency=3).priority == 4
    with pytest.raises(StaleVersion):
        policy.replace(platform, actor=lead, doc=doc, version=0)


def _stored_durations_agree(session: Session, incident: Any) -> None:
    """What the database keeps for each KPI measure is the pure definition's duration."""
    session.flush()
    columns = [STORED_SPANS[span] for span in kpi_domain.SPANS.values()]
    stored = session.execute(select(*columns).where(Incident.id == incident.id)).one()
    times = {name: getattr(incident, name) for name in TIMESTAMPS}
    for measure, seconds in zip(kpi_domain.SPANS, stored, strict=True):
        assert seconds == pytest.approx(kpi_domain.duration(times, measure), abs=0.001), measure


def test_stored_durations_follow_every_timestamp_change(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    incident = declare(platform)
    _stored_durations_agree(platform, incident)
    for move in (Transition.ACKNOWLEDGE, Transition.MITIGATE, Transition.RESOLVE):
        frozen_clock.advance(timedelta(minutes=7))
        incident = act(platform, incident, move)
        _stored_durations_agree(platform, incident)
    incident = act(platform, incident, Transition.REOPEN)  # the resolution is undone
    _stored_durations_agree(platform, incident)
    corrected = incidents.correct_timestamps(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.TimestampCorrection(
            version=incident.version,
            reason="alert fired late",
            impact_started_at=incident.detected_at - timedelta(minutes=12),
            detected_at=incident.detected_at - timedelta(minutes=3),
        ),
    )
    _stored_durations_agree(platform, corrected)
    cleared = incidents.correct_timestamps(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.TimestampCorrection(
            version=corrected.version, reason="no real mitigation", mitigated_at=None
        ),
    )
    _stored_durations_agree(platform, cleared)


def test_an_edit_brings_in_the_squads_of_new_services_and_names_what_changed(
    platform: Session,
) -> None:
    factories.squad(platform, "payments")
    factories.service(platform, "cards", owner="payments")
    incident = declare(platform, impact=3, urgency=3)

    edited = incidents.update(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.IncidentUpdate(version=1, services=["cards"], urgency=1),
    )

    assert (edited.service_slugs, edited.priority, edited.version) == (["cards"], 3, 2)
    assert [(p.kind, p.ref) for p in edited.participants] == [
        ("squad", "identity"),
        ("squad", "payments"),
    ]
    entry = incidents.timeline(platform, actor=RESPONDER, key=incident.key)[-1]
    assert (entry.kind, entry.text) == (
        "edited",
        "Edited: urgency 3 → 1; priority P5 → P3; services auth → cards",
    )


def test_an_edit_changing_nothing_leaves_the_timeline_alone(platform: Session) -> None:
    incident = declare(platform)
    before = len(incidents.timeline(platform, actor=RESPONDER, key=incident.key))

    incidents.update(
        platform,
        actor=RESPONDER,
        key=incident.key,
        data=schemas.IncidentUpdate(version=1, title="Checkout fails"),
    )

    assert len(incidents.timeline(platform, actor=RESPONDER, key=incident.key)) == before


def test_the_resolution_summary_is_kept_until_the_incident_is_reopened(platform: Session) -> None:
    incident = declare(platform)

    act(platform, incident, Transition.RESOLVE, note="Restarted the token signer")
    kept = incidents.read(platform, incident).resolution_summary
    act(platform, incident, Transition.REOPEN)

    assert kept == "Restarted the token signer"
    assert incidents.read(platform, incident).resolution_summary == ""

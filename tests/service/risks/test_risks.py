from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source
from opsroom.audit import service as audit
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Forbidden, InvalidTransition, ValidationFailed
from opsroom.notify import service as notify
from opsroom.risks import links, reports, schemas
from opsroom.risks import records as register
from opsroom.risks import service as risks
from opsroom.risks.domain import Assessment, Status, Transition
from opsroom.runtime.worker import run_once
from tests import factories
from tests.conftest import TEST_NOW
from tests.improvement import GUILD_LEAD, MANAGER, RESPONDER, resolved, two_squads

TODAY = TEST_NOW.date()


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def raise_risk(session: Session, **fields: Any) -> Any:
    data = schemas.RiskCreate(
        **{
            "title": "Checkout database has no failover",
            "category": "availability",
            "owner_squad": "payments",
            "inherent_likelihood": 4,
            "inherent_impact": 5,
            "services": ["checkout"],
            **fields,
        }
    )
    return risks.create(session, actor=RESPONDER, data=data)


def rescore(session: Session, key: str, likelihood: int, impact: int, **extra: Any) -> Any:
    version = register.get(session, actor=RESPONDER, key=key).version
    data = schemas.ScoreIn(version=version, likelihood=likelihood, impact=impact, **extra)
    return risks.score(session, actor=RESPONDER, key=key, data=data)


def assess(session: Session, key: str) -> Any:
    return risks.transition(
        session, actor=RESPONDER, key=key, move=Transition.ASSESS, data=schemas.RiskMove()
    )


def test_a_risk_is_scored_on_its_platforms_matrix_current_and_target_default_to_inherent(
    platform: Session,
) -> None:
    read = reports.read(platform, raise_risk(platform))
    assert (read.key, read.platform, read.status) == ("RSK-1", "procurement", Status.IDENTIFIED)
    assert (read.inherent.score, read.current.score, read.target.score) == (20, 20, 20)
    assert (read.current.band, read.above_appetite) == ("critical", True)
    assert [s.assessment for s in read.scores] == list(reversed(list(Assessment)))
    (entry,) = audit.list_entries(platform, subject_type="risk", subject_key="RSK-1").items
    assert entry.action == "risk.raised"


def test_bad_input_is_refused_field_by_field_and_changes_nothing(platform: Session) -> None:
    for fields, name in (
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"target_impact": 0}, "target_impact"),
        ({"category": "weather"}, "category"),
        ({"services": ["nowhere"]}, "services"),
        ({"vendors": ["acme"]}, "vendors"),
        ({"owner_squad": "ghosts"}, "owner_squad"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            raise_risk(platform, **fields)
        assert name in refused.value.fields
    assert reports.register(platform, actor=RESPONDER) == []


def test_the_current_score_drops_only_with_a_reason_and_keeps_its_history(
    platform: Session,
) -> None:
    key = raise_risk(platform).key
    with pytest.raises(ValidationFailed) as refused:
        rescore(platform, key, 2, 5)
    assert "reason" in refused.value.fields
    rescore(platform, key, 5, 5)  # a rise needs no reason
    read = reports.read(platform, rescore(platform, key, 2, 4, reason="replica in a second zone"))
    assert read.current.score == 8 and not read.above_appetite
    assert [(s.score, s.reason) for s in read.scores[:2]] == [
        (8, "replica in a second zone"),
        (25, ""),
    ]
    with pytest.raises(ValidationFailed) as outside:
        rescore(platform, key, 1, 6, assessment=Assessment.TARGET)
    assert outside.value.fields == {"target_impact": "1 to 5 on this platform's matrix"}


def test_an_acceptance_needs_an_operations_manager_an_expiry_and_a_reason(
    platform: Session,
) -> None:
    key = raise_risk(platform).key
    later = TODAY + timedelta(days=90)
    with pytest.raises(InvalidTransition):
        risks.accept(
            platform, actor=MANAGER, key=key, data=schemas.AcceptanceIn(until=later, reason="cheap")
        )
    assess(platform, key)
    with pytest.raises(Forbidden):
        risks.accept(
            platform, actor=RESPONDER, key=key, data=schemas.AcceptanceIn(until=later, reason="x")
        )
    with pytest.raises(ValidationFailed) as refused:
        risks.accept(platform, actor=MANAGER, key=key, data=schemas.AcceptanceIn(reason=""))
    assert set(refused.value.fields) == {"until", "reason"}
    data = schemas.AcceptanceIn(until=later, reason="failover costs more than the outage")
    read = reports.read(platform, risks.accept(platform, actor=MANAGER, key=key, data=data))
    assert (read.status, read.accepted_until, read.accepted_by) == (
        Status.ACCEPTED,
        later,
        str(MANAGER),
    )


def test_an_expired_acceptance_returns_the_risk_for_review_and_tells_its_owner(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        key = raise_risk(s, owner="owner@example.com").key
        assess(s, key)
        until = TODAY + timedelta(days=30)
        data = schemas.AcceptanceIn(until=until, reason="the vendor fixes it next quarter")
        risks.accept(s, actor=MANAGER, key=key, data=data)
    frozen_clock.advance(timedelta(days=29))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        assert register.get(s, actor=RESPONDER, key=key).status == Status.ACCEPTED
    frozen_clock.advance(timedelta(days=1, minutes=1))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        risk = register.get(s, actor=RESPONDER, key=key)
        assert (risk.status, risk.review_on) == (Status.ASSESSED, until)
        (sent,) = notify.log(s, actor=RESPONDER, person="owner@example.com").items
    assert sent.kind == "risk.review"
    assert sent.message["link"].endswith(f"/risks/{key}")


def test_mitigations_are_action_items_citing_the_risk(platform: Session) -> None:
    key = raise_risk(platform).key
    data = schemas.MitigationIn(title="Add a failover replica")
    item = risks.mitigate(platform, actor=RESPONDER, key=key, data=data)
    assert (item.source_type, item.source_key, item.owner_squad) == (Source.RISK, key, "payments")
    assert reports.read(platform, register.get(platform, actor=RESPONDER, key=key)).mitigations == [
        item.key
    ]


def test_an_action_item_citing_a_risk_that_does_not_exist_is_refused(platform: Session) -> None:
    data = action_schemas.ActionCreate(
        title="Fix it", owner_squad="payments", source_type=Source.RISK, source_key="RSK-999"
    )
    with pytest.raises(ValidationFailed) as refused:
        actions.create(platform, actor=RESPONDER, data=data)
    assert refused.value.fields == {"source_key": "no risk RSK-999"}


def test_linked_incidents_count_as_materialisations_with_their_downtime(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    key = raise_risk(platform, services=[]).key
    frozen_clock.advance(timedelta(hours=2))
    incident = resolved(platform)
    read = reports.read(
        platform, links.link(platform, actor=RESPONDER, key=key, record=incident.key)
    )
    assert (read.materialised, read.downtime_hours) == (1, 0.0)
    assert read.exposure.from_history and read.exposure.annual_rate == 1.0
    for record, field in (("INC-404", "record"), ("PRB-9", "record"), ("RSK-1", "record")):
        with pytest.raises(ValidationFailed) as refused:
            links.link(platform, actor=RESPONDER, key=key, record=record)
        assert field in refused.value.fields


def test_an_incident_on_a_service_an_open_risk_names_proposes_the_link(platform: Session) -> None:
    key = raise_risk(platform).key
    other = raise_risk(platform, services=[], title="Payments people leave").key
    incident = incidents.declare(
        platform,
        actor=RESPONDER,
        data=incident_schemas.IncidentCreate(title="Checkout down", services=["checkout"]),
    )
    proposed = reports.read(platform, register.get(platform, actor=RESPONDER, key=key))
    assert [(lk.key, lk.proposed) for lk in proposed.links] == [(incident.key, True)]
    assert proposed.materialised == 0
    assert reports.read(platform, register.get(platform, actor=RESPONDER, key=other)).links == []
    confirmed = reports.read(
        platform, links.link(platform, actor=RESPONDER, key=key, record=incident.key)
    )
    assert [(lk.key, lk.proposed) for lk in confirmed.links] == [(incident.key, False)]
    assert confirmed.materialised == 1


def test_the_ranking_puts_the_costliest_widest_risk_first(platform: Session) -> None:
    raise_risk(platform, title="Rare but severe", inherent_likelihood=1, inherent_impact=5)
    raise_risk(platform, title="Likely and bad", inherent_likelihood=4, inherent_impact=4)
    closed = raise_risk(platform, title="Gone", inherent_likelihood=5, inherent_impact=5).key
    assess(platform, closed)
    risks.transition(
        platform, actor=RESPONDER, key=closed, move=Transition.CLOSE, data=schemas.RiskMove()
    )
    ranked = reports.ranking(platform, actor=RESPONDER)
    assert [(r.rank, r.risk.key) for r in ranked] == [(1, "RSK-2"), (2, "RSK-1")]
    assert ranked[0].exposure.expected_annual_loss == 2.0 * 4 * 1000.0


def test_the_heat_map_counts_open_risks_by_inherent_and_residual_score(platform: Session) -> None:
    raise_risk(platform, target_likelihood=2, target_impact=2)
    heat = reports.heat_map(platform, actor=RESPONDER, platform="procurement")
    assert heat.likelihood[0] == "almost certain" and heat.impact[-1] == "severe"
    assert heat.inherent[1][4] == 1  # likelihood 4 (second row from the top), impact 5
    assert heat.residual[3][1] == 1  # likelihood 2, impact 2
    assert sum(map(sum, heat.inherent)) == sum(map(sum, heat.residual)) == 1


def test_a_platform_defines_its_own_matrix(platform: Session) -> None:
    current = register.read_settings(platform, actor=MANAGER, platform="procurement")
    doc = schemas.RiskSettingsDoc.model_validate(
        current.model_dump(exclude={"version", "updated_by", "updated_at"})
        | {
            "likelihood": ["low", "medium", "high"],
            "impact": ["low", "medium", "high"],
            "bands": [
                {"up_to": 3, "label": "ok", "colour": "#00aa00"},
                {"up_to": 9, "label": "bad", "colour": "#aa0000"},
            ],
            "appetite": 3,
            "annual_rate": [0.1, 1, 5],
        }
    )
    register.replace_settings(platform, actor=MANAGER, platform="procurement", doc=doc, version=0)
    with pytest.raises(ValidationFailed) as refused:
        raise_risk(platform, inherent_likelihood=4, inherent_impact=3)
    assert refused.value.fields == {"inherent_likelihood": "1 to 3 on this platform's matrix"}
    read = reports.read(platform, raise_risk(platform, inherent_likelihood=2, inherent_impact=2))
    assert (read.current.band, read.above_appetite) == ("bad", True)
    bad = schemas.RiskSettingsDoc.model_validate(
        doc.model_dump() | {"bands": [{"up_to": 4, "label": "x", "colour": "#000000"}]}
    )
    with pytest.raises(ValidationFailed) as unusable:
        register.replace_settings(
            platform, actor=MANAGER, platform="procurement", doc=bad, version=1
        )
    assert "bands" in unusable.value.fields


def test_an_issue_is_owned_due_and_escalated_with_a_reason(platform: Session) -> None:
    from opsroom.risks import issues
    from opsroom.risks.domain import IssueStatus, IssueTransition

    data = schemas.IssueCreate(
        title="TLS certificate of checkout expires",
        owner_squad="payments",
        due_on=date(2026, 11, 1),
    )
    issue = issues.create(platform, actor=RESPONDER, data=data)
    assert issues.read(issue).overdue
    with pytest.raises(ValidationFailed) as refused:
        issues.transition(
            platform,
            actor=RESPONDER,
            key=issue.key,
            move=IssueTransition.ESCALATE,
            data=schemas.IssueMove(),
        )
    assert set(refused.value.fields) == {"to", "reason"}
    moved = issues.transition(
        platform,
        actor=RESPONDER,
        key=issue.key,
        move=IssueTransition.ESCALATE,
        data=schemas.IssueMove(to="om@example.com", reason="renewal blocked by procurement"),
    )
    assert (moved.status, moved.escalated_to) == (IssueStatus.ESCALATED, "om@example.com")
    with pytest.raises(ValidationFailed):
        issues.create(platform, actor=RESPONDER, data=data.model_copy(update={"risk": "RSK-5"}))


def test_risks_above_appetite_are_counted_per_platform_on_its_own_appetite(
    platform: Session,
) -> None:
    factories.platform(platform, "retail")
    factories.squad(platform, "shop", platform="retail")
    raise_risk(platform)  # 4 x 5 = 20 on procurement
    raise_risk(platform, title="Small", inherent_likelihood=2, inherent_impact=2)
    raise_risk(platform, title="Shop stock feed", owner_squad="shop", services=[])
    raise_risk(
        platform, title="Shop tills", owner_squad="shop", services=[], inherent_likelihood=3
    )  # 3 x 5 = 15
    closed = raise_risk(platform, title="Gone", owner_squad="shop", services=[]).key
    assess(platform, closed)
    risks.transition(
        platform, actor=RESPONDER, key=closed, move=Transition.CLOSE, data=schemas.RiskMove()
    )
    current = register.read_settings(platform, actor=MANAGER, platform="retail")
    doc = schemas.RiskSettingsDoc.model_validate(
        current.model_dump(exclude={"version", "updated_by", "updated_at"}) | {"appetite": 16}
    )
    register.replace_settings(platform, actor=GUILD_LEAD, platform="retail", doc=doc, version=0)
    counted = {
        p: reports.figures(platform, actor=MANAGER, platform=p).above_appetite
        for p in ("procurement", "retail")
    }
    assert counted == {"procurement": 1, "retail": 1}

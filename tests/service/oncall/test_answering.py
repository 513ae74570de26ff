"""Who answers a page for a service at a moment, and what decides it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.infra.errors import ValidationFailed
from opsroom.oncall import schemas
from opsroom.oncall import service as oncall
from tests import factories
from tests.factories import ACTOR
from tests.service.oncall.conftest import MONDAY, rotation

TUESDAY_EVENING = datetime(2026, 11, 3, 19, 0, tzinfo=UTC)


@pytest.fixture
def rota(session: Session) -> Session:
    """identity: alice/bob weekly, carol on weekdays 09-17 on top; auth has its own policy
    paging the rota and then dave."""
    factories.small_platform(session)
    days = rotation(
        "carol@example.com",
        restrictions=[{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}],
    )
    oncall.create_schedule(
        session,
        actor=ACTOR,
        data=schemas.ScheduleCreate(
            slug="identity-primary",
            name="Identity primary",
            squad="identity",
            layers=[
                rotation("alice@example.com", "bob@example.com"),
                days.model_copy(update={"name": "days"}),
            ],
        ),
    )
    return session


def _policy(session: Session, **extra: object) -> None:
    data = {
        "slug": "auth-pager",
        "name": "Auth pager",
        "squad": "identity",
        "levels": [
            {
                "targets": [
                    {"kind": "schedule", "ref": "identity-primary"},
                    {"kind": "person", "ref": "dave@example.com"},
                ]
            }
        ],
        **extra,
    }
    oncall.create_policy(session, actor=ACTOR, data=schemas.PolicyCreate.model_validate(data))


def test_without_a_policy_the_owner_squads_schedules_answer_with_the_deciding_layer(
    rota: Session,
) -> None:
    answer = oncall.who_answers(rota, actor=ACTOR, service="auth", at=TUESDAY_EVENING)
    assert answer.policy is None
    [only] = answer.answers
    assert (only.schedule, only.person, only.decided_by, only.layer) == (
        "identity-primary",
        "alice@example.com",
        "layer",
        0,
    )
    daytime = oncall.who_answers(rota, actor=ACTOR, service="auth", at=MONDAY + timedelta(hours=2))
    assert (daytime.answers[0].person, daytime.answers[0].layer_name) == (
        "carol@example.com",
        "days",
    )
    assert daytime.answers[0].until == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)


def test_the_services_policy_first_level_answers_and_an_override_is_named(rota: Session) -> None:
    _policy(rota, services=["auth"])
    oncall.add_override(
        rota,
        actor=ACTOR,
        slug="identity-primary",
        data=schemas.OverrideIn(
            person="erin@example.com",
            start=TUESDAY_EVENING - timedelta(hours=1),
            end=TUESDAY_EVENING + timedelta(hours=1),
            reason="swap with alice",
        ),
    )
    answer = oncall.who_answers(rota, actor=ACTOR, service="auth", at=TUESDAY_EVENING)
    assert answer.policy == "auth-pager"
    assert [(a.person, a.decided_by, a.reason) for a in answer.answers] == [
        ("erin@example.com", "override", "swap with alice"),
        ("dave@example.com", "policy", None),
    ]


def test_a_coverage_gap_answers_nobody(session: Session) -> None:
    factories.small_platform(session)
    oncall.create_schedule(
        session,
        actor=ACTOR,
        data=schemas.ScheduleCreate(
            slug="later", name="Later", squad="identity", layers=[rotation("alice@example.com")]
        ),
    )
    before = oncall.who_answers(session, actor=ACTOR, service="db", at=MONDAY - timedelta(days=1))
    assert [(a.person, a.decided_by) for a in before.answers] == [(None, "nobody")]


def test_an_unknown_service_or_an_implausible_moment_is_refused_by_its_field(rota: Session) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        oncall.who_answers(rota, actor=ACTOR, service="nope", at=TUESDAY_EVENING)
    assert unknown.value.fields == {"service": "unknown service"}
    with pytest.raises(ValidationFailed) as ancient:
        oncall.who_answers(rota, actor=ACTOR, service="auth", at=datetime(1900, 1, 1, tzinfo=UTC))
    assert "at" in ancient.value.fields


def test_the_timeline_shows_each_layer_the_overrides_and_the_final_rota(rota: Session) -> None:
    oncall.add_override(
        rota,
        actor=ACTOR,
        slug="identity-primary",
        data=schemas.OverrideIn(
            person="erin@example.com",
            start=MONDAY + timedelta(days=1),
            end=MONDAY + timedelta(days=2),
        ),
    )
    drawn = oncall.timeline(rota, actor=ACTOR, slug="identity-primary", days=7)
    assert [r.label for r in drawn.rows] == ["Layer 1 · days", "Layer 0", "Overrides", "Final rota"]
    assert len(drawn.days) == 7 and drawn.days[0] == ("Mon 02 Nov", drawn.days[0][1])
    assert drawn.days[0][1].left == 0
    overrides, final = drawn.rows[2].bars, drawn.rows[3].bars
    assert [(b.person, round(b.width, 2)) for b in overrides] == [("erin@example.com", 14.29)]
    assert "erin@example.com" in [b.person for b in final]
    assert drawn.people == sorted(drawn.people) and "carol@example.com" in drawn.people
    assert 0 < drawn.now < 100 / 7  # the frozen clock: 09:00 on the first day
    with pytest.raises(ValidationFailed):
        oncall.timeline(rota, actor=ACTOR, slug="identity-primary", days=60)

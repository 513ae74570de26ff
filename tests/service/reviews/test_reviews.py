from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.improvement import schemas as improvement_schemas
from opsroom.improvement import service as improvement
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, NotFound, StaleVersion, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.notify import service as notify
from opsroom.reviews import schemas
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Status, Transition
from opsroom.runtime.worker import run_once
from tests.improvement import GUILD_LEAD, MANAGER, PAYMENTS_LEAD, RESPONDER, resolved, two_squads

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday, where frozen_clock stands


@pytest.fixture
def platform(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    two_squads(session)
    return session


def _move(session: Session, key: str, move: Transition, actor: Any = RESPONDER) -> Any:
    return reviews.transition(
        session,
        actor=actor,
        key=key,
        move=move,
        data=schemas.ReviewMove(),
    )


def test_resolving_a_p1_drafts_its_review_from_the_incident(platform: Session) -> None:
    incident = resolved(platform)
    review = reviews.read(platform, reviews.get(platform, actor=RESPONDER, key=incident.key))
    assert (review.status, review.priority, review.required) == (Status.DRAFT, "P1", True)
    assert review.owner_squad == "payments"
    assert review.due_at == NOW + timedelta(days=7)  # five business days: next Monday
    assert review.facts.services == ["checkout"]
    assert review.facts.figures["time_to_resolve"] == 0
    assert [line.kind for line in review.facts.timeline] == ["declared", "resolve"]
    assert "squad payments" in review.facts.participants
    assert [t.kind for t in jobs.pending(platform, subject=f"review:{incident.key}")] == [
        "review.due"
    ]


def test_the_draft_lists_changes_in_the_day_before_impact(platform: Session) -> None:
    def deployed(summary: str, hours_ago: int) -> Any:
        event = change_schemas.PipelineEvent(
            service="checkout", summary=summary, finished_at=NOW - timedelta(hours=hours_ago)
        )
        return changes.record_deployment(platform, actor=RESPONDER, data=event)

    recent, _ = deployed("checkout 2.4", 3), deployed("checkout 2.1, long before", 30)
    incident = resolved(platform)
    review = reviews.read(platform, reviews.get(platform, actor=RESPONDER, key=incident.key))
    assert [(c.change, c.title) for c in review.facts.changes] == [(recent.key, "checkout 2.4")]
    exported = reviews.markdown(platform, actor=RESPONDER, key=incident.key)
    section = exported.split("## Changes in the 24 h before impact (UTC)")[1].split("##")[0]
    assert f"{recent.key} checkout 2.4 (checkout; completed)" in section
    assert "long before" not in exported


def test_lower_priorities_start_a_review_only_when_asked(platform: Session) -> None:
    incident = resolved(platform, impact=3, urgency=3)
    with pytest.raises(NotFound):
        reviews.get(platform, actor=RESPONDER, key=incident.key)
    review = reviews.start(
        platform, actor=RESPONDER, data=schemas.ReviewStart(incident=incident.key)
    )
    assert (review.required, review.status) == (False, Status.DRAFT)
    with pytest.raises(Conflict, match="already has a review"):
        reviews.start(platform, actor=RESPONDER, data=schemas.ReviewStart(incident=incident.key))
    with pytest.raises(ValidationFailed) as unknown:
        reviews.start(platform, actor=RESPONDER, data=schemas.ReviewStart(incident="INC-999"))
    assert "incident" in unknown.value.fields


def test_an_open_incident_cannot_be_reviewed_yet(platform: Session) -> None:
    from opsroom.incidents import schemas as incident_schemas
    from opsroom.incidents import service as incidents

    open_one = incidents.declare(
        platform,
        actor=RESPONDER,
        data=incident_schemas.IncidentCreate(title="Slow", services=["checkout"]),
    )
    with pytest.raises(Conflict, match="once it is resolved"):
        reviews.start(platform, actor=RESPONDER, data=schemas.ReviewStart(incident=open_one.key))


WRITTEN = {
    "summary": "Checkout failed for all buyers.",
    "what_happened": "The payment gateway pool ran dry.",
    "contributing_factors": "- No alert on pool saturation",
}


def _ready(session: Session, key: str, **sections: str) -> Any:
    """Write the review as its responder and agree an action item in it."""
    data = schemas.ReviewUpdate(version=1, **(WRITTEN | sections))
    review = reviews.update(session, actor=RESPONDER, key=key, data=data)
    action = schemas.ReviewAction(title="Alert on pool saturation", owner_squad="payments")
    reviews.add_action(session, actor=RESPONDER, key=key, data=action)
    return review


def test_write_submit_publish_then_read_only(platform: Session) -> None:
    key = resolved(platform).key
    review = _ready(platform, key, went_well="Alerting")
    with pytest.raises(StaleVersion):
        reviews.update(
            platform, actor=RESPONDER, key=key, data=schemas.ReviewUpdate(version=1, summary="x")
        )
    _move(platform, key, Transition.SUBMIT)
    with pytest.raises(Forbidden):
        _move(platform, key, Transition.PUBLISH)  # a responder does not publish
    published = _move(platform, key, Transition.PUBLISH, PAYMENTS_LEAD)
    assert published.published_at == NOW
    assert jobs.pending(platform, subject=f"review:{key}") == []
    with pytest.raises(Conflict, match="published"):
        reviews.update(
            platform,
            actor=RESPONDER,
            key=key,
            data=schemas.ReviewUpdate(version=review.version, summary="x"),
        )


def test_a_published_review_still_raises_action_items(platform: Session) -> None:
    key = resolved(platform).key
    _ready(platform, key)
    _move(platform, key, Transition.SUBMIT)
    _move(platform, key, Transition.PUBLISH, PAYMENTS_LEAD)
    action = schemas.ReviewAction(title="Add a circuit breaker", owner_squad="identity")
    item = reviews.add_action(platform, actor=RESPONDER, key=key, data=action)
    read = reviews.read(platform, reviews.get(platform, actor=RESPONDER, key=key))
    assert read.actions[-1] == item.key


def test_a_required_review_is_not_published_half_written_by_its_own_author(
    platform: Session,
) -> None:
    key = resolved(platform).key
    reviews.update(
        platform, actor=PAYMENTS_LEAD, key=key, data=schemas.ReviewUpdate(version=1, summary="s")
    )
    _move(platform, key, Transition.SUBMIT, PAYMENTS_LEAD)
    with pytest.raises(ValidationFailed) as refused:
        _move(platform, key, Transition.PUBLISH, PAYMENTS_LEAD)
    assert set(refused.value.fields) == {
        "what_happened",
        "contributing_factors",
        "actions",
        "approval",
    }
    assert "write What happened" in refused.value.message
    assert "agree at least one action item" in refused.value.message
    assert PAYMENTS_LEAD.name in refused.value.fields["approval"]
    assert reviews.get(platform, actor=RESPONDER, key=key).status == Status.IN_REVIEW


def test_what_a_required_review_needs_to_publish_is_set_by_the_settings(
    platform: Session,
) -> None:
    now = improvement.read(platform, actor=MANAGER)
    doc = improvement_schemas.SettingsDoc.model_validate(
        now.model_dump(include=set(improvement_schemas.SettingsDoc.model_fields))
        | {
            "review_required_sections": [],
            "review_needs_actions": False,
            "review_second_approval": False,
        }
    )
    improvement.replace(platform, actor=GUILD_LEAD, doc=doc, version=now.version)
    key = resolved(platform).key
    reviews.update(
        platform, actor=PAYMENTS_LEAD, key=key, data=schemas.ReviewUpdate(version=1, summary="s")
    )
    _move(platform, key, Transition.SUBMIT, PAYMENTS_LEAD)
    assert _move(platform, key, Transition.PUBLISH, PAYMENTS_LEAD).status == Status.PUBLISHED


def test_an_action_raised_on_the_incident_shows_in_its_review(platform: Session) -> None:
    key = resolved(platform).key
    data = action_schemas.ActionCreate(
        title="Pin the gateway client version",
        owner_squad="payments",
        source_type=Source.INCIDENT,
        source_key=key,
    )
    item = actions.create(platform, actor=RESPONDER, data=data)
    review = reviews.read(platform, reviews.get(platform, actor=RESPONDER, key=key))
    assert review.actions == [item.key]
    assert f"{item.key} Pin the gateway client version" in reviews.markdown(
        platform, actor=RESPONDER, key=key
    )


def test_publishing_needs_a_summary(platform: Session) -> None:
    key = resolved(platform, impact=3, urgency=3).key
    reviews.start(platform, actor=RESPONDER, data=schemas.ReviewStart(incident=key))
    _move(platform, key, Transition.SUBMIT)
    with pytest.raises(ValidationFailed) as refused:
        _move(platform, key, Transition.PUBLISH, PAYMENTS_LEAD)
    assert refused.value.fields == {"summary": "write Summary"}


def test_action_items_from_a_p1_review_need_independent_verification(platform: Session) -> None:
    key = resolved(platform).key
    item = reviews.add_action(
        platform,
        actor=RESPONDER,
        key=key,
        data=schemas.ReviewAction(title="Add a circuit breaker", owner_squad="identity"),
    )
    read = actions.read(item)
    assert (read.source_type, read.source_key, read.priority) == ("review", key, "P1")
    assert read.independent_verification
    assert reviews.read(platform, reviews.get(platform, actor=RESPONDER, key=key)).actions == [
        read.key
    ]
    assert "ACT-1 Add a circuit breaker (identity" in reviews.markdown(
        platform, actor=RESPONDER, key=key
    )


def test_an_unpublished_review_past_due_is_flagged_and_its_owner_reminded(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        key = resolved(s).key
    frozen_clock.advance(timedelta(days=7, minutes=1))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        review = reviews.get(s, actor=RESPONDER, key=key)
        assert reviews.summary(review).overdue
        assert review.overdue_since == NOW + timedelta(days=7)
        [reminder] = [
            e for e in reviews.timeline(s, actor=RESPONDER, key=key) if e.kind == "reminder"
        ]
        assert reminder.text == "Review overdue since 09 Nov: squad payments reminded"
        assert [r.key for r in reviews.search(s, actor=RESPONDER, overdue=True).items] == [key]


def test_figures_count_on_time_publication(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    early, late, _unpublished = (
        resolved(platform, title=t).key for t in ("A down", "B down", "C down")
    )
    for key, after in ((early, timedelta(days=2)), (late, timedelta(days=6))):
        _ready(platform, key)
        _move(platform, key, Transition.SUBMIT)
        frozen_clock.advance(after)
        _move(platform, key, Transition.PUBLISH, PAYMENTS_LEAD)
    figures = reviews.figures(platform, actor=RESPONDER, squad="payments")
    assert (figures.required, figures.published) == (3, 2)
    assert figures.published_on_time_pct == 50.0  # the second came a day after it was due
    assert figures.median_days_to_publish == 5.0  # 2 and 8 days after resolution
    assert figures.overdue == 1
    assert reviews.figures(platform, actor=RESPONDER, squad="identity").required == 0


def test_the_owner_of_an_overdue_review_is_notified(
    settings: Settings, frozen_clock: clock.FrozenClock
) -> None:
    with session_scope(settings) as s:
        two_squads(s)
        key = resolved(s).key
        reviews.update(
            s,
            actor=RESPONDER,
            key=key,
            data=schemas.ReviewUpdate(version=1, owner="dev@example.com"),
        )
    frozen_clock.advance(timedelta(days=7, minutes=1))
    run_once(settings, owner="w")
    with session_scope(settings) as s:
        (sent,) = notify.log(s, actor=RESPONDER, person="dev@example.com").items
    assert (sent.kind, sent.channel, sent.address) == ("review.overdue", "email", "dev@example.com")
    assert sent.message["title"] == f"The review of {key} is overdue since 09 Nov"
    assert sent.message["link"].endswith(f"/reviews/{key}")

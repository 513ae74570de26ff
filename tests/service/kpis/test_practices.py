"""The report's figures from the other practices (changes, action items, on-call pages) and
the squad scorecard, on hand-computed histories, on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.infra import clock
from opsroom.kpis import domain, formats
from opsroom.kpis import service as kpis
from opsroom.notify import schemas as notify_schemas
from opsroom.notify import service as notify
from opsroom.reviews import service as reviews
from tests import factories
from tests.factories import ACTOR

OCT = domain.parse_period("2026-10")
MEMBERS = {"identity": "ann@example.com", "payments": "bob@example.com"}


def at(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


def deploy(
    session: Session, service: str, day: int, outcome: str = "succeeded", month: int = 10
) -> None:
    event = change_schemas.PipelineEvent(
        service=service, summary="deploy", outcome=outcome, finished_at=at(day, month)
    )  # type: ignore[arg-type]
    changes.record_deployment(session, actor=ACTOR, data=event)


def paged(session: Session, person: str, incident: str, day: int, month: int = 10) -> None:
    entry = notify_schemas.PastNotification(
        incident=incident,
        person=person,
        channel="email",
        address=person,
        status="sent",  # type: ignore[arg-type]
        sent_at=at(day, month),
    )
    notify.import_history(session, actor=ACTOR, entries=[entry])


def raise_item(session: Session, squad: str, due_on: date) -> str:
    data = action_schemas.ActionCreate(title="Add a retry budget", owner_squad=squad, due_on=due_on)
    return str(actions.create(session, actor=ACTOR, data=data).key)


@pytest.fixture
def history(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    factories.platform(session)
    for squad, person in MEMBERS.items():
        factories.squad(session, squad, members=[{"name": person.split("@")[0], "email": person}])
    factories.service(session, "gateway", owner="identity")
    factories.service(session, "pay", owner="payments")
    # identity: 3 deployments succeeded and 1 failed in October; payments: 1 rolled back
    for day in (2, 3, 4):
        deploy(session, "gateway", day)
    deploy(session, "gateway", 5, "failed")
    deploy(session, "pay", 6, "rolled_back")
    deploy(session, "pay", 1, "failed", month=11)  # November: not in the report
    # ann was paged for INC-1 (twice) and INC-2, bob for INC-1; ann's November page is later
    for person, incident, day in [
        ("ann", "INC-1", 3),
        ("ann", "INC-1", 4),
        ("ann", "INC-2", 9),
        ("bob", "INC-1", 3),
    ]:
        paged(session, f"{person}@example.com", incident, day)
    paged(session, "ann@example.com", "INC-3", 1, month=11)
    # the clock reads 2 November: two of payments' items and one of identity's are overdue
    raise_item(session, "identity", date(2026, 10, 20))
    raise_item(session, "identity", date(2026, 12, 1))
    raise_item(session, "payments", date(2026, 10, 25))
    raise_item(session, "payments", date(2026, 10, 30))
    session.commit()
    return session


def test_the_report_takes_change_success_pages_and_action_items_from_their_practices(
    history: Session,
) -> None:
    report = kpis.report(history, actor=ACTOR, period=OCT)

    # 5 changes ran in October, 2 of them failed or were rolled back
    assert report.changes.model_dump() == {
        "volume": 5,
        "finished": 5,
        "failed": 2,
        "emergency": 0,
        "change_failure_rate": 0.4,
        "emergency_share": 0.0,
    }
    # ann: 2 incidents, bob: 1 -> 3 pages over 2 people
    assert report.oncall.model_dump() == {
        "people_paged": 2,
        "pages": 3,
        "pages_per_person": 1.5,
        "most_paged": 2,
    }
    assert (report.actions.total, report.actions.overdue, report.actions.closure_rate_pct) == (
        4,
        3,
        0.0,
    )
    assert report.reviews == reviews.figures(history, actor=ACTOR)


def test_a_squads_scorecard_sets_its_figures_beside_the_platform_average(
    history: Session,
) -> None:
    mine, platform = kpis.scorecard(history, actor=ACTOR, period=OCT, squad="identity")

    lines = {line.key: (line.squad, line.platform_average) for line in mine.scorecard}
    assert lines["change_failure_rate"] == (0.25, 0.4)  # 1 of 4 against 2 of 5
    assert lines["pages_per_person"] == (2.0, 1.5)  # ann's 2 against 3 over 2 people
    assert lines["actions_overdue"] == (1, 1.5)  # 1 against 3 over 2 squads
    assert lines["incidents"] == (0, 0.0)
    assert {line.area for line in mine.scorecard} == {
        "reliability",
        "speed",
        "hygiene",
        "change",
        "on-call",
    }
    assert platform.scorecard == [] and platform.changes.failed == 2
    assert (
        kpis.report(history, actor=ACTOR, period=OCT, squad="identity").scorecard == mine.scorecard
    )


def test_the_review_pack_carries_the_practices_and_the_scorecard(history: Session) -> None:
    pack = kpis.report(history, actor=ACTOR, period=OCT, squad="identity")
    markdown = formats.to_markdown(pack)
    assert "| Change failure rate (failed of finished) | 25.0 % (1 of 4) |" in markdown
    assert "| hygiene | Action items overdue | 1 | 1.5 |" in markdown
    rows = set(formats.rows(pack))
    assert ("changes", "all", "change_failure_rate", "0.25") in rows
    assert ("scorecard", "on-call", "pages_per_person_platform_average", "1.5") in rows
    assert "Scorecard: identity" in formats.to_html(pack)


def test_pages_before_the_period_or_after_it_are_not_counted(history: Session) -> None:
    november = kpis.report(history, actor=ACTOR, period=domain.parse_period("2026-11"))
    assert (november.oncall.pages, november.changes.failed) == (1, 1)
    assert notify.pages_received(history, since=OCT.start, until=OCT.end) == {
        "ann@example.com": 2,
        "bob@example.com": 1,
    }


def test_the_practice_lines_read_as_sentences_with_rounded_figures(history: Session) -> None:
    report = kpis.report(history, actor=ACTOR, period=OCT)
    paged = report.oncall.model_copy(
        update={"pages": 11, "people_paged": 7, "pages_per_person": 11 / 7, "most_paged": 4}
    )
    acted = report.actions.model_copy(update={"total": 1})
    lines = dict(
        formats.practice_lines(report.model_copy(update={"oncall": paged, "actions": acted}))
    )
    assert lines["Pages per person paged"] == "1.6 (11 pages, 7 people, most 4)"
    assert lines["Action-item closure rate"].endswith("(1 item)")

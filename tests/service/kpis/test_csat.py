"""Customer satisfaction in the KPI report: the surveys sent in the period (the tickets
resolved then) as answered, for the platform, per squad, and in a squad's own report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from opsroom.desk import schemas as desk_schemas
from opsroom.desk import service as desk
from opsroom.desk import surveys
from opsroom.desk.domain import Transition
from opsroom.infra import clock
from opsroom.kpis import domain, formats, guild
from opsroom.kpis import service as kpis
from opsroom.kpis.guild_formats import GUILD_FIGURES
from opsroom.notify import service as notify
from tests import factories
from tests.factories import ACTOR
from tests.service.desk.conftest import customers

OCT = domain.parse_period("2026-10")


@contextmanager
def on(day: int, month: int) -> Iterator[None]:
    previous = clock.use(clock.FrozenClock(datetime(2026, month, day, 10, 0, tzinfo=UTC)))
    try:
        yield
    finally:
        clock.use(previous)


def resolved_and_scored(
    session: Session, service: str, requester: str, day: int, score: int | None, month: int = 10
) -> None:
    data = desk_schemas.TicketCreate(
        title="Where is my order", requester=requester, organisation="Acme", service=service
    )
    with on(day, month):
        key = desk.open_ticket(session, actor=ACTOR, data=data).key
        done = desk_schemas.TicketMove()
        desk.transition(session, actor=ACTOR, key=key, move=Transition.RESOLVE, data=done)
    if score is None:
        return
    (link,) = [
        m.message["link"]
        for m in notify.log(session, actor=ACTOR, person=requester).items
        if "/surveys/" in m.message["link"]
    ]
    answer = desk_schemas.SurveyAnswer(score=score)
    surveys.answer(session, token=link.rsplit("/", 1)[1], data=answer)


@pytest.fixture
def history(session: Session, frozen_clock: clock.FrozenClock) -> Session:
    factories.platform(session)
    factories.squad(session, "identity")
    factories.squad(session, "payments")
    factories.service(session, "gateway", owner="identity")
    factories.service(session, "pay", owner="payments")
    customers(session)
    # October: identity scored 5 and 4 and one unanswered, payments 2; November: a 1
    for service, requester, day, score in [
        ("gateway", "a@acme.example", 5, 5),
        ("gateway", "b@acme.example", 6, 4),
        ("gateway", "c@acme.example", 7, None),
        ("pay", "d@acme.example", 8, 2),
    ]:
        resolved_and_scored(session, service, requester, day, score)
    resolved_and_scored(session, "pay", "e@acme.example", 1, 1, month=11)
    return session


def test_the_report_carries_the_periods_csat_per_squad(history: Session) -> None:
    figures = kpis.report(history, actor=ACTOR, period=OCT, platform="procurement").csat
    assert (figures.sent, figures.answered, figures.csat) == (4, 3, 66.7)
    assert [(s.squad, s.sent, s.answered, s.csat) for s in figures.by_squad] == [
        ("identity", 3, 2, 100.0),
        ("payments", 1, 1, 0.0),
    ]
    november = kpis.report(history, actor=ACTOR, period=domain.parse_period("2026-11")).csat
    assert (november.sent, november.csat) == (1, 0.0)


def test_a_squads_report_has_its_own_csat(history: Session) -> None:
    mine = kpis.report(history, actor=ACTOR, period=OCT, squad="payments").csat
    assert (mine.sent, mine.answered, mine.csat) == (1, 1, 0.0)
    assert [s.squad for s in mine.by_squad] == ["payments"]


def test_the_pack_reads_the_csat_and_the_csv_carries_it(history: Session) -> None:
    report = kpis.report(history, actor=ACTOR, period=OCT)
    lines = dict(formats.practice_lines(report))
    assert lines["Customer satisfaction (CSAT)"] == "66.7 % (3 answered of 4 surveys)"
    assert lines["CSAT by squad"] == (
        "identity 100.0 % (2 answered of 3 surveys), payments 0.0 % (1 answered of 1 survey)"
    )
    assert ("csat", "all", "csat", "66.7") in set(formats.rows(report))
    assert "Customer satisfaction (CSAT)" in formats.to_markdown(report)


def test_csat_per_service_and_platform_in_the_report_and_the_guild_view(history: Session) -> None:
    figures = kpis.report(history, actor=ACTOR, period=OCT).csat
    assert [(s.squad, s.sent, s.csat) for s in figures.by_service] == [
        ("gateway", 3, 100.0),
        ("pay", 1, 0.0),
    ]
    assert [(s.squad, s.sent, s.csat) for s in figures.by_platform] == [("procurement", 4, 66.7)]
    lines = dict(formats.practice_lines(kpis.report(history, actor=ACTOR, period=OCT)))
    assert lines["CSAT by service"].startswith("gateway 100.0 %")
    (row,) = guild.guild_report(history, actor=ACTOR, period=OCT).platforms
    assert (row.csat.csat, row.previous_csat.sent) == (66.7, 0)
    (csat,) = [f for f in GUILD_FIGURES if f.key == "csat"]
    assert csat.cell(row) == "66.7 % (was n/a)"

"""A vendor's scorecard for a period, and its review pack in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.kpis import domain as kpi_domain
from opsroom.kpis import guild, guild_formats
from opsroom.problems import schemas as problem_schemas
from opsroom.problems import service as problems
from opsroom.vendors import reports, service
from tests import factories
from tests.conftest import TEST_NOW
from tests.factories import ACTOR
from tests.service.vendors.test_engagements import declared, engage, resolve, vendor_platform

TODAY = TEST_NOW.date()


@pytest.fixture
def history(settings: Settings, frozen_clock: clock.FrozenClock) -> Settings:
    """Two engagements of payflow: one answered in time and resolved in 60 minutes, one
    never answered and resolved 3 hours on (credits 500 + 1500)."""
    with session_scope(settings) as s:
        vendor_platform(s)
        first = declared(s)
        engagement = engage(s, first).id
        service.acknowledge(s, actor=ACTOR, engagement_id=engagement)
    frozen_clock.advance(timedelta(minutes=60))
    with session_scope(settings) as s:
        resolve(s, first)
        second = declared(s)
        engage(s, second)
    frozen_clock.advance(timedelta(hours=3))
    with session_scope(settings) as s:
        resolve(s, second)
    return settings


def test_the_scorecard_counts_compliance_mttr_and_credits(history: Settings) -> None:
    with session_scope(history) as s:
        card = reports.scorecard(s, actor=ACTOR, slug="payflow", since=TODAY, until=TODAY)
        earlier = reports.scorecard(
            s,
            actor=ACTOR,
            slug="payflow",
            since=TODAY - timedelta(days=9),
            until=TODAY - timedelta(days=1),
        )
    assert card.engagements == 2
    assert (card.response.met, card.response.breached, card.response.percent) == (1, 1, 50.0)
    assert (card.resolution.met, card.resolution.breached) == (1, 1)
    assert card.mttr_minutes == 120.0
    assert (card.credits_owed, card.currency, card.credits_disputed) == (2000, "EUR", 0)
    assert earlier.engagements == 0 and earlier.mttr_minutes is None


def test_the_review_pack_in_each_format(history: Settings) -> None:
    with session_scope(history) as s:
        card = reports.scorecard(s, actor=ACTOR, slug="payflow", since=TODAY, until=TODAY)
    markdown = reports.pack(card, reports.Format.MD)
    assert markdown.startswith(f"# Payflow scorecard, {TODAY} to {TODAY}")
    assert "| Response compliance | 50.0% (1 met, 1 breached) |" in markdown
    sheet = list(csv.reader(io.StringIO(reports.pack(card, reports.Format.CSV), newline="")))
    assert {len(row) for row in sheet} == {len(reports.ROW_HEADINGS)}
    blank = sheet.index([""] * len(reports.ROW_HEADINGS))
    summary = {row[0]: row[1] for row in sheet[1:blank]}
    assert summary["Period"] == f"{TODAY} to {TODAY}"
    assert summary["Response compliance"] == "50.0% (1 met, 1 breached)"
    assert summary["Service credits owed"] == "2000 EUR"
    rows = [dict(zip(sheet[blank + 1], row, strict=True)) for row in sheet[blank + 2 :]]
    assert [(r["incident"], r["response"], r["credit"]) for r in rows] == [
        ("INC-1", "met", "0"),
        ("INC-2", "breached by 160 min", "2000"),
    ]
    assert json.loads(reports.pack(card, reports.Format.JSON))["credits_owed"] == 2000
    page = reports.pack(card, reports.Format.HTML)
    assert "<td>Service credits owed</td><td>2000 EUR</td>" in page


def test_a_period_ending_before_it_starts_is_refused(history: Settings) -> None:
    with session_scope(history) as s, pytest.raises(ValidationFailed) as refused:
        reports.scorecard(
            s, actor=ACTOR, slug="payflow", since=TODAY, until=TODAY - timedelta(days=1)
        )
    assert refused.value.fields == {"until": "before since"}


def _deployed(settings: Settings, outcome: str, vendor: str | None = "payflow") -> None:
    with session_scope(settings) as s:
        data = change_schemas.PipelineEvent(
            service="auth", summary="Payflow SDK upgrade", outcome=outcome, vendor=vendor
        )
        changes.record_deployment(s, actor=ACTOR, data=data)


def _problem(settings: Settings, incident: str, root_cause: str) -> None:
    with session_scope(settings) as s:
        data = problem_schemas.ProblemCreate(
            title="Sign-in token checks time out",
            services=["auth"],
            vendor="payflow",
            incidents=[incident],
        )
        problem = problems.create(s, actor=ACTOR, data=data)
        rca = problem_schemas.RcaIn(version=problem.version, root_cause=root_cause)
        problems.record_rca(s, actor=ACTOR, key=problem.key, data=rca)


def test_the_scorecard_counts_the_changes_it_made_and_the_incidents_it_caused(
    history: Settings,
) -> None:
    _deployed(history, "succeeded")
    _deployed(history, "rolled_back")
    _deployed(history, "failed", vendor=None)  # the squad's own
    with session_scope(history) as s:
        before = reports.scorecard(s, actor=ACTOR, slug="payflow", since=TODAY, until=TODAY)
    first, second = (row.incident for row in before.rows)
    _problem(history, first, "Payflow's token service dropped connections under load")
    _problem(history, second, "")  # not yet analysed: no cause to lay at its door
    with session_scope(history) as s:
        card = reports.scorecard(s, actor=ACTOR, slug="payflow", since=TODAY, until=TODAY)
        earlier = reports.scorecard(
            s, actor=ACTOR, slug="payflow", since=TODAY - timedelta(days=9), until=TODAY
        )
        later = reports.scorecard(
            s,
            actor=ACTOR,
            slug="payflow",
            since=TODAY + timedelta(days=1),
            until=TODAY + timedelta(days=9),
        )
    assert (card.changes_made, card.changes_failed) == (2, 1)
    assert card.incidents_caused == [first]
    assert (earlier.changes_made, earlier.incidents_caused) == (2, [first])
    assert (later.changes_made, later.incidents_caused) == (0, [])
    packed = reports.pack(card, reports.Format.MD)
    assert f"| Incidents its components caused | {first} |" in packed
    assert "| Changes it made | 2 (1 failed) |" in packed


def test_a_change_naming_an_unknown_vendor_is_refused(history: Settings) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _deployed(history, "succeeded", vendor="nobody")
    assert refused.value.fields == {"vendor": "unknown vendor"}
    with session_scope(history) as s:
        card = reports.scorecard(s, actor=ACTOR, slug="payflow", since=TODAY, until=TODAY)
    assert card.changes_made == 0


def test_the_guild_view_shows_the_vendors_engaged_on_each_platform(history: Settings) -> None:
    with session_scope(history) as s:
        factories.platform(s, "commerce")
        november = guild.guild_report(s, actor=ACTOR, period=kpi_domain.parse_period("2026-11"))
        october = guild.guild_report(s, actor=ACTOR, period=kpi_domain.parse_period("2026-10"))
    rows = {r.platform: r for r in november.platforms}
    procurement = rows["procurement"].vendors
    assert (procurement.engagements, procurement.credits_owed) == (2, 2000)
    assert (procurement.response.percent, procurement.resolution.percent) == (50.0, 50.0)
    assert rows["commerce"].vendors.engagements == 0
    assert rows["procurement"].previous_vendors.engagements == 0
    assert october.platforms[0].vendors.engagements == 0
    packed = guild_formats.to_markdown(november)
    assert "| Vendor engagements | 2 (was 0) | 0 (was 0) |" in packed
    assert "| Vendor response time met | 50.0 % (was n/a) | n/a (was n/a) |" in packed

"""A vendor's scorecard for a period, and its review pack in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from opsroom.infra import clock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import ValidationFailed
from opsroom.vendors import reports, service
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
    rows = list(csv.DictReader(io.StringIO(reports.pack(card, reports.Format.CSV))))
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

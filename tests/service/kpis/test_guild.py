"""The guild view: every platform's figures beside each other and the previous period's,
the same as each platform's own report, an incident counted once for its own platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority, Status
from opsroom.infra.clock import FrozenClock
from opsroom.kpis import domain, guild
from opsroom.kpis import service as kpis
from tests import factories
from tests.factories import ACTOR

OCT = domain.parse_period("2026-10")


def _incident(
    session: Session, ref: str, platform: str, detected: datetime, ack_minutes: int
) -> str:
    acknowledged = detected + timedelta(minutes=ack_minutes)
    data = incident_schemas.IncidentImport(
        external_ref=ref,
        title=f"incident {ref}",
        platform=platform,
        source="test",
        status=Status.RESOLVED,
        impact=2,
        urgency=2,
        priority=Priority.P2,
        detected_at=detected,
        acknowledged_at=acknowledged,
        resolved_at=acknowledged + timedelta(hours=1),
    )
    return str(incidents.import_record(session, actor=ACTOR, data=data)[0].key)


@pytest.fixture
def platforms(session: Session, frozen_clock: FrozenClock) -> Session:
    """procurement (two incidents in October, one in September, one of them also on
    commerce's cart), commerce (one in October) and finance (none)."""
    for slug, squad in (("procurement", "identity"), ("commerce", "shop"), ("finance", "ledger")):
        factories.platform(session, slug)
        factories.squad(session, squad, platform=slug)
    factories.service(session, "db")
    factories.service(session, "cart", owner="shop", platform="commerce")
    shared = _incident(session, "P1", "procurement", datetime(2026, 10, 3, tzinfo=UTC), 4)
    incidents.add_services(session, actor=ACTOR, key=shared, services=["db", "cart"])
    _incident(session, "P2", "procurement", datetime(2026, 10, 9, tzinfo=UTC), 10)
    _incident(session, "P0", "procurement", datetime(2026, 9, 9, tzinfo=UTC), 30)
    _incident(session, "C1", "commerce", datetime(2026, 10, 20, tzinfo=UTC), 2)
    session.commit()
    return session


def test_platforms_side_by_side_most_incidents_first_with_the_previous_period(
    platforms: Session,
) -> None:
    report = guild.guild_report(platforms, actor=ACTOR, period=OCT)
    assert (report.period, report.previous_period) == ("2026-10", "2026-09")
    rows = {r.platform: r for r in report.platforms}
    assert [r.platform for r in report.platforms] == ["procurement", "commerce", "finance"]
    assert [(r.current.incidents, r.previous.incidents) for r in report.platforms] == [
        (2, 1),
        (1, 0),
        (0, 0),
    ]
    assert rows["procurement"].current.times["mtta"].median == 7 * 60
    assert rows["procurement"].previous.times["mtta"].median == 30 * 60
    assert rows["procurement"].incidents_url == "/incidents?platform=procurement"


def test_an_incident_reaching_another_platform_counts_once_in_the_totals(
    platforms: Session,
) -> None:
    report = guild.guild_report(platforms, actor=ACTOR, period=OCT)
    assert (report.total.incidents, report.previous_total.incidents) == (3, 1)
    assert sum(r.current.incidents for r in report.platforms) == report.total.incidents


def test_each_platforms_figures_are_its_own_reports(platforms: Session) -> None:
    report = guild.guild_report(platforms, actor=ACTOR, period=OCT)
    for row in report.platforms:
        own = kpis.report(platforms, actor=ACTOR, period=OCT, platform=row.platform)
        shown = {"incidents", "major", "response_sla", "resolution_sla"}
        assert row.current.model_dump(include=shown) == own.overall.model_dump(include=shown)
        for measure in ("mtta", "mttr"):
            assert row.current.times[measure] == own.overall.times[measure]
        assert (row.changes, row.reviews, row.actions, row.oncall, row.risks) == (
            own.changes,
            own.reviews,
            own.actions,
            own.oncall,
            own.risks,
        )
        assert row.services_on_target == domain.compliance(u.meets_target for u in own.services)

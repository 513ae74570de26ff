"""SLO attainment over a period, as the KPI report and the guild view show it: the share of
good time (incident SLIs) or good events (pushed counts) in the period against the
objective, with the SLA of a vendor that runs the service beside it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.catalog import schemas as catalog_schemas
from opsroom.catalog import vendors as catalog_vendors
from opsroom.infra import clock
from opsroom.kpis import formats, guild
from opsroom.kpis import service as kpis
from opsroom.kpis.domain import parse_period
from opsroom.kpis.guild_formats import GUILD_FIGURES
from opsroom.slos import attainment
from opsroom.slos import service as slos
from opsroom.slos.domain import Count
from tests.factories import ACTOR
from tests.improvement import RESPONDER
from tests.service.slos.test_slos import outage, set_slo
from tests.service.slos.test_slos import platform as platform

NOVEMBER = parse_period("2026-11")  # the frozen clock starts on 2 November 2026


def november(session: Session) -> list[attainment.schemas.AttainmentRead]:
    return attainment.attainments(session, actor=RESPONDER, period=(NOVEMBER.start, NOVEMBER.end))


def test_attainment_is_the_share_of_good_time_in_the_period(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)  # 99.9 % on checkout
    outage(platform, frozen_clock, 36)  # 36 of November's 43,200 minutes
    frozen_clock.advance(timedelta(days=30))
    (line,) = november(platform)
    assert (round(line.attainment or 0, 4), line.met) == (99.9167, True)
    frozen_clock.advance(timedelta(days=-20))
    outage(platform, frozen_clock, 10)
    (line,) = november(platform)
    assert (round(line.attainment or 0, 4), line.met) == (99.8935, False)


def test_pushed_counts_attain_their_share_of_good_events(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    slo = set_slo(platform, sli="ratio", source="pushed")
    now = clock.now()
    counted = [Count(now - timedelta(minutes=n), 990, 1000) for n in range(1, 61)]
    slos.push_counts(platform, actor=RESPONDER, key=slo.key, counts=counted)
    (line,) = attainment.attainments(
        platform, actor=RESPONDER, period=(now - timedelta(hours=2), now)
    )
    assert (line.attainment, line.met) == (pytest.approx(99.0), False)


def runs_checkout(session: Session, availability: float) -> None:
    data = catalog_schemas.VendorCreate(
        slug="payflow",
        name="Payflow",
        sla_terms={"availability_percent": availability},
        services=[catalog_schemas.VendorServiceIn(service="checkout", relation="runs")],
    )
    catalog_vendors.create_vendor(session, actor=ACTOR, data=data)


def test_the_report_shows_attainment_with_the_vendor_sla_beside_it(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)
    runs_checkout(platform, 99.95)
    outage(platform, frozen_clock, 36)
    frozen_clock.advance(timedelta(days=30))
    report = kpis.report(platform, actor=ACTOR, period=NOVEMBER, platform="procurement")
    assert (report.slos.met, report.slos.measured, report.slos.total) == (1, 1, 1)
    (vendor,) = report.slos.lines[0].vendors
    assert (vendor.vendor, vendor.availability) == ("payflow", 99.95)
    text = formats.to_markdown(report)
    assert "| SLO-1 Checkout answers | checkout | payments | 99.900 % | 99.917 % | met |" in text
    assert "Payflow: promises 99.950 % (not kept)" in text
    assert "slos,SLO-1,attainment,99.9167" in formats.to_csv(report)


def test_the_guild_view_counts_the_slos_each_platform_met(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    set_slo(platform)
    outage(platform, frozen_clock, 60)
    frozen_clock.advance(timedelta(days=30))
    view = guild.guild_report(platform, actor=ACTOR, period=NOVEMBER)
    (row,) = view.platforms
    figure = next(f for f in GUILD_FIGURES if f.key == "slos_met")
    assert (row.slos.met, row.slos.measured, figure.now(row)) == (0, 1, 0.0)

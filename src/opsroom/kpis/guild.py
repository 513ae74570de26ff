"""The guild view: every platform side by side over a period, each figure with the previous
period's beside it, computed by the same rules as one platform's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog_service
from opsroom.infra import clock
from opsroom.kpis import domain, practices, schemas
from opsroom.kpis.domain import Period
from opsroom.kpis.service import (
    HEADLINE_SPANS,
    NO_INCIDENTS,
    group_read,
    grouped_figures,
    overall_of,
    scope_of,
    uptimes,
)
from opsroom.vendors import reports as vendors
from opsroom.vendors import schemas as vendor_schemas

BY_PLATFORM = ["all", "platform"]


@dataclass(frozen=True)
class _Periods:
    current: Period
    previous: Period
    now: datetime
    policy: domain.KpiPolicy


def _incidents(
    session: Session, period: Period, now: datetime
) -> dict[str, list[schemas.GroupRead]]:
    """Incident figures of every platform at once, and over all of them."""
    scope = scope_of(period, now, None, None)
    return grouped_figures(session, scope, BY_PLATFORM, BY_PLATFORM, HEADLINE_SPANS)


def _on_target(session: Session, platform: str, period: Period, chosen: _Periods) -> float | None:
    scope = scope_of(period, chosen.now, platform, None)
    services, _ = uptimes(session, scope, {}, chosen.policy)  # its services alone
    return domain.compliance(u.meets_target for u in services)


def _vendors(
    session: Session, actor: Principal, platform: str, period: Period
) -> vendor_schemas.PlatformVendorsRead:
    return vendors.platform_figures(
        session, actor=actor, platform=platform, start=period.start, end=period.end
    )


def _row(
    session: Session,
    actor: Principal,
    platform: tuple[str, str],
    chosen: _Periods,
    figures: tuple[dict[str, schemas.GroupRead], dict[str, schemas.GroupRead]],
) -> schemas.GuildPlatformRead:
    (slug, name), (current, previous) = platform, figures
    now = practices.practice_figures(
        session, actor=actor, period=chosen.current, platform=slug, squad=None
    )
    before = practices.practice_figures(
        session, actor=actor, period=chosen.previous, platform=slug, squad=None
    )
    return schemas.GuildPlatformRead(
        platform=slug,
        name=name,
        current=current.get(slug) or group_read(slug, NO_INCIDENTS, {}),
        previous=previous.get(slug) or group_read(slug, NO_INCIDENTS, {}),
        services_on_target=_on_target(session, slug, chosen.current, chosen),
        previous_services_on_target=_on_target(session, slug, chosen.previous, chosen),
        previous_changes=before["changes"],
        previous_oncall=before["oncall"],
        vendors=_vendors(session, actor, slug, chosen.current),
        previous_vendors=_vendors(session, actor, slug, chosen.previous),
        previous_csat=before["csat"],
        previous_slos=before["slos"],
        incidents_url="/incidents?" + urlencode({"platform": slug}),
        **now,
    )


def guild_report(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    policy: domain.KpiPolicy = domain.DEFAULT_POLICY,
) -> schemas.GuildReport:
    """Every platform's figures for the period beside the previous period's, most incidents
    first; an incident counts once, for its own platform, in the rows and the totals."""
    require(actor, Action.READ)
    chosen = _Periods(period, period.previous(), clock.now(), policy)
    current = _incidents(session, chosen.current, chosen.now)
    previous = _incidents(session, chosen.previous, chosen.now)
    by_platform = (
        {g.key: g for g in current["platform"]},
        {g.key: g for g in previous["platform"]},
    )
    rows = [
        _row(session, actor, (p.slug, p.name), chosen, by_platform)
        for p in catalog_service.list_platforms(session)
    ]
    return schemas.GuildReport(
        period=period.label,
        start=period.start,
        end=period.end,
        previous_period=chosen.previous.label,
        generated_at=chosen.now,
        platforms=sorted(rows, key=lambda r: (-r.current.incidents, r.platform)),
        total=overall_of(current),
        previous_total=overall_of(previous),
    )

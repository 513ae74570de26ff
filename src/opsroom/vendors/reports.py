"""A vendor's scorecard for a period (engagements, response and resolution compliance, MTTR
on its incidents, credits, incidents its components caused, changes it made) and its
review pack as Markdown, HTML, CSV or JSON."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.changes import service as changes
from opsroom.incidents import service as incidents
from opsroom.infra.errors import ValidationFailed
from opsroom.problems import service as problems
from opsroom.vendors import domain, schemas, service
from opsroom.vendors.domain import CreditStatus
from opsroom.vendors.models import VendorEngagement


class Format(StrEnum):
    MD = "md"
    HTML = "html"
    CSV = "csv"
    JSON = "json"


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _repair_minutes(session: Session, key: str) -> float | None:
    incident = incidents.find(session, key)
    if incident.resolved_at is None:
        return None
    return (incident.resolved_at - incident.detected_at) / timedelta(minutes=1)


def _facts(session: Session, engagement: VendorEngagement) -> domain.EngagementFacts:
    read = service.read(engagement)
    return domain.EngagementFacts(
        response=domain.Verdict(read.response.met, read.response.minutes_over),
        resolution=domain.Verdict(read.resolution.met, read.resolution.minutes_over),
        credit=engagement.credit,
        credit_status=CreditStatus(engagement.credit_status),
        minutes_to_repair=_repair_minutes(session, engagement.incident_key),
    )


def _compliance(compliance: domain.Compliance) -> schemas.ComplianceRead:
    return schemas.ComplianceRead(
        met=compliance.met, breached=compliance.breached, percent=compliance.percent
    )


def scorecard(
    session: Session, *, actor: Principal, slug: str, since: date, until: date
) -> schemas.ScorecardRead:
    """The vendor's engagements begun from `since` to `until` (both days included)."""
    vendor = catalog.get_vendor(session, slug)
    require(actor, Action.READ, vendor=vendor.slug)
    if until < since:
        raise ValidationFailed("the period ends before it starts", fields={"until": "before since"})
    start, end = _midnight(since), _midnight(until + timedelta(days=1))
    found = _engaged(session, vendor.slug, start, end)
    figures = domain.figures([_facts(session, e) for e in found])
    made = changes.figures_of_vendor(
        session, actor=actor, vendor=vendor.slug, since=start, until=end
    )
    return schemas.ScorecardRead(
        vendor=vendor.slug,
        name=vendor.name,
        since=since,
        until=until,
        engagements=figures.engagements,
        response=_compliance(figures.response),
        resolution=_compliance(figures.resolution),
        mttr_minutes=figures.mttr_minutes,
        credits_owed=figures.credits_owed,
        credits_disputed=figures.credits_disputed,
        currency=str(vendor.sla_terms.get("currency", "")),
        incidents_caused=_caused(session, actor, vendor.slug, (start, end)),
        changes_made=made.volume,
        changes_failed=made.failed,
        rows=[service.read(e) for e in found],
    )


def _engaged(session: Session, vendor: str, start: datetime, end: datetime) -> list[Any]:
    query = select(VendorEngagement).where(
        VendorEngagement.vendor == vendor,
        VendorEngagement.engaged_at >= start,
        VendorEngagement.engaged_at < end,
    )
    return list(session.scalars(query.order_by(VendorEngagement.engaged_at)))


def running(
    session: Session, *, actor: Principal, services: Sequence[str], start: datetime, end: datetime
) -> list[schemas.VendorSlaRead]:
    """The vendors that run any of `services`: the availability their contract promises,
    and how they met their response and resolution targets in [start, end)."""
    require(actor, Action.READ)
    found = {v.slug: v for s in services for v in catalog.list_vendors(session, service=s)}
    return [
        _sla(session, vendor, start, end)
        for slug, vendor in sorted(found.items())
        if any(
            link.relation == "runs" and link.service.slug in services for link in vendor.services
        )
    ]


def _sla(session: Session, vendor: Any, start: datetime, end: datetime) -> schemas.VendorSlaRead:
    figures = domain.figures(
        [_facts(session, e) for e in _engaged(session, vendor.slug, start, end)]
    )
    return schemas.VendorSlaRead(
        vendor=vendor.slug,
        name=vendor.name,
        availability=domain.promised_availability(vendor.sla_terms),
        response=_compliance(figures.response),
        resolution=_compliance(figures.resolution),
    )


def platform_figures(
    session: Session, *, actor: Principal, platform: str, start: datetime, end: datetime
) -> schemas.PlatformVendorsRead:
    """The vendors engaged in [start, end) on the platform's incidents: how many engagements,
    their response and resolution compliance, the credits they owe."""
    require(actor, Action.READ)
    query = select(VendorEngagement).where(
        VendorEngagement.engaged_at >= start, VendorEngagement.engaged_at < end
    )
    found = [
        e
        for e in session.scalars(query)
        if incidents.find(session, e.incident_key).platform_slug == platform
    ]
    figures = domain.figures([_facts(session, e) for e in found])
    return schemas.PlatformVendorsRead(
        engagements=figures.engagements,
        response=_compliance(figures.response),
        resolution=_compliance(figures.resolution),
        credits_owed=figures.credits_owed,
    )


def _caused(
    session: Session, actor: Principal, vendor: str, period: tuple[datetime, datetime]
) -> list[str]:
    """The incidents detected in the period that its components caused, by their problems."""
    keys = problems.caused_by_vendor(session, actor=actor, vendor=vendor)
    start, end = period
    return [k for k in keys if start <= incidents.find(session, k).detected_at < end]


def _percent(compliance: schemas.ComplianceRead) -> str:
    shown = "n/a" if compliance.percent is None else f"{compliance.percent}%"
    return f"{shown} ({compliance.met} met, {compliance.breached} breached)"


def _verdict(verdict: schemas.VerdictRead) -> str:
    if verdict.met is None:
        return "no target" if verdict.due_at is None else "running"
    return "met" if verdict.met else f"breached by {verdict.minutes_over} min"


def _summary(card: schemas.ScorecardRead) -> list[tuple[str, str]]:
    mttr = "n/a" if card.mttr_minutes is None else f"{card.mttr_minutes} min"
    return [
        ("Engagements", str(card.engagements)),
        ("Response compliance", _percent(card.response)),
        ("Resolution compliance", _percent(card.resolution)),
        ("MTTR on its incidents", mttr),
        ("Service credits owed", f"{card.credits_owed} {card.currency}".strip()),
        ("Credits disputed", str(card.credits_disputed)),
        ("Incidents its components caused", ", ".join(card.incidents_caused) or "none"),
        ("Changes it made", f"{card.changes_made} ({card.changes_failed} failed)"),
    ]


ROW_HEADINGS = ["incident", "priority", "engaged at", "response", "resolution", "credit", "status"]


def _row(r: schemas.EngagementRead) -> list[str]:
    return [
        r.incident,
        r.priority,
        r.engaged_at.isoformat(),
        _verdict(r.response),
        _verdict(r.resolution),
        str(r.credit),
        r.credit_status.value,
    ]


def _title(card: schemas.ScorecardRead) -> str:
    return f"{card.name} scorecard, {card.since} to {card.until}"


def _markdown(card: schemas.ScorecardRead) -> str:
    lines = [f"# {_title(card)}", "", "| figure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in _summary(card)]
    lines += ["", "| " + " | ".join(ROW_HEADINGS) + " |", "|" + " --- |" * len(ROW_HEADINGS)]
    lines += ["| " + " | ".join(_row(r)) + " |" for r in card.rows]
    return "\n".join(lines) + "\n"


def _html_table(headings: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headings)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html(card: schemas.ScorecardRead) -> str:
    title = html.escape(_title(card))
    summary = _html_table(["figure", "value"], [list(pair) for pair in _summary(card)])
    rows = _html_table(ROW_HEADINGS, [_row(r) for r in card.rows])
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><h1>{title}</h1>{summary}{rows}</body></html>\n"
    )


def _csv(card: schemas.ScorecardRead) -> str:
    """The summary figures first, a blank line, then one row per engagement. Every row has
    the same number of cells, so a spreadsheet opens it as one sheet and strict readers
    (RFC 4180) accept it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    padding = [""] * (len(ROW_HEADINGS) - 2)
    writer.writerow(["figure", "value", *padding])
    writer.writerow(["Period", f"{card.since} to {card.until}", *padding])
    writer.writerows([name, value, *padding] for name, value in _summary(card))
    writer.writerow([""] * len(ROW_HEADINGS))
    writer.writerow(ROW_HEADINGS)
    writer.writerows(_row(r) for r in card.rows)
    return buffer.getvalue()


def _json(card: schemas.ScorecardRead) -> str:
    return card.model_dump_json(indent=2) + "\n"


RENDERERS: dict[Format, Callable[[schemas.ScorecardRead], str]] = {
    Format.MD: _markdown,
    Format.HTML: _html,
    Format.CSV: _csv,
    Format.JSON: _json,
}
MEDIA = {
    Format.MD: "text/markdown",
    Format.HTML: "text/html",
    Format.CSV: "text/csv",
    Format.JSON: "application/json",
}


def pack(card: schemas.ScorecardRead, fmt: Format) -> str:
    """The scorecard as a review pack in `fmt`."""
    return RENDERERS[fmt](card)

"""`opsroom vendor engage|engagements|acknowledge|dispute|settle|scorecard|contract|
contract-set`: vendors held to their contracts."""

from __future__ import annotations

from datetime import date

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.infra.errors import ValidationFailed
from opsroom.vendors import contracts, reports, schemas, service
from opsroom.vendors.domain import CreditStatus, SupportLevel, review_period

app = typer.Typer(help="Vendors engaged on incidents, held to their contracts.")


def _verdict(verdict: schemas.VerdictRead) -> str:
    if verdict.due_at is None:
        return "no target"
    if verdict.met is None:
        return f"due {verdict.due_at:%Y-%m-%d %H:%M}"
    return "met" if verdict.met else f"breached by {verdict.minutes_over} min"


def _shown(read: schemas.EngagementRead, as_json: bool, verb: str) -> None:
    emit(
        read,
        as_json,
        lambda: out.print(
            f"{verb} [bold]{read.vendor}[/] on {read.incident} ({read.priority}) · "
            f"{read.status.value} at level {read.level} · response {_verdict(read.response)} · "
            f"credit {read.credit} {read.currency} {read.credit_status.value}"
        ),
    )


@app.command("engage")
def engage(incident: str, vendor: str, as_json: bool = JsonOption) -> None:
    """Engage VENDOR on INCIDENT: its contract clock starts and its ladder is called."""
    with unit_of_work(write=True) as session:
        data = schemas.EngagementIn(vendor=vendor)
        found = service.engage(session, actor=actor(session), key=incident, data=data)
        read = service.read(found)
    _shown(read, as_json, "Engaged")


@app.command("engagements")
def engagements(
    incident: str | None = typer.Argument(None, help="an incident key: its engagements"),
    platform: str | None = PlatformOption,
    vendor: str | None = typer.Option(None, help="vendor slug: only its engagements"),
    limit: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """Vendor engagements newest first and how they stand against their contracts: on
    INCIDENT, of a vendor, on a platform's incidents, or any of these together."""
    with unit_of_work() as session:
        page = service.search(
            session,
            actor=actor(session),
            incident=incident,
            vendor=vendor,
            platform=catalog.platform_filter(session, platform),
            limit=limit,
        )
        reads = [service.read(e) for e in page.items]
    emit(
        reads,
        as_json,
        lambda: table(
            f"Vendors engaged on {incident.upper()}" if incident else "Vendor engagements",
            ["id", "incident", "vendor", "status", "level", "response", "resolution"],
            [
                (
                    r.id,
                    r.incident,
                    r.vendor,
                    r.status.value,
                    r.level,
                    _verdict(r.response),
                    _verdict(r.resolution),
                )
                for r in reads
            ],
        ),
    )


@app.command("acknowledge")
def acknowledge(engagement: int, as_json: bool = JsonOption) -> None:
    """Record that the vendor of ENGAGEMENT responded: its ladder climbs no further."""
    with unit_of_work(write=True) as session:
        found = service.acknowledge(session, actor=actor(session), engagement_id=engagement)
        read = service.read(found)
    _shown(read, as_json, "Acknowledged")


@app.command("dispute")
def dispute(
    engagement: int, note: str = typer.Option(..., "--note"), as_json: bool = JsonOption
) -> None:
    """Contest the service credit ENGAGEMENT owes, saying why."""
    with unit_of_work(write=True) as session:
        data = schemas.DisputeIn(note=note)
        found = service.dispute(session, actor=actor(session), engagement_id=engagement, data=data)
        read = service.read(found)
    _shown(read, as_json, "Disputed")


@app.command("settle")
def settle(
    engagement: int,
    outcome: CreditStatus = typer.Option(..., "--outcome", help="upheld or waived"),
    note: str = typer.Option(..., "--note"),
    as_json: bool = JsonOption,
) -> None:
    """Settle the dispute over ENGAGEMENT's credit: upheld or waived."""
    with unit_of_work(write=True) as session:
        data = schemas.SettlementIn(outcome=outcome, note=note)
        found = service.settle(session, actor=actor(session), engagement_id=engagement, data=data)
        read = service.read(found)
    _shown(read, as_json, "Settled")


@app.command("scorecard")
def scorecard(
    slug: str,
    quarter: str | None = typer.Option(None, "--quarter", help="a whole quarter, e.g. 2026Q3"),
    since: str | None = typer.Option(None, "--since", help="first day, YYYY-MM-DD"),
    until: str | None = typer.Option(None, "--until", help="last day, YYYY-MM-DD"),
    fmt: reports.Format = typer.Option(reports.Format.MD, "--format"),
) -> None:
    """SLUG's scorecard for a quarter or the days --since to --until, as a review pack in
    md, html, csv or json."""
    with unit_of_work() as session:
        first, last = review_period(quarter, _day(since, "since"), _day(until, "until"))
        card = reports.scorecard(session, actor=actor(session), slug=slug, since=first, until=last)
    typer.echo(reports.pack(card, fmt), nl=False)


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"--{name} is a day: YYYY-MM-DD", fields={name: "YYYY-MM-DD"}
        ) from None


def _contract_shown(read: schemas.ContractRead, as_json: bool) -> None:
    emit(
        read,
        as_json,
        lambda: out.print(
            f"[bold]{read.vendor}[/] {read.starts_on} to {read.ends_on} · "
            f"{read.support_level.value} support · {read.state.value} · "
            f"renewal reminder on {read.reminder_on}"
            + "".join(
                f"\n  out of support: {c.component} from {c.ends_on}" for c in read.out_of_support
            )
        ),
    )


@app.command("contract")
def contract(slug: str, as_json: bool = JsonOption) -> None:
    """SLUG's contract: its term, support level and renewal reminder."""
    with unit_of_work() as session:
        read = contracts.read(contracts.get(session, actor=actor(session), slug=slug))
    _contract_shown(read, as_json)


@app.command("contract-set")
def contract_set(
    slug: str,
    starts: str = typer.Option(..., "--starts", help="first day, YYYY-MM-DD"),
    ends: str = typer.Option(..., "--ends", help="last day, YYYY-MM-DD"),
    support_level: SupportLevel = typer.Option(..., "--support-level"),
    notice_days: int = typer.Option(90, "--notice-days", help="remind this many days before"),
    owner: str = typer.Option("", "--owner", help="who renews it (an email)"),
    out_of_support: list[str] = typer.Option(
        [], "--out-of-support", help="'component = YYYY-MM-DD' it no longer supports; repeat"
    ),
    version: int | None = typer.Option(None, "--version"),
    as_json: bool = JsonOption,
) -> None:
    """Record SLUG's contract or its renewal; the reminder to renew is timed anew, and each
    component out of support is an issue until support returns."""
    with unit_of_work(write=True) as session:
        data = schemas.ContractIn.model_validate(
            {
                "version": version,
                "starts_on": _day(starts, "starts"),
                "ends_on": _day(ends, "ends"),
                "support_level": support_level,
                "notice_days": notice_days,
                "owner": owner,
                "out_of_support": "\n".join(out_of_support),
            }
        )
        saved = contracts.set_contract(session, actor=actor(session), slug=slug, data=data)
        read = contracts.read(saved)
    _contract_shown(read, as_json)

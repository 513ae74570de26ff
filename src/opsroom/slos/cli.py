"""`opsroom slo set|list|show|edit|push|apply|export`."""

from __future__ import annotations

from pathlib import Path

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.slos import domain, openslo, schemas
from opsroom.slos import service as slos
from opsroom.slos.domain import BudgetWindow, PrometheusAuth, SliKind, SliSource

SECRET_ENV = "OPSROOM_PROMETHEUS_SECRET"
app = typer.Typer(help="Service level objectives and their error budgets.", no_args_is_help=True)


def _shown(read: schemas.SloRead, as_json: bool, verb: str) -> None:
    def text() -> None:
        subject = read.service or read.journey
        out.print(
            f"{verb} [bold]{read.key}[/] {read.name} · {subject} · {read.objective:g} % over "
            f"{read.window.value} · budget left {read.budget_remaining:.1%}"
            + (" [red]exhausted[/]" if read.exhausted else "")
        )
        for b in read.burn:
            state = "[red]firing[/]" if b.firing else "quiet"
            out.print(f"  {b.condition}: {b.long_rate:.2f}x / {b.short_rate:.2f}x {state}")
        for spender in read.spent_by:
            out.print(f"  {spender.incident} spent {spender.minutes:.0f} min: {spender.title}")

    emit(read, as_json, text)


@app.command("set")
def set_slo(
    name: str,
    objective: float = typer.Option(..., help="percent of good time, e.g. 99.9"),
    squad: str = typer.Option(..., "--squad", help="the owning squad"),
    service: str | None = typer.Option(None, "--service", "-s"),
    journey: str | None = typer.Option(None, "--journey", "-j"),
    window: BudgetWindow = typer.Option(BudgetWindow.ROLLING_30D),
    worst_priority: int = typer.Option(2, help="incidents of this priority or worse count"),
    sli: SliKind = typer.Option(SliKind.INCIDENTS),
    source: SliSource | None = typer.Option(None, help="prometheus (default) or pushed"),
    prometheus: str = typer.Option("", help="the Prometheus base URL"),
    good: str = typer.Option("", help="ratio SLI: the good events' counter selector"),
    total: str = typer.Option("", help="ratio SLI: all events' counter selector"),
    histogram: str = typer.Option("", help="threshold SLI: the latency histogram"),
    threshold: float | None = typer.Option(None, help="threshold SLI: good below (seconds)"),
    auth: PrometheusAuth = typer.Option(PrometheusAuth.NONE, help="towards Prometheus"),
    username: str = typer.Option("", help="basic auth towards Prometheus"),
    secret: str = typer.Option("", envvar=SECRET_ENV, help=f"token or password (or ${SECRET_ENV})"),
    owner: str = typer.Option(""),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Set an SLO on a service or a journey; its budget counts customer-impacting incidents,
    or bad events (--sli ratio|threshold) in Prometheus or pushed (--source pushed)."""
    with unit_of_work(write=True) as session:
        data = schemas.SloCreate.model_validate(
            {
                "name": name,
                "objective": objective,
                "owner_squad": squad,
                "service": service,
                "journey": journey,
                "window": window,
                "worst_priority": worst_priority,
                "sli": sli,
                "source": source,
                "prometheus_url": prometheus,
                "good_query": good,
                "total_query": total,
                "histogram": histogram,
                "threshold": threshold,
                "prometheus_auth": auth,
                "prometheus_username": username,
                "prometheus_secret": secret or None,
                "owner": owner,
                "description": description,
            }
        )
        read = slos.read(session, slos.create(session, actor=actor(session), data=data))
    _shown(read, as_json, "set")


@app.command("list")
def list_slos(
    platform: str | None = PlatformOption,
    service: str | None = typer.Option(None, "--service", "-s"),
    squad: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        found = slos.search(
            session,
            actor=actor(session),
            platform=catalog.platform_filter(session, platform),
            service=service,
            squad=squad,
        )
        rows = slos.summaries(session, found)
    emit(
        rows,
        as_json,
        lambda: table(
            "SLOs",
            ["key", "name", "on", "objective", "budget left"],
            [
                (
                    r.key,
                    r.name,
                    r.service or r.journey or "",
                    f"{r.objective:g} % / {r.window.value}",
                    f"{r.budget_remaining:.1%}" + (" exhausted" if r.exhausted else ""),
                )
                for r in rows
            ],
        ),
    )


@app.command("show")
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = slos.read(session, slos.get(session, actor=actor(session), key=key))
    _shown(read, as_json, "")


@app.command("edit")
def edit(
    key: str,
    version: int = typer.Option(..., help="the version you read"),
    name: str | None = typer.Option(None),
    service: str | None = typer.Option(None, "--service", "-s"),
    journey: str | None = typer.Option(None, "--journey", "-j"),
    objective: float | None = typer.Option(None),
    window: BudgetWindow | None = typer.Option(None),
    sli: SliKind | None = typer.Option(None),
    source: SliSource | None = typer.Option(None),
    prometheus: str | None = typer.Option(None),
    good: str | None = typer.Option(None),
    total: str | None = typer.Option(None),
    histogram: str | None = typer.Option(None),
    threshold: float | None = typer.Option(None),
    auth: PrometheusAuth | None = typer.Option(None),
    username: str | None = typer.Option(None),
    secret: str | None = typer.Option(None, envvar=SECRET_ENV),
    squad: str | None = typer.Option(None, "--squad"),
    worst_priority: int | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    """Change an SLO; only the options given change (its SLI is checked again as when set)."""
    given = {
        "name": name,
        "service": service,
        "journey": journey,
        "objective": objective,
        "window": window,
        "sli": sli,
        "source": source,
        "prometheus_url": prometheus,
        "good_query": good,
        "total_query": total,
        "histogram": histogram,
        "threshold": threshold,
        "prometheus_auth": auth,
        "prometheus_username": username,
        "prometheus_secret": secret,
        "owner_squad": squad,
        "worst_priority": worst_priority,
    }
    with unit_of_work(write=True) as session:
        data = schemas.SloUpdate.model_validate(
            {"version": version} | {k: v for k, v in given.items() if v is not None}
        )
        updated = slos.update(session, actor=actor(session), key=key, data=data)
        read = slos.read(session, updated)
    _shown(read, as_json, "edited")


@app.command("push")
def push(
    key: str,
    counts: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help='JSON: {"counts": [{"minute", "good", "total"}]}'
    ),
    as_json: bool = JsonOption,
) -> None:
    """Push SLI counts (good and all events per minute) as the API takes them; a refused
    count refuses them all."""
    data = schemas.CountsPush.model_validate_json(counts.read_text())
    pushed = [domain.Count(c.minute, c.good, c.total) for c in data.counts]
    with unit_of_work(write=True) as session:
        stored = slos.push_counts(session, actor=actor(session), key=key, counts=pushed)
    done = schemas.CountsStored(slo=key.upper(), stored=stored)
    emit(done, as_json, lambda: out.print(f"{done.slo}: {done.stored} minutes stored"))


@app.command("apply")
def apply_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="OpenSLO v1 YAML"),
    as_json: bool = JsonOption,
) -> None:
    """Set or change every SLO in an OpenSLO file; on any error nothing is applied."""
    with unit_of_work(write=True) as session:
        done = openslo.apply_text(
            session, actor=actor(session), text=file.read_text(encoding="utf-8")
        )
    emit(
        done,
        as_json,
        lambda: out.print(
            "\n".join(f"{outcome}: {', '.join(keys) or '-'}" for outcome, keys in done)
        ),
    )


@app.command("export")
def export_file(
    platform: str | None = typer.Option(None),
    output: Path | None = typer.Option(None, "-o", "--output", help="write here, not stdout"),
) -> None:
    """Every SLO as OpenSLO v1 documents; applying them back changes nothing."""
    with unit_of_work() as session:
        text = openslo.export(session, actor=actor(session), platform=platform)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")

"""`opsroom kpi report`: the monthly operations review pack."""

from __future__ import annotations

from pathlib import Path

import typer

from opsroom.auth.console import actor, fail, out, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.infra import clock
from opsroom.kpis import domain, formats, guild, guild_formats
from opsroom.kpis import service as kpis

app = typer.Typer(help="Operations KPIs and the review pack.", no_args_is_help=True)


@app.command()
def report(
    period: str = typer.Option(
        None, help="2026-10, 2026-Q4, 2026-W43 or 2026-10-01..2026-10-15 (default: this month)"
    ),
    squad: str | None = typer.Option(None, help="only incidents this squad was engaged on"),
    platform: str | None = PlatformOption,
    guild_view: bool = typer.Option(
        False, "--guild", help="every platform side by side (the guild view)"
    ),
    fmt: formats.Format = typer.Option(formats.Format.MD, "--format", help="md, html, csv or json"),
    output: Path | None = typer.Option(None, "--output", "-o", help="write to a file"),
) -> None:
    """Every KPI of a period by priority, squad, service and journey, against the previous
    one; with --guild, every platform's beside each other."""
    if guild_view and (squad or platform):
        fail("--guild compares every platform: leave out --squad and --platform", code=2)
    with unit_of_work() as session:
        chosen = domain.parse_period(period) if period else domain.current_month(clock.now())
        if guild_view:
            text = guild_formats.render(
                guild.guild_report(session, actor=actor(session), period=chosen), fmt
            )
        else:
            pack = kpis.report(
                session,
                actor=actor(session),
                period=chosen,
                squad=squad,
                platform=catalog.platform_filter(session, platform),
            )
            text = formats.render(pack, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")
    else:
        typer.echo(text)

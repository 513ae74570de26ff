"""`opsroom catalog|platform|squad|service|journey|vendor|raci ...` over the catalog service."""

from __future__ import annotations

from pathlib import Path

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import manifest, schemas, vendors
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption

catalog_app = typer.Typer(
    help="Catalog as code: apply or export the whole catalog as YAML.", no_args_is_help=True
)
platform_app = typer.Typer(
    help="Platforms, each with its own operations manager.", no_args_is_help=True
)
squad_app = typer.Typer(help="Squads and their members.", no_args_is_help=True)
service_app = typer.Typer(
    help="Services, their dependencies and blast radius.", no_args_is_help=True
)
journey_app = typer.Typer(help="Business journeys through services.", no_args_is_help=True)
vendor_app = typer.Typer(
    help="Vendors, their escalation ladders and SLA terms.", no_args_is_help=True
)
raci_app = typer.Typer(
    help="Who is responsible, accountable, supporting, consulted, informed.", no_args_is_help=True
)

APPS = {
    "catalog": catalog_app,
    "platform": platform_app,
    "squad": squad_app,
    "service": service_app,
    "journey": journey_app,
    "vendor": vendor_app,
    "raci": raci_app,
}


@catalog_app.command("apply")
def apply_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True),
) -> None:
    """Create or update everything in FILE; on any error nothing is applied."""
    with unit_of_work(write=True) as session:
        result = manifest.apply_text(
            session, actor=actor(session), text=file.read_text(encoding="utf-8")
        )
    for outcome, counts in result.as_dict().items():
        if counts:
            out.print(
                f"{outcome}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
            )


@catalog_app.command("export")
def export_file(
    output: Path | None = typer.Option(
        None, "-o", "--output", help="Write here instead of stdout."
    ),
) -> None:
    """Write the whole catalog in the catalog file format."""
    with unit_of_work() as session:
        text = manifest.dump(manifest.export(session))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")


@platform_app.command("list")
def platform_list(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [schemas.PlatformRead.model_validate(p) for p in catalog.list_platforms(session)]
    emit(
        rows,
        as_json,
        lambda: table(
            "Platforms",
            ["slug", "name", "operations manager"],
            [(p.slug, p.name, p.operations_manager_name) for p in rows],
        ),
    )


@squad_app.command("list")
def squad_list(platform: str | None = PlatformOption, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            schemas.SquadRead.model_validate(s)
            for s in catalog.list_squads(
                session, platform=catalog.platform_filter(session, platform)
            )
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Squads",
            ["slug", "name", "platform", "members", "channel"],
            [(s.slug, s.name, s.platform, len(s.members), s.chat_channel) for s in rows],
        ),
    )


@squad_app.command("show")
def squad_show(slug: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        squad = schemas.SquadRead.model_validate(catalog.get_squad(session, slug))
    emit(
        squad,
        as_json,
        lambda: table(
            f"{squad.name} ({squad.platform}) · {squad.email} · {squad.chat_channel}",
            ["member", "role", "email", "phone"],
            [(m.name, m.role, m.email, m.phone) for m in squad.members],
        ),
    )


@service_app.command("list")
def service_list(
    platform: str | None = PlatformOption,
    owner: str | None = typer.Option(None, help="owner squad slug"),
    tier: int | None = typer.Option(None, min=1, max=4),
    tag: str | None = typer.Option(None),
    q: str | None = typer.Option(None, help="text in name or description"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = catalog.list_services(
            session,
            limit=500,
            platform=catalog.platform_filter(session, platform),
            owner=owner,
            tier=tier,
            tag=tag,
            text=q,
        )
        rows = [schemas.ServiceRead.model_validate(s) for s in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Services",
            ["slug", "name", "tier", "owner", "lifecycle", "platform"],
            [(s.slug, s.name, s.tier, s.owner, s.lifecycle, s.platform) for s in rows],
        ),
    )


@service_app.command("show")
def service_show(slug: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        service = schemas.ServiceRead.model_validate(catalog.get_service(session, slug))
        deps = catalog.dependencies(session, slug)
    if as_json:
        emit(
            {**service.model_dump(mode="json"), "dependencies": deps.model_dump(mode="json")},
            True,
            lambda: None,
        )
        return
    out.print(
        f"[bold]{service.name}[/] ({service.slug}) · tier {service.tier} · {service.lifecycle} · owner {service.owner} · {service.platform}"
    )
    out.print(f"depends on: {', '.join(r.slug for r in deps.depends_on) or '-'}")
    out.print(f"depended on by: {', '.join(r.slug for r in deps.depended_on_by) or '-'}")
    out.print(
        f"data in: {', '.join(service.data_regions) or '-'} · runs in: {', '.join(service.hosting_regions) or '-'}"
    )


@service_app.command("move")
def service_move(
    slug: str,
    to: str = typer.Option(..., "--to", help="the platform it moves to"),
    owner: str = typer.Option(..., help="the squad of that platform that will own it"),
) -> None:
    """Give SLUG to a squad of another platform (who governs both platforms)."""
    with unit_of_work(write=True) as session:
        version = catalog.get_service(session, slug).version
        data = schemas.ServiceMove(version=version, platform=to, owner=owner)
        moved = catalog.move_service(session, actor=actor(session), slug=slug, data=data)
        out.print(f"{moved.slug} is now on {moved.platform.slug}, owned by {moved.owner.slug}")


@service_app.command("deps")
def service_deps(slug: str, as_json: bool = JsonOption) -> None:
    """Direct and transitive dependencies, both ways."""
    with unit_of_work() as session:
        deps = catalog.dependencies(session, slug)
    rows = [
        (kind, r.slug, r.tier, r.platform)
        for kind in ("depends_on", "depended_on_by", "upstream", "downstream")
        for r in getattr(deps, kind)
    ]
    emit(
        deps,
        as_json,
        lambda: table(f"Dependencies of {slug}", ["relation", "service", "tier", "platform"], rows),
    )


@service_app.command("blast-radius")
def service_blast_radius(slug: str, as_json: bool = JsonOption) -> None:
    """Everything that breaks, transitively, when SLUG fails, and the journeys it touches."""
    with unit_of_work() as session:
        radius = catalog.blast_radius(session, slug)

    def render() -> None:
        table(
            f"If {slug} fails",
            ["service", "hops", "tier", "platform"],
            [(s.slug, s.hops, s.tier, s.platform) for s in radius.services],
        )
        out.print(f"journeys touched: {', '.join(j.name for j in radius.journeys) or '-'}")
        out.print(f"platforms reached: {', '.join(radius.platforms)}")

    emit(radius, as_json, render)


@service_app.command("depend")
def service_depend(
    slug: str, on: str = typer.Option(..., "--on", help="the service SLUG depends on")
) -> None:
    """Record that SLUG depends on another service (refused if it would close a loop)."""
    with unit_of_work(write=True) as session:
        catalog.add_dependency(session, actor=actor(session), slug=slug, depends_on=on)
    out.print(f"{slug} now depends on {on}")


@journey_app.command("list")
def journey_list(platform: str | None = PlatformOption, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            schemas.JourneyRead.model_validate(j)
            for j in catalog.list_journeys(
                session, platform=catalog.platform_filter(session, platform)
            )
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Journeys",
            ["slug", "name", "criticality", "owner", "services"],
            [(j.slug, j.name, j.criticality, j.owner, " → ".join(j.services)) for j in rows],
        ),
    )


@journey_app.command("show")
def journey_show(slug: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        journey = schemas.JourneyRead.model_validate(catalog.get_journey(session, slug))
    emit(
        journey,
        as_json,
        lambda: out.print(
            f"[bold]{journey.name}[/] ({journey.criticality}, owner {journey.owner}): "
            + " → ".join(journey.services)
        ),
    )


@vendor_app.command("list")
def vendor_list(
    service: str | None = typer.Option(None, help="vendors of this service"),
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        rows = [
            schemas.VendorRead.model_validate(v)
            for v in vendors.list_vendors(
                session, service=service, platform=catalog.platform_filter(session, platform)
            )
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Vendors",
            ["slug", "name", "contract", "services"],
            [(v.slug, v.name, v.contract_reference, len(v.services)) for v in rows],
        ),
    )


@vendor_app.command("show")
def vendor_show(slug: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        vendor = schemas.VendorRead.model_validate(vendors.get_vendor(session, slug))
    emit(
        vendor,
        as_json,
        lambda: table(
            f"{vendor.name} · escalation ladder",
            ["level", "contact", "email", "phone", "respond within (min)"],
            [
                (lvl.level, lvl.contact, lvl.email, lvl.phone, lvl.response_minutes)
                for lvl in vendor.escalation
            ],
        ),
    )


@raci_app.command("show")
def raci_show(service: str, as_json: bool = JsonOption) -> None:
    """The RACI of one service, activity by activity."""
    with unit_of_work() as session:
        matrix = vendors.raci_matrix(session, service=service)
    cells = matrix.rows.get(service, {})
    rows = [
        (a, ", ".join(f"{c.letter} {c.party}" for c in cells.get(a, []))) for a in matrix.activities
    ]
    emit(matrix, as_json, lambda: table(f"RACI of {service}", ["activity", "holders"], rows))


@raci_app.command("gaps")
def raci_gaps(platform: str | None = PlatformOption, as_json: bool = JsonOption) -> None:
    """Activities with nobody accountable or responsible; exits 3 when there are any."""
    with unit_of_work() as session:
        gaps = vendors.raci_matrix(
            session, platform=catalog.platform_filter(session, platform)
        ).gaps
    emit(
        gaps,
        as_json,
        lambda: table(
            f"RACI gaps ({len(gaps)})",
            ["service", "activity", "problem"],
            [(g.service, g.activity, g.problem) for g in gaps],
        ),
    )
    if gaps:
        raise typer.Exit(3)

"""`opsroom status-page show|settings|subscribe|subscribers`."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.statuspage import schemas, subscriptions
from opsroom.statuspage import service as status_pages
from opsroom.statuspage.domain import Visibility

app = typer.Typer(
    help="A platform's public status page: what it shows, who may read it, its subscribers.",
    no_args_is_help=True,
)


@app.command("show")
def show(platform: str, as_json: bool = JsonOption) -> None:
    """The page as its readers see it."""
    with unit_of_work() as session:
        actor(session)
        slug = status_pages.opened(session, platform=platform, signed_in=True)
        page = status_pages.status_page(session, platform=slug)

    def render() -> None:
        out.print(f"[bold]{page.name}[/]: {page.state.value.replace('_', ' ')}")
        table("Services", ["service", "state"], [(c.name, c.state.value) for c in page.components])
        for incident in page.open_incidents:
            out.print(f"[bold]{incident.key}[/] {incident.title} ({incident.status})")
        for m in page.maintenance:
            out.print(f"maintenance {', '.join(m.services)}: {m.starts_at} to {m.ends_at}")

    emit(page, as_json, render)


@app.command("settings")
def settings(
    platform: str,
    visibility: Visibility | None = typer.Option(None, help="public, signed_in or off"),
    maintenance_days: int | None = typer.Option(None, help="days ahead to announce"),
    as_json: bool = JsonOption,
) -> None:
    """Read the page's settings, or change them with the options (operations managers)."""
    with unit_of_work(write=True) as session:
        who = actor(session)
        read = status_pages.read_settings(session, actor=who, platform=platform)
        if visibility is not None or maintenance_days is not None:
            changed = read.model_dump(exclude={"version", "updated_by", "updated_at"})
            if visibility is not None:
                changed["visibility"] = visibility
            if maintenance_days is not None:
                changed["maintenance_days"] = maintenance_days
            doc = schemas.StatusPageSettingsDoc.model_validate(changed)
            read = status_pages.replace_settings(
                session, actor=who, platform=platform, doc=doc, version=read.version
            )
    emit(
        read,
        as_json,
        lambda: out.print(
            f"{platform}: {read.visibility.value}, maintenance announced "
            f"{read.maintenance_days} days ahead (version {read.version})"
        ),
    )


@app.command("subscribe")
def subscribe(platform: str, email: str, as_json: bool = JsonOption) -> None:
    """Mail `email` a link to confirm a subscription to the platform's incident news."""
    with unit_of_work(write=True) as session:
        actor(session)
        data = schemas.SubscriberIn(email=email)
        answer = subscriptions.subscribe(session, platform=platform, data=data, signed_in=True)
    emit(answer, as_json, lambda: out.print(answer.message))


@app.command("subscribers")
def subscribers(platform: str, as_json: bool = JsonOption) -> None:
    """The platform's subscribers, confirmed or waiting (operations managers)."""
    with unit_of_work() as session:
        found = subscriptions.listing(session, actor=actor(session), platform=platform)
        rows = [schemas.SubscriberRead.model_validate(s, from_attributes=True) for s in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Subscribers",
            ["email", "confirmed"],
            [(r.email, r.confirmed_at or "waiting") for r in rows],
        ),
    )

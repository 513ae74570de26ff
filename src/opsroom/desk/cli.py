"""`opsroom ticket open|list|show|reply|note|link|move|csat` and
`opsroom ticket request|approve|decline`, `opsroom ticket settings show|set PLATFORM`,
`opsroom request-type list|show|add|set` and `opsroom organisation list|show|add|set`."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformsOption
from opsroom.desk import organisations, requesting, schemas, sla, surveys
from opsroom.desk import service as desk
from opsroom.desk.domain import Decision, Kind, Priority, Status, Transition

app = typer.Typer(
    help="The service desk's tickets and customer satisfaction.", no_args_is_help=True
)
settings_app = typer.Typer(
    help="A platform's SLA targets, business hours and holidays.", no_args_is_help=True
)
app.add_typer(settings_app, name="settings")
request_type_app = typer.Typer(
    help="The request catalog: what customers may ask for.", no_args_is_help=True
)
organisation_app = typer.Typer(
    help="Customer organisations: their email domains and platforms.", no_args_is_help=True
)


def _said(read: schemas.TicketRead, as_json: bool, what: str) -> None:
    emit(
        read,
        as_json,
        lambda: out.print(f"{what} [bold]{read.key}[/] ({read.status}): {read.title}"),
    )


@app.command("open")
def open_ticket(
    title: str,
    requester: str = typer.Option(..., help="the requester's email"),
    organisation: str = typer.Option(..., help="the requester's organisation"),
    service: str = typer.Option(..., "--service", "-s"),
    kind: Kind = typer.Option(Kind.INCIDENT),
    priority: int = typer.Option(3, min=1, max=4),
    description: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Open a ticket on behalf of a requester; the service's squad takes it."""
    with unit_of_work(write=True) as session:
        data = schemas.TicketCreate(
            title=title,
            requester=requester,
            organisation=organisation,
            service=service,
            kind=kind,
            priority=Priority(priority),
            description=description,
        )
        who = actor(session)
        read = desk.read(desk.open_ticket(session, actor=who, data=data), who)
    _said(read, as_json, "opened")


@app.command("list")
def list_tickets(
    platform: list[str] = PlatformsOption,
    status: list[Status] = typer.Option([], "--status"),
    squad: str | None = typer.Option(None),
    organisation: str | None = typer.Option(None),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        who = actor(session)
        page = desk.search(
            session,
            actor=who,
            status=status,
            squad=squad,
            organisation=organisation,
            platforms=catalog.platforms_filter(session, platform),
            limit=500,
        )
        rows = [desk.read(t, who) for t in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Tickets",
            ["key", "pri", "status", "squad", "requester", "breached", "title"],
            [
                (r.key, r.priority.name, r.status, r.squad, r.requester, _breached(r), r.title)
                for r in rows
            ],
        ),
    )


def _breached(read: schemas.TicketRead) -> str:
    return "yes" if read.first_response_breached or read.resolution_breached else ""


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        who = actor(session)
        read = desk.read(desk.get(session, actor=who, key=key), who)
    emit(read, as_json, lambda: _print(read))


def _print(read: schemas.TicketRead) -> None:
    out.print(f"[bold]{read.key}[/] {read.priority.name} {read.status}: {read.title}")
    out.print(f"requester {read.requester} ({read.organisation}); queue {read.squad}")
    out.print(f"first response due {read.first_response_due:%Y-%m-%d %H:%M} UTC")
    out.print(f"resolution due {read.resolution_due:%Y-%m-%d %H:%M} UTC")
    for m in read.messages:
        out.print(f"- {'note' if m.internal else 'reply'} by {m.author}: {m.body}")


def _message(
    key: str, body: str | None, *, internal: bool, as_json: bool, canned: str | None = None
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.MessageIn(body=body, internal=internal, canned=canned)
        who = actor(session)
        read = desk.read(desk.add_message(session, actor=who, key=key, data=data), who)
    _said(read, as_json, "noted on" if internal else "replied on")


@app.command()
def reply(
    key: str,
    body: str | None = typer.Argument(None, help="what to send; or --canned"),
    canned: str | None = typer.Option(None, help="the title of a canned response to send"),
    as_json: bool = JsonOption,
) -> None:
    """Reply to the requester (sent to them)."""
    _message(key, body, internal=False, as_json=as_json, canned=canned)


@app.command()
def note(key: str, body: str, as_json: bool = JsonOption) -> None:
    """Add an internal note the requester never sees."""
    _message(key, body, internal=True, as_json=as_json)


@app.command()
def link(
    key: str,
    problem: str = typer.Option(..., "--problem", "-p"),
    as_json: bool = JsonOption,
) -> None:
    """Link the problem behind it."""
    with unit_of_work(write=True) as session:
        data = schemas.LinkIn(problem=problem)
        who = actor(session)
        read = desk.read(desk.link(session, actor=who, key=key, data=data), who)
    _said(read, as_json, "linked")


@app.command()
def escalate(
    key: str,
    incident: str | None = typer.Option(
        None, "--incident", "-i", help="the incident others are affected by too"
    ),
    impact: int = typer.Option(2, min=1, max=3, help="of an incident declared: 1 high ... 3 low"),
    urgency: int = typer.Option(2, min=1, max=3, help="1 high ... 3 low"),
    as_json: bool = JsonOption,
) -> None:
    """Turn the ticket into an incident, or link it to --incident; the requester is told."""
    with unit_of_work(write=True) as session:
        data = schemas.EscalationIn(incident=incident, impact=impact, urgency=urgency)
        who = actor(session)
        read = desk.read(desk.escalate(session, actor=who, key=key, data=data), who)
    _said(read, as_json, f"{read.incident} now covers")


@app.command()
def move(
    key: str,
    to: Transition,
    version: int | None = typer.Option(None, help="the version you read"),
    as_json: bool = JsonOption,
) -> None:
    """wait, resume, resolve (sends the survey), reopen or close."""
    with unit_of_work(write=True) as session:
        data = schemas.TicketMove(version=version)
        who = actor(session)
        moved = desk.transition(session, actor=who, key=key, move=to, data=data)
        read = desk.read(moved, who)
    _said(read, as_json, "moved")


@app.command()
def csat(squad: str | None = typer.Option(None), as_json: bool = JsonOption) -> None:
    """Surveys sent and answered, and the share of satisfied answers."""
    with unit_of_work() as session:
        figures = surveys.csat(session, actor=actor(session), squad=squad)
    shown = "-" if figures.csat is None else f"{figures.csat}%"
    emit(
        figures,
        as_json,
        lambda: out.print(f"CSAT {shown} ({figures.answered}/{figures.sent} answered)"),
    )


def _settings_table(platform: str, read: schemas.DeskSettingsRead) -> None:
    hours = read.hours.model_dump()
    table(
        f"Desk settings of {platform} (version {read.version}, {read.zone})",
        ["setting", "value"],
        [
            *(
                (
                    f"{name} targets",
                    f"first response {t.first_response} min, resolution {t.resolution} min",
                )
                for name, t in vars(read.targets).items()
            ),
            *((day, _opening(opening)) for day, opening in hours.items()),
            ("holidays", ", ".join(str(d) for d in read.holidays) or "none"),
            ("reopen window", f"{read.reopen_days} days"),
            *((f"canned: {c.title}", c.body) for c in read.canned_responses),
        ],
    )


def _opening(opening: dict[str, object] | None) -> str:
    return "closed" if opening is None else f"{opening['opens']:%H:%M}-{opening['closes']:%H:%M}"


@settings_app.command("show")
def show_settings(platform: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = sla.read_settings(session, actor=actor(session), platform=platform)
    emit(read, as_json, lambda: _settings_table(platform, read))


@settings_app.command("set")
def set_settings(
    platform: str,
    target: list[str] = typer.Option(
        [], help="PRIORITY=FIRST_RESPONSE/RESOLUTION in business minutes, e.g. P1=30/240; repeat"
    ),
    hours: list[str] = typer.Option(
        [], help="DAY=HH:MM-HH:MM or DAY=closed, e.g. saturday=09:00-13:00; repeat"
    ),
    zone: str | None = typer.Option(None, help="IANA time zone, e.g. Europe/Amsterdam"),
    holiday: list[str] = typer.Option([], help="YYYY-MM-DD; repeat; replaces the list"),
    reopen_days: int | None = typer.Option(None, help="days a requester's reply reopens"),
    canned: list[str] = typer.Option(
        [], help="TITLE=TEXT, a canned response; repeat; replaces the list"
    ),
    version: int | None = typer.Option(None, help="refuse if the settings moved past it"),
    as_json: bool = JsonOption,
) -> None:
    """Change some settings, keeping the others; tickets opened from now on follow them."""
    with unit_of_work(write=True) as session:
        who = actor(session)
        now = sla.read_settings(session, actor=who, platform=platform).model_dump()
        now["targets"] |= dict(_target(t) for t in target)
        now["hours"] |= dict(_hours(h) for h in hours)
        given = {
            "zone": zone,
            "holidays": holiday or None,
            "reopen_days": reopen_days,
            "version": version,
            "canned_responses": [
                {"title": title, "body": body}
                for title, _, body in (c.partition("=") for c in canned)
            ]
            or None,
        }
        data = schemas.DeskSettingsRead.model_validate(
            now | {k: v for k, v in given.items() if v is not None}
        )
        read = sla.replace_settings(session, actor=who, platform=platform, data=data)
    emit(read, as_json, lambda: _settings_table(platform, read))


def _target(option: str) -> tuple[str, dict[str, str]]:
    priority, _, minutes = option.partition("=")
    first_response, _, resolution = minutes.partition("/")
    return priority.upper(), {"first_response": first_response, "resolution": resolution}


def _hours(option: str) -> tuple[str, dict[str, str] | None]:
    day, _, span = option.partition("=")
    if span == "closed":
        return day.lower(), None
    opens, _, closes = span.partition("-")
    return day.lower(), {"opens": opens, "closes": closes}


def _organisation_said(read: schemas.OrganisationRead, as_json: bool) -> None:
    def shown() -> None:
        out.print(f"[bold]{read.name}[/] (version {read.version})")
        out.print(f"domains {', '.join(read.domains) or 'none'}")
        out.print(f"customer of {', '.join(read.platforms)}")
        out.print(f"requesters {', '.join(read.requesters) or 'none'}")

    emit(read, as_json, shown)


@organisation_app.command("list")
def list_organisations(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        found = organisations.all_organisations(session, actor=actor(session))
        rows = [organisations.read(session, o) for o in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Organisations",
            ["name", "domains", "platforms", "requesters"],
            [
                (r.name, ", ".join(r.domains), ", ".join(r.platforms), len(r.requesters))
                for r in rows
            ],
        ),
    )


@organisation_app.command("show")
def show_organisation(name: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        found = organisations.get(session, actor=actor(session), name=name)
        read = organisations.read(session, found)
    _organisation_said(read, as_json)


@organisation_app.command("add")
def add_organisation(
    name: str,
    domain: list[str] = typer.Option([], help="an email domain of theirs; repeat"),
    platform: list[str] = typer.Option(..., help="a platform they are a customer of; repeat"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.OrganisationCreate(name=name, domains=domain, platforms=platform)
        added = organisations.create(session, actor=actor(session), data=data)
        read = organisations.read(session, added)
    _organisation_said(read, as_json)


@organisation_app.command("set")
def set_organisation(
    name: str,
    domain: list[str] = typer.Option([], help="replaces the domains; repeat"),
    no_domains: bool = typer.Option(False, "--no-domains", help="remove every domain"),
    platform: list[str] = typer.Option([], help="replaces the platforms; repeat"),
    version: int | None = typer.Option(None, help="refuse if it moved past it"),
    as_json: bool = JsonOption,
) -> None:
    """Change the domains or platforms, keeping what is not given."""
    with unit_of_work(write=True) as session:
        who = actor(session)
        current = organisations.get(session, actor=who, name=name)
        data = schemas.OrganisationUpdate(
            version=current.version if version is None else version,
            domains=[] if no_domains else (domain or None),
            platforms=platform or None,
        )
        changed = organisations.update(session, actor=who, name=name, data=data)
        read = organisations.read(session, changed)
    _organisation_said(read, as_json)


# --- the request catalog ------------------------------------------------------------------


@app.command("request")
def make_request(
    request_type: str,
    answer: list[str] = typer.Option([], help="FIELD=VALUE; repeat"),
    requester: str = typer.Option(..., help="the requester's email"),
    organisation: str = typer.Option(..., help="the requester's organisation"),
    title: str | None = typer.Option(None, help="the request type's name when left out"),
    as_json: bool = JsonOption,
) -> None:
    """Ask for something from the catalog on behalf of a requester."""
    with unit_of_work(write=True) as session:
        data = schemas.RequestIn(
            type=request_type,
            title=title,
            answers=dict(a.partition("=")[::2] for a in answer),
            requester=requester,
            organisation=organisation,
        )
        who = actor(session)
        read = desk.read(requesting.make_request(session, actor=who, data=data), who)
    _said(read, as_json, "requested")


def _decide(key: str, decision: Decision, note: str, as_json: bool) -> None:
    with unit_of_work(write=True) as session:
        who = actor(session)
        data = schemas.ApprovalIn(note=note)
        decided = requesting.decide(session, actor=who, key=key, decision=decision, data=data)
        read = desk.read(decided, who)
    _said(read, as_json, decision.value)


@app.command()
def approve(key: str, note: str = typer.Option(""), as_json: bool = JsonOption) -> None:
    """Approve the request's waiting approval step; the requester is told."""
    _decide(key, Decision.APPROVED, note, as_json)


@app.command()
def decline(key: str, note: str = typer.Option(""), as_json: bool = JsonOption) -> None:
    """Decline the request's waiting approval step: it closes; the requester is told."""
    _decide(key, Decision.DECLINED, note, as_json)


def _type_said(read: schemas.RequestTypeRead, as_json: bool) -> None:
    asked = ", ".join(f.label for f in read.fields) or "nothing"
    emit(read, as_json, lambda: out.print(f"[bold]{read.slug}[/] {read.name}: asks {asked}"))


@request_type_app.command("list")
def list_request_types(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        rows = [
            requesting.read_type(k) for k in requesting.list_types(session, actor=actor(session))
        ]
    emit(
        rows,
        as_json,
        lambda: table(
            "Request catalog",
            ["key", "name", "squad", "SLA", "approvals", "offered"],
            [(r.slug, r.name, r.squad, r.priority.name, len(r.approvals), r.active) for r in rows],
        ),
    )


@request_type_app.command("show")
def show_request_type(slug: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = requesting.read_type(requesting.get_type(session, actor=actor(session), slug=slug))
    _type_said(read, as_json)


@request_type_app.command("add")
def add_request_type(
    file: typer.FileText = typer.Argument(..., help="the request type as JSON (see the API)"),
    as_json: bool = JsonOption,
) -> None:
    """Add a request type written as the API takes it: slug, name, service, fields, approvals."""
    with unit_of_work(write=True) as session:
        data = schemas.RequestTypeCreate.model_validate_json(file.read())
        read = requesting.read_type(
            requesting.create_type(session, actor=actor(session), data=data)
        )
    _type_said(read, as_json)


@request_type_app.command("set")
def set_request_type(
    slug: str,
    offered: bool | None = typer.Option(None, "--offered/--withdrawn"),
    name: str | None = typer.Option(None),
    version: int | None = typer.Option(None, help="refuse if it moved past it"),
    as_json: bool = JsonOption,
) -> None:
    """Rename it, or withdraw it from (or offer it again in) the catalog."""
    with unit_of_work(write=True) as session:
        who = actor(session)
        current = requesting.get_type(session, actor=who, slug=slug)
        data = schemas.RequestTypeUpdate(
            version=current.version if version is None else version, name=name, active=offered
        )
        read = requesting.read_type(
            requesting.update_type(session, actor=who, slug=slug, data=data)
        )
    _type_said(read, as_json)

"""`opsroom problem open|list|show|move|link|detect|proposals|accept|dismiss|known-errors`
and `opsroom problem settings show|set`."""

from __future__ import annotations

import typer

from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.improvement import schemas as settings_schemas
from opsroom.improvement import service as settings
from opsroom.problems import recurrence, schemas
from opsroom.problems import service as problems
from opsroom.problems.domain import Status, Transition

app = typer.Typer(help="Problems, known errors and recurring incidents.", no_args_is_help=True)
settings_app = typer.Typer(
    help="What reviews, recurring incidents and action items follow.", no_args_is_help=True
)
app.add_typer(settings_app, name="settings")


@app.command("open")
def open_problem(
    title: str,
    service: list[str] = typer.Option(..., "--service", "-s", help="affected service; repeat"),
    incident: list[str] = typer.Option([], "--incident", "-i", help="linked incident; repeat"),
    impact: int = typer.Option(2, min=1, max=3),
    urgency: int = typer.Option(2, min=1, max=3),
    statement: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    """Open a problem; its priority comes from impact x urgency, as for incidents."""
    with unit_of_work(write=True) as session:
        data = schemas.ProblemCreate(
            title=title,
            services=service,
            incidents=incident,
            impact=impact,
            urgency=urgency,
            statement=statement,
        )
        read = problems.read(session, problems.create(session, actor=actor(session), data=data))
    emit(
        read,
        as_json,
        lambda: out.print(f"opened [bold]{read.key}[/] {read.priority}: {read.title}"),
    )


@app.command("list")
def list_problems(
    platform: str | None = PlatformOption,
    status: list[Status] = typer.Option([], "--status"),
    squad: str | None = typer.Option(None),
    known_error: bool | None = typer.Option(None, "--known-error/--not-known-error"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        page = problems.search(
            session,
            actor=actor(session),
            status=status,
            squad=squad,
            known_error=known_error,
            platform=catalog.platform_filter(session, platform),
            limit=500,
        )
        rows = [problems.summary(p) for p in page.items]
    emit(
        rows,
        as_json,
        lambda: table(
            "Problems",
            ["key", "pri", "status", "squad", "incidents", "title"],
            [(r.key, r.priority, r.status, r.owner_squad, r.incident_count, r.title) for r in rows],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = problems.read(session, problems.get(session, actor=actor(session), key=key))
    emit(
        read,
        as_json,
        lambda: out.print(
            f"[bold]{read.key}[/] {read.priority} · {read.status} · {read.title}\nworkaround: {read.workaround or '-'}"
        ),
    )


@app.command()
def move(
    key: str, to: Transition = typer.Argument(..., help="investigate, resolve, close, ...")
) -> None:
    with unit_of_work(write=True) as session:
        status = problems.transition(
            session, actor=actor(session), key=key, move=to, data=schemas.ProblemMove()
        ).status
    out.print(f"{key.upper()} is {status.replace('_', ' ')}")


@app.command()
def link(key: str, incident: str) -> None:
    """Link an incident to the problem."""
    with unit_of_work(write=True) as session:
        problems.link_incident(session, actor=actor(session), key=key, incident=incident)
    out.print(f"{incident.upper()} linked to {key.upper()}")


def _proposals_table(rows: list[schemas.ProposalRead]) -> None:
    table(
        "Proposed problems",
        ["id", "service", "incidents", "title"],
        [(p.id, p.service, ", ".join(p.incidents), p.title) for p in rows],
    )


@app.command()
def detect(as_json: bool = JsonOption) -> None:
    """Look for recurring incidents now and propose problems for them."""
    with unit_of_work(write=True) as session:
        rows = [
            recurrence.read_proposal(p)
            for p in recurrence.detect_recurring(session, actor=actor(session))
        ]
    emit(rows, as_json, lambda: _proposals_table(rows))


@app.command()
def proposals(as_json: bool = JsonOption) -> None:
    """Proposals waiting for a decision."""
    with unit_of_work() as session:
        rows = [
            recurrence.read_proposal(p) for p in recurrence.proposals(session, actor=actor(session))
        ]
    emit(rows, as_json, lambda: _proposals_table(rows))


@app.command()
def accept(proposal_id: int) -> None:
    with unit_of_work(write=True) as session:
        key = recurrence.accept_proposal(session, actor=actor(session), proposal_id=proposal_id).key
    out.print(f"opened {key}")


@app.command()
def dismiss(proposal_id: int) -> None:
    with unit_of_work(write=True) as session:
        recurrence.dismiss_proposal(session, actor=actor(session), proposal_id=proposal_id)
    out.print(f"proposal {proposal_id} dismissed")


@app.command("known-errors")
def known_errors(
    q: str | None = typer.Argument(None),
    platform: str | None = PlatformOption,
    as_json: bool = JsonOption,
) -> None:
    """Search the known-error database."""
    with unit_of_work() as session:
        chosen = catalog.platform_filter(session, platform)
        rows = problems.known_errors(session, actor=actor(session), text=q, platform=chosen)
    emit(
        rows,
        as_json,
        lambda: table(
            "Known errors",
            ["problem", "symptom", "workaround"],
            [(k.problem, k.symptom, k.workaround) for k in rows],
        ),
    )


def _settings_table(read: settings_schemas.ProblemSettings) -> None:
    table(
        f"Problem settings (version {read.version})",
        ["setting", "value"],
        [
            ("review priorities", ", ".join(read.review_priorities) or "none"),
            ("review due (business days)", read.review_due_business_days),
            ("review sections to publish", ", ".join(read.review_required_sections) or "none"),
            ("review needs an action item", read.review_needs_actions),
            ("review published by a second person", read.review_second_approval),
            ("factor categories", ", ".join(read.categories)),
            ("recurring", f"{read.recurrence_incidents} incidents in {read.recurrence_days} days"),
            ("title similarity", read.recurrence_similarity),
            ("action due days", ", ".join(f"{p} {d}" for p, d in read.action_due_days.items())),
            ("escalate after (days overdue)", read.escalate_after_days),
        ],
    )


@settings_app.command("show")
def show_settings(as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = settings.read(session, actor=actor(session))
    emit(read, as_json, lambda: _settings_table(read))


@settings_app.command("set")
def set_settings(
    review_priority: list[str] = typer.Option([], help="P1-P5; repeat; replaces the list"),
    review_due_days: int | None = typer.Option(None, help="business days after resolution"),
    review_section: list[str] = typer.Option(
        [],
        help="a section a required review must have written to publish; repeat; replaces the list",
    ),
    review_needs_actions: bool | None = typer.Option(
        None, help="a required review is published only with an action item"
    ),
    review_second_approval: bool | None = typer.Option(
        None, help="a required review is published only by someone who did not write it"
    ),
    category: list[str] = typer.Option([], help="factor category; repeat; replaces the list"),
    recurrence_incidents: int | None = typer.Option(None),
    recurrence_days: int | None = typer.Option(None),
    similarity: float | None = typer.Option(None, help="50-100"),
    action_due: list[str] = typer.Option([], help="PRIORITY=DAYS, e.g. P1=10; repeat"),
    escalate_after_days: int | None = typer.Option(None),
    version: int | None = typer.Option(None, help="refuse if the settings moved past it"),
    as_json: bool = JsonOption,
) -> None:
    """Change some settings, keeping the others; new items follow them from now on."""
    given = {
        "review_priorities": review_priority or None,
        "review_due_business_days": review_due_days,
        "review_required_sections": review_section or None,
        "review_needs_actions": review_needs_actions,
        "review_second_approval": review_second_approval,
        "categories": category or None,
        "recurrence_incidents": recurrence_incidents,
        "recurrence_days": recurrence_days,
        "recurrence_similarity": similarity,
        "escalate_after_days": escalate_after_days,
    }
    with unit_of_work(write=True) as session:
        who = actor(session)
        now = settings.read(session, actor=who)
        due = now.action_due_days | dict(p.partition("=")[::2] for p in action_due)
        doc = settings_schemas.ProblemSettings.model_validate(
            now.model_dump()
            | {k: v for k, v in given.items() if v is not None}
            | {"action_due_days": due}
        )
        read = settings.replace(
            session, actor=who, doc=doc, version=now.version if version is None else version
        )
    emit(read, as_json, lambda: _settings_table(read))

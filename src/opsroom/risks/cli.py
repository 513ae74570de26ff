"""`opsroom risk raise|list|show|edit|score|move|accept|link|mitigate|ranking|export|import` and
`opsroom issue raise|list|edit|move`."""

from __future__ import annotations

from pathlib import Path

import typer

from opsroom.actions import service as actions
from opsroom.auth.console import JsonOption, actor, emit, out, table, unit_of_work
from opsroom.catalog import service as catalog
from opsroom.catalog.platform_filters import PlatformOption
from opsroom.risks import interchange, issues, links, reports, schemas
from opsroom.risks import records as register
from opsroom.risks import service as risks
from opsroom.risks.domain import Assessment, IssueTransition, Transition, Treatment

app = typer.Typer(help="The risk register.", no_args_is_help=True)
issue_app = typer.Typer(help="The issue register.", no_args_is_help=True)


def _shown(read: schemas.RiskRead, as_json: bool, verb: str) -> None:
    emit(
        read,
        as_json,
        lambda: out.print(
            f"{verb} [bold]{read.key}[/] {read.status.value} · current {read.current.score} "
            f"({read.current.band}) · {read.title}"
        ),
    )


@app.command("raise")
def raise_risk(
    title: str,
    squad: str = typer.Option(..., "--squad", help="the owning squad"),
    category: str = typer.Option(..., "--category"),
    likelihood: int = typer.Option(..., "--likelihood", "-l", help="inherent likelihood"),
    impact: int = typer.Option(..., "--impact", "-i", help="inherent impact"),
    service: list[str] = typer.Option([], "--service", "-s", help="affected service; repeat"),
    treatment: Treatment = typer.Option(Treatment.MITIGATE),
    owner: str = typer.Option(""),
    review_on: str | None = typer.Option(None, help="YYYY-MM-DD"),
    as_json: bool = JsonOption,
) -> None:
    """Raise a risk on the squad's platform, scored on that platform's matrix."""
    with unit_of_work(write=True) as session:
        data = schemas.RiskCreate.model_validate(
            {
                "title": title,
                "owner_squad": squad,
                "category": category,
                "inherent_likelihood": likelihood,
                "inherent_impact": impact,
                "services": service,
                "treatment": treatment,
                "owner": owner,
                "review_on": review_on,
            }
        )
        read = reports.read(session, risks.create(session, actor=actor(session), data=data))
    _shown(read, as_json, "raised")


@app.command("list")
def list_risks(
    platform: str | None = PlatformOption,
    category: str | None = typer.Option(None),
    open_only: bool = typer.Option(False, "--open"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        found = reports.register(
            session,
            actor=actor(session),
            platform=catalog.platform_filter(session, platform),
            category=category,
            open_only=open_only,
        )
        rows = [reports.summary(session, r) for r in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Risks",
            ["key", "status", "category", "inherent", "current", "target", "appetite", "title"],
            [
                (
                    r.key,
                    r.status.value,
                    r.category,
                    r.inherent.score,
                    r.current.score,
                    r.target.score,
                    "above" if r.above_appetite else "",
                    r.title,
                )
                for r in rows
            ],
        ),
    )


@app.command()
def show(key: str, as_json: bool = JsonOption) -> None:
    with unit_of_work() as session:
        read = reports.read(session, register.get(session, actor=actor(session), key=key))
    _shown(read, as_json, "")


@app.command()
def edit(
    key: str,
    title: str | None = typer.Option(None),
    category: str | None = typer.Option(None),
    owner: str | None = typer.Option(None, help="the owner's account email; '' for none"),
    squad: str | None = typer.Option(None, "--squad", help="the owning squad"),
    description: str | None = typer.Option(None),
    causes: str | None = typer.Option(None),
    consequences: str | None = typer.Option(None),
    treatment: Treatment | None = typer.Option(None),
    plan: str | None = typer.Option(None, "--plan", help="the treatment plan"),
    review_on: str | None = typer.Option(None, help="YYYY-MM-DD"),
    service: list[str] | None = typer.Option(None, "--service", "-s", help="replaces; repeat"),
    journey: list[str] | None = typer.Option(None, "--journey", help="replaces; repeat"),
    vendor: list[str] | None = typer.Option(None, "--vendor", help="replaces; repeat"),
    as_json: bool = JsonOption,
) -> None:
    """Change what describes a risk; only the options given change."""
    given = {
        "title": title,
        "category": category,
        "owner": owner,
        "owner_squad": squad,
        "description": description,
        "causes": causes,
        "consequences": consequences,
        "treatment": treatment,
        "treatment_plan": plan,
        "review_on": review_on,
        "services": service,
        "journeys": journey,
        "vendors": vendor,
    }
    with unit_of_work(write=True) as session:
        version = register.get(session, actor=actor(session), key=key).version
        data = schemas.RiskUpdate.model_validate(
            {name: value for name, value in given.items() if value is not None}
            | {"version": version}
        )
        read = reports.read(
            session, risks.update(session, actor=actor(session), key=key, data=data)
        )
    _shown(read, as_json, "edited")


@app.command()
def score(
    key: str,
    likelihood: int = typer.Option(..., "--likelihood", "-l"),
    impact: int = typer.Option(..., "--impact", "-i"),
    assessment: Assessment = typer.Option(Assessment.CURRENT),
    reason: str = typer.Option("", help="required when the current score drops"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work(write=True) as session:
        version = register.get(session, actor=actor(session), key=key).version
        data = schemas.ScoreIn(
            version=version,
            assessment=assessment,
            likelihood=likelihood,
            impact=impact,
            reason=reason,
        )
        read = reports.read(session, risks.score(session, actor=actor(session), key=key, data=data))
    _shown(read, as_json, "scored")


@app.command()
def move(
    key: str, to: Transition, reason: str = typer.Option(""), as_json: bool = JsonOption
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.RiskMove(reason=reason)
        moved = risks.transition(session, actor=actor(session), key=key, move=to, data=data)
        read = reports.read(session, moved)
    _shown(read, as_json, "moved")


@app.command()
def accept(
    key: str,
    until: str = typer.Option(..., help="YYYY-MM-DD: the acceptance expires then"),
    reason: str = typer.Option(...),
    as_json: bool = JsonOption,
) -> None:
    """Accept a risk until a date (operations managers)."""
    with unit_of_work(write=True) as session:
        data = schemas.AcceptanceIn.model_validate({"until": until, "reason": reason})
        read = reports.read(
            session, risks.accept(session, actor=actor(session), key=key, data=data)
        )
    _shown(read, as_json, "accepted")


@app.command()
def link(key: str, record: str, as_json: bool = JsonOption) -> None:
    """Link an incident, problem or failed change showing the risk materialised."""
    with unit_of_work(write=True) as session:
        read = reports.read(
            session, links.link(session, actor=actor(session), key=key, record=record)
        )
    _shown(read, as_json, "linked")


@app.command()
def mitigate(
    key: str,
    title: str,
    squad: str | None = typer.Option(None, help="default: the risk's squad"),
    due_on: str | None = typer.Option(None, help="YYYY-MM-DD"),
    as_json: bool = JsonOption,
) -> None:
    """Raise a mitigation action item for the risk."""
    with unit_of_work(write=True) as session:
        data = schemas.MitigationIn.model_validate(
            {"title": title, "owner_squad": squad, "due_on": due_on}
        )
        read = actions.read(risks.mitigate(session, actor=actor(session), key=key, data=data))
    emit(read, as_json, lambda: out.print(f"raised [bold]{read.key}[/] for {key}: {read.title}"))


@app.command()
def ranking(platform: str | None = PlatformOption, as_json: bool = JsonOption) -> None:
    """Open risks by expected annual loss x blast radius."""
    with unit_of_work() as session:
        rows = reports.ranking(
            session, actor=actor(session), platform=catalog.platform_filter(session, platform)
        )
    emit(
        rows,
        as_json,
        lambda: table(
            "Risks by expected annual loss",
            ["#", "key", "expected annual loss", "blast radius", "title"],
            [
                (
                    r.rank,
                    r.risk.key,
                    f"{r.exposure.expected_annual_loss:,.0f}",
                    r.exposure.blast_radius,
                    r.risk.title,
                )
                for r in rows
            ],
        ),
    )


@app.command("export")
def export_register(
    output: Path = typer.Argument(..., help="the file to write: .csv or .xlsx"),
    platform: str | None = PlatformOption,
) -> None:
    """Write the register as CSV or XLSX (by the file's suffix)."""
    with unit_of_work() as session:
        fmt = interchange.format_of(output.name)
        content = interchange.export(
            session,
            actor=actor(session),
            fmt=fmt,
            platform=catalog.platform_filter(session, platform),
        )
    output.write_bytes(content)
    out.print(f"wrote {output}")


@app.command("import")
def import_register(source: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Apply a register file: all of it, or nothing if any row is bad."""
    with unit_of_work(write=True) as session:
        fmt = interchange.format_of(source.name)
        done = interchange.apply(
            session, actor=actor(session), content=source.read_bytes(), fmt=fmt
        )
    out.print(f"raised {done.raised}, updated {done.updated}, unchanged {done.unchanged}")


# --- issues -------------------------------------------------------------------------------


@issue_app.command("raise")
def raise_issue(
    title: str,
    squad: str = typer.Option(..., "--squad"),
    due_on: str = typer.Option(..., help="YYYY-MM-DD"),
    owner: str = typer.Option(""),
    risk: str | None = typer.Option(None, help="the risk it bears on, e.g. RSK-3"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.IssueCreate.model_validate(
            {"title": title, "owner_squad": squad, "due_on": due_on, "owner": owner, "risk": risk}
        )
        read = issues.read(issues.create(session, actor=actor(session), data=data))
    emit(
        read,
        as_json,
        lambda: out.print(f"raised [bold]{read.key}[/] due {read.due_on}: {read.title}"),
    )


@issue_app.command("list")
def list_issues(
    platform: str | None = PlatformOption,
    open_only: bool = typer.Option(False, "--open"),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work() as session:
        found = issues.search(
            session,
            actor=actor(session),
            platform=catalog.platform_filter(session, platform),
            open_only=open_only,
        )
        rows = [issues.read(i) for i in found]
    emit(
        rows,
        as_json,
        lambda: table(
            "Issues",
            ["key", "status", "due", "squad", "title"],
            [
                (
                    r.key,
                    r.status.value,
                    f"{r.due_on}{' overdue' if r.overdue else ''}",
                    r.owner_squad,
                    r.title,
                )
                for r in rows
            ],
        ),
    )


@issue_app.command("edit")
def edit_issue(
    key: str,
    title: str | None = typer.Option(None),
    description: str | None = typer.Option(None),
    owner: str | None = typer.Option(None),
    due_on: str | None = typer.Option(None, help="YYYY-MM-DD: moves its escalation"),
    as_json: bool = JsonOption,
) -> None:
    """Change an issue; only the options given change."""
    given = {"title": title, "description": description, "owner": owner, "due_on": due_on}
    with unit_of_work(write=True) as session:
        version = issues.get(session, actor=actor(session), key=key).version
        data = schemas.IssueUpdate.model_validate(
            {name: value for name, value in given.items() if value is not None}
            | {"version": version}
        )
        read = issues.read(issues.update(session, actor=actor(session), key=key, data=data))
    emit(read, as_json, lambda: out.print(f"[bold]{read.key}[/] due {read.due_on}: {read.title}"))


@issue_app.command("move")
def move_issue(
    key: str,
    to: IssueTransition,
    escalate_to: str = typer.Option("", "--escalate-to", help="whom, to escalate"),
    reason: str = typer.Option(""),
    as_json: bool = JsonOption,
) -> None:
    with unit_of_work(write=True) as session:
        data = schemas.IssueMove(to=escalate_to, reason=reason)
        read = issues.read(
            issues.transition(session, actor=actor(session), key=key, move=to, data=data)
        )
    emit(read, as_json, lambda: out.print(f"[bold]{read.key}[/] is {read.status.value}"))

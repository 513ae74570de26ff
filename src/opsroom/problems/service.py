"""Problems: the causes behind incidents, investigated to a root cause, published as known
errors with a workaround, fixed and closed; and the recurring incidents that suggest one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from opsroom.actions import domain as action_rules
from opsroom.actions import service as actions
from opsroom.actions.domain import Source, SourceCited
from opsroom.alerts import service as alerts
from opsroom.audit import service as audit
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.improvement import service as settings
from opsroom.improvement.domain import CategoriesReplaced, removed_in_use
from opsroom.incidents import service as incidents
from opsroom.infra import clock, keys
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.problems import domain, schemas
from opsroom.problems.domain import Status, Transition
from opsroom.problems.models import (
    ContributingFactor,
    Problem,
    ProblemIncident,
    ProblemService,
)

PREFIX = "PRB"
SUBJECT = "problem"


# --- finding ------------------------------------------------------------------------------


def get(session: Session, *, actor: Principal, key: str) -> Problem:
    require(actor, Action.READ)
    return keys.find(session, select(Problem), Problem.number, key, PREFIX, "problem")


def check_citation(session: Session, event: SourceCited) -> None:
    """An action item citing a problem cites one that exists."""
    if event.kind is Source.PROBLEM:
        try:
            get(session, actor=event.actor, key=event.key)
        except NotFound as exc:
            raise actions.missing_source(exc) from None


def search(
    session: Session,
    *,
    actor: Principal,
    status: Sequence[Status] = (),
    squad: str | None = None,
    service: str | None = None,
    platform: str | None = None,
    known_error: bool | None = None,
    open_only: bool = False,
    text: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Problem]:
    require(actor, Action.READ)
    query = select(Problem).options(selectinload(Problem.services), selectinload(Problem.incidents))
    if status:
        query = query.where(Problem.status.in_(list(status)))
    if open_only:
        query = query.where(Problem.status.in_(list(domain.OPEN)))
    if squad:
        query = query.where(Problem.owner_squad == squad)
    if platform:
        query = query.where(Problem.platform_slug == platform)
    if service:
        on_service = select(ProblemService.problem_id).where(ProblemService.service_slug == service)
        query = query.where(Problem.id.in_(on_service))
    if known_error is not None:
        query = _known_errors(query) if known_error else query.where(Problem.workaround == "")
    if text:
        query = query.where(_mentions(text))
    return paginate(session, query, Problem.number, limit=limit, cursor=cursor, descending=True)


def _known_errors(query: Select[Any]) -> Select[Any]:
    return query.where(Problem.workaround != "")


def _mentions(text: str) -> Any:
    pattern = f"%{text.lower()}%"
    return or_(
        *(func.lower(c).like(pattern) for c in (Problem.title, Problem.statement, Problem.symptom))
    )


# --- recording ----------------------------------------------------------------------------


def _snapshot(problem: Problem) -> dict[str, Any]:
    fields = (
        "title",
        "status",
        "owner_squad",
        "priority",
        "vendor_slug",
        "root_cause",
        "workaround",
    )
    return {name: getattr(problem, name) for name in fields} | {
        "services": [s.service_slug for s in problem.services],
        "incidents": [f"INC-{i.incident_number}" for i in problem.incidents],
    }


PROBLEM = Record(SUBJECT, _snapshot)


def _services(session: Session, slugs: Sequence[str], field: str = "services") -> list[Any]:
    found = []
    for slug in dict.fromkeys(slugs):
        try:
            found.append(catalog.get_service(session, slug))
        except NotFound:
            raise ValidationFailed(
                f"no service '{slug}'", fields={field: f"unknown service '{slug}'"}
            ) from None
    return found


def _squad(session: Session, slug: str) -> str:
    try:
        return str(catalog.get_squad(session, slug).slug)
    except NotFound:
        raise ValidationFailed(
            f"no squad '{slug}'", fields={"owner_squad": f"unknown squad '{slug}'"}
        ) from None


def _incident_number(session: Session, actor: Principal, key: str) -> int:
    try:
        return incidents.get(session, actor=actor, key=key).number
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"incident": exc.message}) from None


def create(session: Session, *, actor: Principal, data: schemas.ProblemCreate) -> Problem:
    require(actor, Action.WORK_INCIDENTS)
    services = _services(session, data.services)
    numbers = sorted({_incident_number(session, actor, k) for k in data.incidents})
    problem = Problem(
        number=keys.next_number(session, PREFIX),
        title=data.title,
        statement=data.statement,
        platform_slug=services[0].platform.slug,
        owner_squad=_squad(session, data.owner_squad)
        if data.owner_squad
        else services[0].owner.slug,
        impact=data.impact,
        urgency=data.urgency,
        priority=int(
            incidents.priority_for(
                session, data.impact, data.urgency, platform=services[0].platform.slug
            )
        ),
        vendor_slug=catalog.vendor_named(session, data.vendor),
        status=Status.NEW,
        created_by=str(actor),
        services=[ProblemService(service_slug=s.slug) for s in services],
        incidents=[ProblemIncident(incident_number=n) for n in numbers],
    )
    session.add(problem)
    session.flush()
    PROBLEM.audited(session, problem, actor, "problem.created", None)
    PROBLEM.event(session, problem, actor, "created", f"Problem opened: {problem.title}")
    return problem


def update(session: Session, *, actor: Principal, key: str, data: schemas.ProblemUpdate) -> Problem:
    require(actor, Action.WORK_INCIDENTS)
    problem = PROBLEM.held(get(session, actor=actor, key=key), data.version)
    before = _snapshot(problem)
    changes = data.model_dump(
        exclude_unset=True, exclude={"version", "services", "vendor", "owner_squad"}
    )
    if data.services is not None:
        problem.services = []
        session.flush()  # (problem, service) is unique: old rows go first
        problem.services = [
            ProblemService(service_slug=s.slug) for s in _services(session, data.services)
        ]
    if data.owner_squad is not None:
        problem.owner_squad = _squad(session, data.owner_squad)
    if "vendor" in data.model_fields_set:
        problem.vendor_slug = catalog.vendor_named(session, data.vendor)
    for name, value in changes.items():
        setattr(problem, name, value)
    problem.priority = int(
        incidents.priority_for(
            session, problem.impact, problem.urgency, platform=problem.platform_slug
        )
    )
    return PROBLEM.saved(session, problem, actor, "problem.updated", before)


def transition(
    session: Session, *, actor: Principal, key: str, move: Transition, data: schemas.ProblemMove
) -> Problem:
    require(actor, Action.WORK_INCIDENTS)
    problem = PROBLEM.held(get(session, actor=actor, key=key), data.version)
    target = domain.next_status(Status(problem.status), move)
    if move is Transition.CLOSE:
        _check_fixes_done(session, problem)
    if move is Transition.MARK_KNOWN_ERROR and not problem.known_error:
        raise Conflict(
            f"record the workaround of {problem.key} before marking it a known error",
            fields={"workaround": "required for a known error"},
        )
    before = _snapshot(problem)
    problem.status = target
    now = clock.now()
    if move is Transition.RESOLVE:
        problem.resolved_at = now
    elif move is Transition.CLOSE:
        problem.closed_at = now
    elif move is Transition.REOPEN:
        problem.resolved_at = problem.closed_at = None
    PROBLEM.event(session, problem, actor, move.value, target.value.replace("_", " ").capitalize())
    return PROBLEM.saved(session, problem, actor, f"problem.{move.value}", before)


def _check_fixes_done(session: Session, problem: Problem) -> None:
    waiting = actions.open_systemic_fixes(session, problem_number=problem.number)
    if waiting:
        raise Conflict(
            f"{problem.key} cannot close while its systemic fixes are open: {', '.join(waiting)}",
            fields={"actions": ", ".join(waiting)},
        )


def record_rca(session: Session, *, actor: Principal, key: str, data: schemas.RcaIn) -> Problem:
    """The five whys, the root cause and the contributing factors, each with a category."""
    require(actor, Action.WORK_INCIDENTS)
    problem = PROBLEM.held(get(session, actor=actor, key=key), data.version)
    _check_categories(session, data.factors)
    before = _snapshot(problem)
    problem.five_whys, problem.root_cause = list(data.five_whys), data.root_cause
    problem.factors = [
        ContributingFactor(category=f.category, description=f.description) for f in data.factors
    ]
    PROBLEM.event(session, problem, actor, "rca", "Root-cause analysis updated")
    return PROBLEM.saved(session, problem, actor, "problem.rca_recorded", before)


def categories(session: Session) -> tuple[str, ...]:
    """The categories a contributing factor can have now."""
    return settings.current(session).categories


def _check_categories(session: Session, factors: Sequence[schemas.FactorIn]) -> None:
    known = categories(session)
    unknown = [f.category for f in factors if f.category not in known]
    if unknown:
        raise ValidationFailed(
            f"no category '{unknown[0]}'",
            fields={"factors": f"category is one of: {', '.join(known)}"},
        )


def _factors_per_category(session: Session) -> dict[str, int]:
    query = select(ContributingFactor.category, func.count()).group_by(ContributingFactor.category)
    return {str(category): int(count) for category, count in session.execute(query)}


def keep_categories_in_use(session: Session, event: CategoriesReplaced) -> None:
    """Contributing factors keep their category: one they still name cannot be removed."""
    usage = _factors_per_category(session)
    still_used = removed_in_use(event.before, event.after, usage)
    if still_used:
        named = ", ".join(f"'{c}' ({n} factors)" for c, n in still_used.items())
        raise Conflict(
            f"contributing factors still use {named}; recategorise them before removing",
            fields={"categories": f"still in use: {named}"},
        )


def link_incident(session: Session, *, actor: Principal, key: str, incident: str) -> Problem:
    require(actor, Action.WORK_INCIDENTS)
    problem = get(session, actor=actor, key=key)
    number = _incident_number(session, actor, incident)
    if any(i.incident_number == number for i in problem.incidents):
        raise Conflict(
            f"INC-{number} is already linked to {problem.key}",
            fields={"incident": "already linked"},
        )
    before = _snapshot(problem)
    problem.incidents.append(ProblemIncident(incident_number=number))
    PROBLEM.event(session, problem, actor, "link", f"Linked INC-{number}")
    return PROBLEM.saved(session, problem, actor, "problem.incident_linked", before)


# --- known errors -------------------------------------------------------------------------


def record_known_error(
    session: Session, *, actor: Principal, key: str, data: schemas.KnownErrorIn
) -> Problem:
    require(actor, Action.WORK_INCIDENTS)
    problem = PROBLEM.held(get(session, actor=actor, key=key), data.version)
    _services(session, data.match_services, field="match_services")
    rule = domain.MatchRule(frozenset(data.match_services), data.match_labels, data.match_title)
    if rule.empty:
        raise ValidationFailed(
            "say how to recognise it: services, alert labels or title text",
            fields={"match_services": "give at least one matching rule"},
        )
    before = _snapshot(problem)
    for name, value in data.model_dump(exclude={"version"}).items():
        setattr(problem, name, value)
    PROBLEM.event(
        session,
        problem,
        actor,
        "known_error",
        f"Known error recorded; workaround: {data.workaround}",
    )
    return PROBLEM.saved(session, problem, actor, "problem.known_error_recorded", before)


def _rule(problem: Problem) -> domain.MatchRule:
    return domain.MatchRule(
        frozenset(problem.match_services), problem.match_labels, problem.match_title
    )


def known_error(problem: Problem) -> schemas.KnownErrorRead:
    return schemas.KnownErrorRead(
        problem=problem.key,
        title=problem.title,
        status=Status(problem.status),
        symptom=problem.symptom,
        workaround=problem.workaround,
        match_services=problem.match_services,
        match_labels=problem.match_labels,
        match_title=problem.match_title,
    )


def known_errors(
    session: Session,
    *,
    actor: Principal,
    text: str | None = None,
    service: str | None = None,
    platform: str | None = None,
) -> list[schemas.KnownErrorRead]:
    """The known-error database: problems with a workaround, newest first."""
    require(actor, Action.READ)
    query = _known_errors(select(Problem)).where(Problem.status != Status.CLOSED)
    if platform:
        query = query.where(Problem.platform_slug == platform)
    if text:
        query = query.where(_mentions(text))
    found = [known_error(p) for p in session.scalars(query.order_by(Problem.number.desc()))]
    return [k for k in found if not service or service in k.match_services]


def matching_known_errors(
    session: Session, *, actor: Principal, incident: str
) -> list[schemas.KnownErrorRead]:
    """Known errors whose rules an incident matches, so its page can show the workaround."""
    read = incidents.read(session, incidents.get(session, actor=actor, key=incident))
    seen = domain.Symptoms(
        services=frozenset(read.services),
        title=read.title,
        alert_labels=[
            a.labels for a in alerts.incident_alerts(session, actor=actor, key=read.key).alerts
        ],
    )
    query = _known_errors(select(Problem)).where(Problem.status != Status.CLOSED)
    return [known_error(p) for p in session.scalars(query) if domain.matches(_rule(p), seen)]


# --- reading ------------------------------------------------------------------------------


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    problem = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=SUBJECT, subject_key=problem.key)


def summary(problem: Problem) -> schemas.ProblemSummary:
    return schemas.ProblemSummary(
        key=problem.key,
        title=problem.title,
        platform=problem.platform_slug,
        owner_squad=problem.owner_squad,
        priority=f"P{problem.priority}",
        status=Status(problem.status),
        services=[s.service_slug for s in problem.services],
        known_error=problem.known_error,
        incident_count=len(problem.incidents),
        created_at=problem.created_at,
        age_days=(clock.now() - problem.created_at).days,
    )


def read(session: Session, problem: Problem) -> schemas.ProblemRead:
    ke = known_error(problem)
    return schemas.ProblemRead(
        **summary(problem).model_dump(),
        statement=problem.statement,
        impact=problem.impact,
        urgency=problem.urgency,
        vendor=problem.vendor_slug,
        incidents=[f"INC-{i.incident_number}" for i in problem.incidents],
        root_cause=problem.root_cause,
        five_whys=problem.five_whys,
        factors=[
            schemas.FactorRead(category=f.category, description=f.description)
            for f in problem.factors
        ],
        symptom=ke.symptom,
        workaround=ke.workaround,
        match_services=ke.match_services,
        match_labels=ke.match_labels,
        match_title=ke.match_title,
        actions=[i.key for i in actions.for_problem(session, number=problem.number)],
        open_systemic_fixes=actions.open_systemic_fixes(session, problem_number=problem.number),
        resolved_at=problem.resolved_at,
        closed_at=problem.closed_at,
        created_by=problem.created_by,
        allowed_transitions=domain.allowed(Status(problem.status)),
        version=problem.version,
    )


def caused_by_vendor(session: Session, *, actor: Principal, vendor: str) -> list[str]:
    """The incidents linked to problems whose root cause, once recorded, lies with `vendor`:
    the problem names it as its vendor (for its scorecard, which its own contacts read too)."""
    require(actor, Action.READ, vendor=vendor)
    query = (
        select(ProblemIncident.incident_number)
        .join(Problem, Problem.id == ProblemIncident.problem_id)
        .where(Problem.vendor_slug == vendor, Problem.root_cause != "")
        .distinct()
    )
    return [f"{incidents.PREFIX}-{n}" for n in sorted(session.scalars(query))]


def figures(
    session: Session, *, actor: Principal, squad: str | None = None, platform: str | None = None
) -> schemas.ProblemFigures:
    """Open problems by age, and how many known errors are published."""
    require(actor, Action.READ)
    query = select(Problem.created_at, Problem.workaround).where(
        Problem.status.in_(list(domain.OPEN))
    )
    if squad:
        query = query.where(Problem.owner_squad == squad)
    if platform:
        query = query.where(Problem.platform_slug == platform)
    rows = session.execute(query).all()
    now = clock.now()
    return schemas.ProblemFigures(
        open=len(rows),
        known_errors=sum(bool(w) for _, w in rows),
        open_by_age=action_rules.aging(now - created for created, _ in rows),
    )

"""What operations made of the demo incident history: reviews of the major incidents (most
published, the latest overdue), problems with their root causes and known errors, and action
items across squads, some done and verified, some overdue. Recorded through the services
with the clock moved to each moment, like the incident history it follows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Kind, Source
from opsroom.actions.domain import Transition as ActionMove
from opsroom.auth.domain import Principal, Role
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Priority
from opsroom.infra import clock
from opsroom.problems import schemas
from opsroom.problems import service as problems
from opsroom.problems.domain import Transition
from opsroom.reviews import schemas as review_schemas
from opsroom.reviews import service as reviews
from opsroom.reviews.domain import Transition as ReviewMove

# Who does the work: an engineer completes, a colleague verifies; a reviewer writes a review
# and a manager who did not write it publishes it.
ENGINEER = Principal(name="niamh.byrne@example.com", role=Role.RESPONDER)
PROCUREMENT_MANAGER = frozenset({"procurement"})  # the platforms they govern
REVIEWER = Principal(
    name="karin.holm@example.com", role=Role.OPERATIONS_MANAGER, platforms=PROCUREMENT_MANAGER
)
MANAGER = Principal(
    name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=PROCUREMENT_MANAGER
)


# --- problems -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownProblem:
    title: str
    services: list[str]
    incident_text: str  # how its incidents were titled
    statement: str
    whys: list[str]
    root_cause: str
    factors: list[tuple[str, str]]
    symptom: str
    workaround: str
    match_title: str
    fix: str
    fix_squad: str
    moves: tuple[Transition, ...]
    fix_done: bool


PROBLEMS = (
    KnownProblem(
        "Connection leaks exhaust the postgres-core pool",
        ["postgres-core", "supplier-onboarding-api"],
        "connection pool",
        "Services on postgres-core run out of connections every few weeks.",
        [
            "The pool ran dry",
            "Connections were not returned on timeout",
            "The retry path skipped the release",
            "Error paths had no tests",
            "The client library hid the leak",
        ],
        "The onboarding API's retry path never returns its connection.",
        [
            ("code", "Retry path leaks connections"),
            ("monitoring gap", "No alert on pool saturation before exhaustion"),
        ],
        "Requests on postgres-core services fail with 'too many connections'.",
        "Restart the onboarding API pods; the pool refills within a minute.",
        "connection pool",
        "Return connections on every retry path and alert at 80% pool use",
        "supplier-experience",
        (
            Transition.INVESTIGATE,
            Transition.IDENTIFY_ROOT_CAUSE,
            Transition.MARK_KNOWN_ERROR,
            Transition.START_FIX,
        ),
        False,
    ),
    KnownProblem(
        "Certificates expire unnoticed on partner connections",
        ["edi-gateway"],
        "certificate",
        "Partner traffic stops when an AS2 or TLS certificate expires.",
        ["Invoices were rejected", "The AS2 certificate had expired", "Nobody owned its renewal"],
        "Partner certificates are renewed by hand with no owner or reminder.",
        [
            ("process", "No owner for partner certificate renewal"),
            ("vendor", "Partner sends new certificates late"),
        ],
        "EDI invoices from one partner are rejected with a certificate error.",
        "Install the partner's new certificate from the shared vault and restart the AS2 listener.",
        "certificate",
        "Automate certificate expiry checks with 30-day reminders",
        "integration",
        (
            Transition.INVESTIGATE,
            Transition.IDENTIFY_ROOT_CAUSE,
            Transition.MARK_KNOWN_ERROR,
            Transition.START_FIX,
            Transition.RESOLVE,
            Transition.CLOSE,
        ),
        True,
    ),
    KnownProblem(
        "Search index falls behind during catalog imports",
        ["search-index", "catalog-indexer"],
        "search index",
        "Buyers see stale prices and items while large catalogs import.",
        ["The index lagged 20 minutes", "The indexer processed one item at a time"],
        "",
        [("capacity", "Indexer throughput fixed at one worker")],
        "",
        "",
        "",
        "Batch indexer writes and scale workers with the queue",
        "catalog-search",
        (Transition.INVESTIGATE,),
        False,
    ),
)


def _problem(session: Session, actor: Principal, spec: KnownProblem) -> str:
    seen = incidents.search(session, actor=actor, text=spec.incident_text, limit=20).items
    data = schemas.ProblemCreate(
        title=spec.title,
        services=spec.services,
        statement=spec.statement,
        impact=2,
        urgency=2,
        incidents=[i.key for i in seen],
    )
    problem = problems.create(session, actor=actor, data=data)
    rca = schemas.RcaIn(
        version=problem.version,
        five_whys=spec.whys,
        root_cause=spec.root_cause,
        factors=[schemas.FactorIn(category=c, description=d) for c, d in spec.factors],
    )
    problems.record_rca(session, actor=actor, key=problem.key, data=rca)
    if spec.workaround:
        known = schemas.KnownErrorIn(
            version=problem.version,
            symptom=spec.symptom,
            workaround=spec.workaround,
            match_services=spec.services[:1],
            match_title=spec.match_title,
        )
        problems.record_known_error(session, actor=actor, key=problem.key, data=known)
    fix = actions.create(
        session,
        actor=actor,
        data=action_schemas.ActionCreate(
            title=spec.fix,
            owner_squad=spec.fix_squad,
            kind=Kind.PREVENT,
            priority=Priority.P2,
            source_type=Source.PROBLEM,
            source_key=problem.key,
            problem=problem.key,
            systemic=True,
        ),
    )
    if spec.fix_done:
        _complete(session, fix.key, verify=True)
    for move in spec.moves:
        problems.transition(
            session, actor=actor, key=problem.key, move=move, data=schemas.ProblemMove()
        )
    return problem.key


def _complete(session: Session, key: str, *, verify: bool) -> None:
    actions.transition(
        session, actor=ENGINEER, key=key, move=ActionMove.COMPLETE, data=action_schemas.ActionMove()
    )
    if verify:
        actions.transition(
            session,
            actor=REVIEWER,
            key=key,
            move=ActionMove.VERIFY,
            data=action_schemas.ActionMove(),
        )


# --- reviews and their action items -----------------------------------------------------

# What reviews of major incidents typically agree on: (what, type, squad; None = the owner's).
AGREED = (
    ("Alert on the saturation signal that preceded this incident", Kind.DETECT, None),
    ("Add a runbook step for the workaround used", Kind.PROCESS, "platform-sre"),
    ("Remove the single point of failure the incident exposed", Kind.PREVENT, None),
)
SECTIONS = {
    "what_happened": "Load rose on the affected service until requests timed out; the on-call engineer declared the incident and the team restored service by applying the known workaround.",
    "contributing_factors": "- Capacity limits were not visible on the dashboards\n- The runbook did not cover this failure mode",
    "went_well": "Alerting fired within minutes and the bridge assembled quickly.",
    "went_poorly": "It took a while to find which dependency was saturated.",
    "got_lucky": "The incident started outside the month-end invoice run.",
}


def _review(session: Session, key: str, index: int, published: bool) -> int:
    """Write the review of incident `key`; its action items; publish it when `published`."""
    review = reviews.get(session, actor=REVIEWER, key=key)
    resolved = reviews.read(session, review).facts.timestamps["resolved_at"] or clock.now()
    raised = 0
    with clock.standing_at(resolved + timedelta(days=2)):
        reviews.update(
            session,
            actor=REVIEWER,
            key=key,
            data=review_schemas.ReviewUpdate(
                version=review.version,
                summary=f"{review.title}: service restored after the workaround was applied.",
                **SECTIONS,
            ),
        )
        for offset, (title, kind, squad) in enumerate(AGREED[: 2 + index % 2]):
            data = review_schemas.ReviewAction(
                title=title, kind=kind, owner_squad=squad or review.owner_squad
            )
            item = reviews.add_action(session, actor=REVIEWER, key=key, data=data)
            raised += 1
            if published and (index + offset) % 3 != 2:
                _complete(session, item.key, verify=True)
    if published:
        with clock.standing_at(resolved + timedelta(days=3 + index % 5)):
            reviews.transition(
                session,
                actor=REVIEWER,
                key=key,
                move=ReviewMove.SUBMIT,
                data=review_schemas.ReviewMove(),
            )
            reviews.transition(
                session,
                actor=MANAGER,
                key=key,
                move=ReviewMove.PUBLISH,
                data=review_schemas.ReviewMove(),
            )
    return raised


def _squad_items(session: Session, now: datetime) -> int:
    """Everyday items from incidents and audits: some overdue, one won't do awaiting acceptance."""
    items = (
        (
            "Rotate the ERP connector's Vault token before it expires",
            "integration",
            -12,
            Source.AUDIT_FINDING,
            "AUD-14",
        ),
        (
            "Document the supplier portal rollback procedure",
            "supplier-experience",
            -3,
            Source.READINESS,
            "RDY-3",
        ),
        ("Load-test checkout at twice last year's peak", "checkout", 20, Source.DRILL, "DR-2"),
    )
    for title, squad, due_in, source, ref in items:
        data = action_schemas.ActionCreate(
            title=title,
            owner_squad=squad,
            source_type=source,
            source_key=ref,
            due_on=(now + timedelta(days=due_in)).date(),
        )
        with clock.standing_at(now - timedelta(days=30)):
            item = actions.create(session, actor=MANAGER, data=data)
    actions.transition(
        session,
        actor=ENGINEER,
        key=item.key,
        move=ActionMove.REQUEST_WONT_DO,
        data=action_schemas.ActionMove(
            reason="Identity provider migration replaces the sync in Q2"
        ),
    )
    return len(items)


def load(session: Session, *, actor: Principal, now: datetime) -> dict[str, int]:
    """Record reviews, problems and action items up to `now`; nothing when problems exist."""
    if problems.search(session, actor=actor, limit=1).items:
        return {}
    now = now.astimezone(UTC)
    waiting = [r.key for r in reviews.search(session, actor=actor, limit=500).items]
    counts = {"reviews": len(waiting), "action items": 0, "problems": 0}
    # Newest first: the latest is still a draft, the one before waits in review (overdue by
    # now), the rest are published.
    for index, key in enumerate(waiting):
        counts["action items"] += _review(session, key, index, published=index > 1)
    with clock.standing_at(now - timedelta(days=60)):
        for spec in PROBLEMS:
            _problem(session, actor, spec)
            counts["problems"] += 1
            counts["action items"] += 1
    counts["action items"] += _squad_items(session, now)
    return counts

"""Recurring incidents: alike incidents on one service within the recurrence window are
proposed as a problem once; an operations team accepts (a problem is created) or dismisses
the proposal, and either decision is remembered."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.improvement import service as settings
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import IncidentResolved
from opsroom.infra import clock
from opsroom.infra.errors import Conflict, NotFound
from opsroom.problems import domain, schemas
from opsroom.problems.models import Problem, ProblemIncident, RecurrenceProposal
from opsroom.problems.service import PREFIX, create

PROPOSED, ACCEPTED, DISMISSED = "proposed", "accepted", "dismissed"


def _linked_incidents(session: Session) -> set[str]:
    return {f"INC-{n}" for n in session.scalars(select(ProblemIncident.incident_number))}


def _occurrences(
    session: Session, actor: Principal, services: Sequence[str], since: Any
) -> list[domain.Occurrence]:
    found = []
    for slug in services:
        page = incidents.search(session, actor=actor, service=slug, detected_from=since, limit=500)
        found += [domain.Occurrence(i.key, slug, i.title, i.detected_at) for i in page.items]
    return found


def detect_recurring(
    session: Session, *, actor: Principal, services: Sequence[str] | None = None
) -> list[RecurrenceProposal]:
    """Propose a problem for each new group of alike incidents recurring on a service."""
    require(actor, Action.WORK_INCIDENTS)
    rule = settings.current(session).recurrence
    slugs = services if services is not None else [s.slug for s in catalog.all_services(session)]
    linked = _linked_incidents(session)
    seen = [
        o
        for o in _occurrences(session, actor, slugs, clock.now() - rule.window)
        if o.key not in linked
    ]
    earlier = [frozenset(p.incident_keys) for p in session.scalars(select(RecurrenceProposal))]
    pending: list[RecurrenceProposal] = list(session.scalars(_filtered(PROPOSED)))
    proposals = []
    for group in domain.recurring(seen, rule):
        group_keys = frozenset(o.key for o in group)
        if domain.already_proposed(group_keys, earlier):
            continue
        earlier.append(group_keys)
        shared = domain.sharing(group_keys, [frozenset(p.incident_keys) for p in pending])
        if shared is None:
            pending.append(_propose(session, actor, group))
            proposals.append(pending[-1])
        else:
            proposals.append(_grow(session, actor, pending[shared], group))
    return proposals


def _grow(
    session: Session,
    actor: Principal,
    proposal: RecurrenceProposal,
    group: Sequence[domain.Occurrence],
) -> RecurrenceProposal:
    """Add a group's new incidents to the pending proposal it overlaps."""
    before = list(proposal.incident_keys)
    proposal.incident_keys = before + [o.key for o in group if o.key not in before]
    audit.record(
        session,
        actor=str(actor),
        action="problem.proposal_grown",
        subject_type="problem_proposal",
        subject_key=str(proposal.id),
        before={"incidents": before},
        after={"incidents": proposal.incident_keys},
    )
    return proposal


def _propose(
    session: Session, actor: Principal, group: Sequence[domain.Occurrence]
) -> RecurrenceProposal:
    proposal = RecurrenceProposal(
        service_slug=group[0].service,
        title=f"Recurring on {group[0].service}: {group[-1].title}"[:300],
        incident_keys=[o.key for o in group],
        status=PROPOSED,
    )
    session.add(proposal)
    session.flush()
    audit.record(
        session,
        actor=str(actor),
        action="problem.proposed",
        subject_type="problem_proposal",
        subject_key=str(proposal.id),
        after={"incidents": proposal.incident_keys},
    )
    return proposal


def detect_on_resolve(session: Session, event: IncidentResolved) -> None:
    incident = incidents.find(session, event.key)
    detect_recurring(session, actor=event.actor, services=incident.service_slugs)


def proposals(
    session: Session, *, actor: Principal, status: str | None = PROPOSED
) -> list[RecurrenceProposal]:
    require(actor, Action.READ)
    return list(session.scalars(_filtered(status).order_by(RecurrenceProposal.id.desc())))


def _filtered(status: str | None) -> Select[Any]:
    query = select(RecurrenceProposal)
    return query.where(RecurrenceProposal.status == status) if status else query


def _pending(session: Session, proposal_id: int) -> RecurrenceProposal:
    proposal = session.get(RecurrenceProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no problem proposal {proposal_id}")
    if proposal.status != PROPOSED:
        raise Conflict(
            f"proposal {proposal_id} was already {proposal.status}",
            fields={"status": proposal.status},
        )
    return proposal


def _decide(session: Session, actor: Principal, proposal: RecurrenceProposal, status: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at = status, str(actor), clock.now()
    audit.record(
        session,
        actor=str(actor),
        action=f"problem.proposal_{status}",
        subject_type="problem_proposal",
        subject_key=str(proposal.id),
        before={"status": PROPOSED},
        after={"status": status},
    )


def accept_proposal(session: Session, *, actor: Principal, proposal_id: int) -> Problem:
    require(actor, Action.WORK_INCIDENTS)
    proposal = _pending(session, proposal_id)
    problem = create(
        session,
        actor=actor,
        data=schemas.ProblemCreate(
            title=proposal.title,
            services=[proposal.service_slug],
            incidents=proposal.incident_keys,
            statement=f"{len(proposal.incident_keys)} alike incidents on {proposal.service_slug}.",
        ),
    )
    proposal.problem_number = problem.number
    _decide(session, actor, proposal, ACCEPTED)
    return problem


def dismiss_proposal(session: Session, *, actor: Principal, proposal_id: int) -> RecurrenceProposal:
    """Dismissed proposals are remembered: the same incidents are not proposed again."""
    require(actor, Action.WORK_INCIDENTS)
    proposal = _pending(session, proposal_id)
    _decide(session, actor, proposal, DISMISSED)
    return proposal


def read_proposal(proposal: RecurrenceProposal) -> schemas.ProposalRead:
    return schemas.ProposalRead(
        id=proposal.id,
        service=proposal.service_slug,
        title=proposal.title,
        incidents=proposal.incident_keys,
        status=proposal.status,
        problem=f"{PREFIX}-{proposal.problem_number}" if proposal.problem_number else None,
        decided_by=proposal.decided_by,
        decided_at=proposal.decided_at,
        created_at=proposal.created_at,
    )

"""The demo vendors held to their contracts: Payflow answered one incident in time and
breached another, a P1 it acknowledged 40 minutes late and that took six hours to resolve,
so it owes a service credit; the problem behind that P1 lays its root cause at Payflow's
door; Payflow rolled out two SDK upgrades, one rolled back; its contract is inside its
renewal notice and no longer supports its SDK 2.x (an issue in the register), Nimbus
Cloud's is not. Recorded through the services with the clock moved to each moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Transition
from opsroom.infra import clock
from opsroom.problems import schemas as problem_schemas
from opsroom.problems import service as problems
from opsroom.vendors import contracts, schemas, service
from opsroom.vendors.domain import SupportLevel

RESPONDER = Principal(name="responder@example.com", role=Role.RESPONDER)
MANAGER = Principal(name="om@example.com", role=Role.OPERATIONS_MANAGER)
CONTACT = Principal(name="contact@payflow.example.com", role=Role.VENDOR_CONTACT, vendor="payflow")


@dataclass(frozen=True)
class Engagement:
    days_ago: int
    title: str
    service: str
    urgency: int  # impact 1: urgency 1 makes it a P1, 2 a P2
    acknowledged_after: int  # minutes
    resolved_after: int  # minutes


# (days ago, what Payflow deployed on payments, how it went)
DEPLOYMENTS = (
    (20, "Payflow SDK 3.0 rollout", "rolled_back"),
    (16, "Payflow SDK 3.0.1 rollout", "succeeded"),
)
SDK_SUPPORT_ENDS = 45  # days from now
STORIES = (
    Engagement(30, "Card payments declined at checkout", "checkout-service", 2, 10, 120),
    Engagement(9, "Supplier payouts stuck in Payflow's queue", "payments", 1, 55, 360),
)
CONTRACTS = (
    ("payflow", -400, 60, SupportLevel.PREMIUM),
    ("nimbus-cloud", -700, 400, SupportLevel.ENTERPRISE),
)


def load(session: Session, *, now: datetime) -> dict[str, int]:
    """Load the demo engagements and contracts; none when Payflow was ever engaged."""
    if service.engaged_ever(session, vendor="payflow"):
        return {"vendor engagements": 0, "vendor contracts": 0}
    keys = [_play(session, story, now - timedelta(days=story.days_ago)) for story in STORIES]
    for days_ago, summary, outcome in DEPLOYMENTS:
        _deployed(session, now - timedelta(days=days_ago), summary, outcome)
    _root_cause(session, keys[-1], now - timedelta(days=5))
    for slug, started, ends, level in CONTRACTS:
        _contract(session, slug, now.date(), started, ends, level)
    return {"vendor engagements": len(STORIES), "vendor contracts": len(CONTRACTS)}


def _play(session: Session, story: Engagement, declared_at: datetime) -> str:
    data = incident_schemas.IncidentCreate(
        title=story.title, impact=1, urgency=story.urgency, services=[story.service]
    )
    with clock.standing_at(declared_at):
        key = incidents.declare(session, actor=RESPONDER, data=data).key
    with clock.standing_at(declared_at + timedelta(minutes=5)):
        choice = schemas.EngagementIn(vendor="payflow")
        engagement = service.engage(session, actor=RESPONDER, key=key, data=choice).id
    with clock.standing_at(declared_at + timedelta(minutes=5 + story.acknowledged_after)):
        service.acknowledge(session, actor=CONTACT, engagement_id=engagement)
    with clock.standing_at(declared_at + timedelta(minutes=5 + story.resolved_after)):
        move = incident_schemas.TransitionIn()
        incidents.transition(session, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=move)
    return key


def _deployed(session: Session, at: datetime, summary: str, outcome: str) -> None:
    data = change_schemas.PipelineEvent.model_validate(
        {"service": "payments", "summary": summary, "outcome": outcome, "vendor": "payflow"}
    )
    with clock.standing_at(at):
        changes.record_deployment(session, actor=RESPONDER, data=data)


def _root_cause(session: Session, incident: str, at: datetime) -> None:
    """The problem behind the P1: Payflow's payout queue, by the root cause analysis."""
    data = problem_schemas.ProblemCreate(
        title="Supplier payouts stall when Payflow's payout queue backs up",
        services=["payments"],
        vendor="payflow",
        incidents=[incident],
    )
    with clock.standing_at(at):
        problem = problems.create(session, actor=RESPONDER, data=data)
        rca = problem_schemas.RcaIn(
            version=problem.version,
            root_cause="Payflow's payout queue stopped draining after its failover; their "
            "monitoring did not page them.",
        )
        problems.record_rca(session, actor=RESPONDER, key=problem.key, data=rca)


def _contract(
    session: Session, slug: str, today: date, started: int, ends: int, level: SupportLevel
) -> None:
    sdk = schemas.OutOfSupportIn(
        component="Payflow SDK 2.x", ends_on=today + timedelta(days=SDK_SUPPORT_ENDS)
    )
    data = schemas.ContractIn(
        starts_on=today + timedelta(days=started),
        ends_on=today + timedelta(days=ends),
        support_level=level,
        out_of_support=[sdk] if slug == "payflow" else [],
    )
    contracts.set_contract(session, actor=MANAGER, slug=slug, data=data)

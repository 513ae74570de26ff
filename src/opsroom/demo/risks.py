"""The demo platform's risk and issue registers: risks across categories with their scores,
some treated by mitigations, one accepted until spring, one whose review is overdue, those
the incident history shows materialised linked to their incidents; and the issues beside
them (an expiring certificate, a database out of vendor support)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.incidents import service as incidents
from opsroom.risks import issues, links, reports, schemas
from opsroom.risks import service as risks
from opsroom.risks.domain import IssueTransition, Status, Transition, Treatment

MANAGER = Principal(
    name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=frozenset({"procurement"})
)
MATERIALISED_PER_RISK = 3


@dataclass(frozen=True)
class DemoRisk:
    title: str
    category: str
    squad: str
    inherent: tuple[int, int]
    current: tuple[int, int]
    target: tuple[int, int]
    services: list[str] = field(default_factory=list)
    journeys: list[str] = field(default_factory=list)
    vendors: list[str] = field(default_factory=list)
    treatment: Treatment = Treatment.MITIGATE
    plan: str = ""
    status: Status = Status.TREATING
    mitigation: str = ""
    review_in_days: int = 60
    materialised_on: str | None = None  # link the history's incidents on this service


REGISTER = (
    DemoRisk(
        "Single primary for the core PostgreSQL cluster",
        "availability",
        "platform-sre",
        (4, 5),
        (3, 5),
        (1, 4),
        services=["postgres-core"],
        journeys=["requisition-to-po"],
        plan="Synchronous replica in a second zone, automated failover drilled quarterly.",
        mitigation="Add a synchronous replica with automated failover",
        materialised_on="postgres-core",
    ),
    DemoRisk(
        "Payment provider outage stops supplier payments",
        "vendor",
        "invoicing-payments",
        (3, 5),
        (3, 4),
        (2, 3),
        services=["payments"],
        journeys=["invoice-to-payment"],
        vendors=["payflow"],
        treatment=Treatment.TRANSFER,
        plan="Contractual SLA credits; a second provider for urgent payment runs.",
        mitigation="Contract a fallback provider for urgent payment runs",
        materialised_on="payments",
    ),
    DemoRisk(
        "Search index rebuild exhausts the cluster during peak",
        "capacity",
        "catalog-search",
        (4, 3),
        (4, 3),
        (2, 2),
        services=["search-index", "catalog-indexer"],
        journeys=["catalog-search-and-buy"],
        plan="Rebuild incrementally and outside peak hours.",
        materialised_on="search-index",
    ),
    DemoRisk(
        "Legacy LDAP sync keeps stale leaver accounts",
        "security",
        "identity-access",
        (3, 4),
        (3, 3),
        (1, 3),
        services=["legacy-ldap-sync"],
        status=Status.ASSESSED,
        review_in_days=-5,  # its review is overdue
        plan="Retire the sync once the identity provider owns every directory.",
        mitigation="Replace the legacy LDAP sync with SCIM provisioning",
    ),
    DemoRisk(
        "Tax engine rules lag behind e-invoicing mandates",
        "compliance",
        "invoicing-payments",
        (2, 4),
        (2, 3),
        (2, 3),
        services=["tax-engine", "e-invoicing-hub"],
        vendors=["taxora"],
        treatment=Treatment.ACCEPT,
        status=Status.ACCEPTED,
        plan="The vendor ships mandate updates each quarter; we accept the gap between.",
    ),
    DemoRisk(
        "Only two engineers can operate the EDI gateway",
        "people",
        "integration",
        (3, 3),
        (3, 3),
        (1, 3),
        services=["edi-gateway"],
        status=Status.IDENTIFIED,
        plan="Runbooks and pairing on every EDI change.",
    ),
    # Commerce's own register: checkout leans on procurement's pricing service.
    DemoRisk(
        "Carts cannot be priced while procurement's pricing service is down",
        "availability",
        "checkout",
        (3, 5),
        (3, 4),
        (1, 4),
        services=["cart-service", "pricing-service"],
        status=Status.ASSESSED,
        plan="Price carts from a cached price list when the pricing service does not answer.",
    ),
)

ISSUES = (
    ("TLS certificate of the supplier portal expires", "supplier-experience", 12, ""),
    (
        "Finance PostgreSQL runs a version out of vendor support",
        "platform-sre",
        -3,
        "om@example.com",
    ),
    ("Document archive retention policy unset for new invoices", "data-platform", 30, ""),
)


def _raise(session: Session, actor: Principal, spec: DemoRisk, now: datetime) -> str:
    data = schemas.RiskCreate(
        title=spec.title,
        category=spec.category,
        owner_squad=spec.squad,
        inherent_likelihood=spec.inherent[0],
        inherent_impact=spec.inherent[1],
        current_likelihood=spec.current[0],
        current_impact=spec.current[1],
        target_likelihood=spec.target[0],
        target_impact=spec.target[1],
        services=spec.services,
        journeys=spec.journeys,
        vendors=spec.vendors,
        treatment=spec.treatment,
        treatment_plan=spec.plan,
        review_on=(now + timedelta(days=spec.review_in_days)).date(),
    )
    return risks.create(session, actor=actor, data=data).key


def _work(session: Session, actor: Principal, key: str, spec: DemoRisk, now: datetime) -> None:
    moves = {
        Status.IDENTIFIED: (),
        Status.ASSESSED: (Transition.ASSESS,),
        Status.TREATING: (Transition.ASSESS, Transition.TREAT),
        Status.ACCEPTED: (Transition.ASSESS,),
    }[spec.status]
    for move in moves:
        risks.transition(session, actor=actor, key=key, move=move, data=schemas.RiskMove())
    if spec.status is Status.ACCEPTED:
        until = (now + timedelta(days=120)).date()
        acceptance = schemas.AcceptanceIn(until=until, reason=spec.plan)
        risks.accept(session, actor=MANAGER, key=key, data=acceptance)
    if spec.mitigation:
        mitigation = schemas.MitigationIn(title=spec.mitigation)
        risks.mitigate(session, actor=actor, key=key, data=mitigation)


def _materialised(session: Session, actor: Principal, key: str, service: str | None) -> int:
    if service is None:
        return 0
    seen = incidents.search(session, actor=actor, service=service, limit=MATERIALISED_PER_RISK)
    for incident in seen.items:
        links.link(session, actor=actor, key=key, record=incident.key)
    return len(seen.items)


def load(session: Session, *, actor: Principal, now: datetime) -> dict[str, int]:
    """The registers, unless there is a risk already; how many of each were made."""
    if reports.register(session, actor=actor):
        return {}
    linked = 0
    for spec in REGISTER:
        key = _raise(session, actor, spec, now)
        _work(session, actor, key, spec, now)
        linked += _materialised(session, actor, key, spec.materialised_on)
    for title, squad, due_in, escalate_to in ISSUES:
        data = schemas.IssueCreate(
            title=title, owner_squad=squad, due_on=(now + timedelta(days=due_in)).date()
        )
        issue = issues.create(session, actor=actor, data=data)
        if escalate_to:
            move = schemas.IssueMove(to=escalate_to, reason="no upgrade window agreed yet")
            issues.transition(
                session, actor=actor, key=issue.key, move=IssueTransition.ESCALATE, data=move
            )
    return {"risks": len(REGISTER), "risk links": linked, "issues": len(ISSUES)}

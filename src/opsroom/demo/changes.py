"""The demo change calendar: a freeze for the coming year-end peak, standard templates,
weeks of past changes (a few failed, linked to the demo incidents they caused) and the
changes coming up, some waiting for approval and two that collide.

Everything is placed relative to `now`, played through the services with the clock standing
at each step, and loaded once (nothing happens when changes exist)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.catalog import service as catalog
from opsroom.changes import governance, schemas
from opsroom.changes import service as changes
from opsroom.changes.domain import ChangeType, Status, Transition
from opsroom.incidents import domain as incidents_domain
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.errors import Conflict

IMPLEMENTER = "responder@example.com"
PROCUREMENT_MANAGER = frozenset({"procurement"})  # the platforms they govern
MANAGER = Principal(
    name="om@example.com", role=Role.OPERATIONS_MANAGER, platforms=PROCUREMENT_MANAGER
)
# The board sits for both platforms.
BOARD = frozenset({"procurement", "commerce"})
# The change advisory board and the operations manager, after the squad leads.
MANAGERS = (
    MANAGER,
    Principal(name="admin@example.com", role=Role.ADMIN),
    Principal(name="cab.chair@example.com", role=Role.OPERATIONS_MANAGER, platforms=BOARD),
    Principal(name="cab.architecture@example.com", role=Role.OPERATIONS_MANAGER, platforms=BOARD),
    Principal(name="cab.security@example.com", role=Role.OPERATIONS_MANAGER, platforms=BOARD),
)


@dataclass(frozen=True)
class Story:
    title: str
    service: str
    days: float  # when it starts, from now (negative: in the past)
    hours: float = 1.0
    ends_as: Status = Status.COMPLETED
    type: ChangeType = ChangeType.NORMAL
    rollback: str = "Redeploy the previous release from the pipeline (about 10 minutes)."


PAST = (
    Story("Upgrade the ingress controller to 1.11", "api-gateway", -41, 2),
    Story("Rotate the CDN certificates", "cdn-waf", -36, 0.5, type=ChangeType.STANDARD),
    Story("Reindex the catalog with the new analyser", "search-index", -33, 3),
    Story("PostgreSQL minor upgrade 16.3 to 16.4", "postgres-core", -29, 2),
    Story("Pricing rules for the new framework agreements", "pricing-service", -24),
    Story("Purchase order PDF layout v2", "purchase-orders", -20, ends_as=Status.ROLLED_BACK),
    Story("Redis cluster resharding", "redis-cache", -15, 2),
    Story("Invoice matching tolerance to 2 %", "invoice-matching", -11),
    Story("Checkout: new address validation", "checkout-service", -8, ends_as=Status.FAILED),
    Story("Payment run scheduling moved to 05:00", "payments", -4),
    Story(
        "Feature flag: one-page checkout to 50 %",
        "feature-flags",
        -2,
        0.25,
        type=ChangeType.STANDARD,
    ),
)
UPCOMING = (
    Story("Cart service: session store on Redis 7", "cart-service", 2, 2, ends_as=Status.SCHEDULED),
    Story("Commerce database failover test", "commerce-db", 2.05, 3, ends_as=Status.SCHEDULED),
    Story("Approval workflow: delegation rules", "approvals-workflow", 6, ends_as=Status.SUBMITTED),
    Story("Search API rate limits", "search-api", 9, ends_as=Status.APPROVED),
    Story("Kubernetes node pool to 1.31", "kubernetes-platform", 13, 4, ends_as=Status.SUBMITTED),
    Story("Tax engine rates for next year", "tax-engine", 20, ends_as=Status.DRAFT),
)
TEMPLATES = (
    schemas.TemplateCreate(
        slug="certificate-rotation",
        name="Certificate rotation",
        max_minutes=60,
        services=["cdn-waf", "api-gateway"],
        description="Rotate TLS certificates from the vault.",
    ),
    schemas.TemplateCreate(
        slug="feature-flag-rollout",
        name="Feature flag rollout step",
        max_minutes=30,
        services=["feature-flags"],
        description="Move a flag's rollout percentage one step.",
    ),
)


def peak(today: date) -> tuple[date, date]:
    """The year-end peak still ahead or going on: 14 December to 4 January."""
    for year in (today.year - 1, today.year):
        start, end = date(year, 12, 14), date(year + 1, 1, 4)
        if end >= today:
            return start, end
    raise AssertionError("unreachable: this year's peak ends next year")


def _leads(session: Session, squads: list[str]) -> list[Principal]:
    """The squad leads named in the catalog, as the approvers they are."""
    return [
        Principal(name=m.email, role=Role.SQUAD_LEAD, squads=frozenset({squad}))
        for squad in dict.fromkeys(squads)
        for m in catalog.get_squad(session, squad).members
        if m.role == "squad lead"
    ]


def _approvers(session: Session, read: schemas.ChangeRead) -> list[Principal]:
    """The change's squad lead, the leads of the squads owning its journeys, then managers."""
    journeys = [
        r.partition(":")[2] for r in read.required_approvals if r.startswith("journey_owner:")
    ]
    owners = [catalog.get_journey(session, j).owner.slug for j in journeys]
    return [*_leads(session, [read.squad, *owners]), *MANAGERS]


def _approve_all(session: Session, key: str) -> None:
    read = changes.read(changes.get(session, actor=MANAGER, key=key))
    for person in _approvers(session, read):
        if not changes.read(changes.get(session, actor=MANAGER, key=key)).outstanding_approvals:
            return
        try:
            changes.approve(session, actor=person, key=key, data=schemas.DecisionIn())
        except Conflict:
            continue  # nothing left that is theirs to give


def _submit(session: Session, key: str) -> None:
    engineer = Principal(name=IMPLEMENTER, role=Role.RESPONDER)
    try:
        changes.submit(session, actor=engineer, key=key, data=schemas.TransitionIn())
    except Conflict:  # inside the freeze: the operations manager lets it through
        reason = schemas.ExceptionIn(reason="Agreed in the change advisory board: cannot wait.")
        changes.grant_exception(session, actor=MANAGER, key=key, data=reason)
        changes.submit(session, actor=engineer, key=key, data=schemas.TransitionIn())


CAUSES = 3  # the most recent resolved major incidents a release caused
CAUSED = (incidents_domain.Status.RESOLVED, incidents_domain.Status.CLOSED)
LATER = (Transition.START, Transition.COMPLETE)
ENDINGS = {
    Status.FAILED: (Transition.START, Transition.FAIL),
    Status.ROLLED_BACK: (Transition.START, Transition.FAIL, Transition.ROLL_BACK),
}


def _play(session: Session, story: Story, now: datetime) -> None:
    start = (now + timedelta(days=story.days)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=story.hours)
    squad = catalog.get_service(session, story.service).owner.slug
    data = schemas.ChangeCreate(
        title=story.title,
        services=[story.service],
        squad=squad,
        type=story.type,
        implementer=IMPLEMENTER,
        planned_start=start,
        planned_end=end,
        rollback_plan=story.rollback,
        template=next((t.slug for t in TEMPLATES if story.service in t.services), None)
        if story.type is ChangeType.STANDARD
        else None,
    )
    with clock.standing_at(min(start, now) - timedelta(days=2)):
        key = changes.create(session, actor=MANAGER, data=data).key
        if story.ends_as is Status.DRAFT:
            return
        _submit(session, key)
        if story.ends_as is not Status.SUBMITTED:
            _approve_all(session, key)
    _run(session, key, story, start, end)


def _run(session: Session, key: str, story: Story, start: datetime, end: datetime) -> None:
    if story.ends_as in (Status.APPROVED, Status.SUBMITTED, Status.DRAFT):
        return
    with clock.standing_at(start - timedelta(hours=20)):
        _move(session, key, Transition.SCHEDULE)
    if story.ends_as is Status.SCHEDULED:
        return
    moves = ENDINGS.get(story.ends_as, LATER)
    for i, move in enumerate(moves):
        with clock.standing_at(start if i == 0 else end):
            _move(session, key, move)


def _move(session: Session, key: str, move: Transition) -> None:
    engineer = Principal(name=IMPLEMENTER, role=Role.RESPONDER)
    changes.transition(session, actor=engineer, key=key, move=move, data=schemas.TransitionIn())


def _freeze(session: Session, now: datetime) -> None:
    starts, ends = peak(now.date())
    data = schemas.FreezeCreate(
        slug=f"year-end-{starts.year}",
        name=f"Year-end peak {starts.year}",
        starts_on=starts,
        ends_on=ends,
        timezone="Europe/Amsterdam",
        platforms=["procurement"],
        reason="Year-end ordering and invoicing peak: only emergency changes, or exceptions agreed by the operations manager.",
    )
    governance.create_freeze(session, actor=MANAGER, data=data)


def _causes(session: Session, now: datetime) -> None:
    """Deployments shortly before some demo incidents: the resolved major ones were caused by
    theirs; the one going on now has a suspect nobody has judged yet."""
    majors = incidents.search(session, actor=MANAGER, major=True, limit=50).items
    caused = [i for i in majors if i.status in CAUSED][:CAUSES]
    for incident in [*caused, *(i for i in majors if i.status in incidents_domain.OPEN)]:
        impact = incident.impact_started_at or incident.detected_at
        deployed = changes.record_deployment(
            session,
            actor=Principal(name="pipeline:deploy", role=Role.RESPONDER),
            data=schemas.PipelineEvent(
                service=incident.service_slugs[0],
                summary=f"Release of {incident.service_slugs[0]}",
                pipeline="deploy",
                started_at=impact - timedelta(minutes=95),
                finished_at=impact - timedelta(minutes=80),
            ),
        )
        if incident.status in CAUSED:
            cause = schemas.CauseIn(incident=incident.key)
            with clock.standing_at(incident.resolved_at or now):
                changes.mark_cause(session, actor=MANAGER, key=deployed.key, data=cause)


def load(session: Session, *, now: datetime) -> int:
    """Load the demo changes up to `now`; how many it created (none when changes exist)."""
    if changes.search(session, actor=MANAGER, limit=1).items:
        return 0
    now = now.astimezone(UTC)
    with clock.standing_at(now - timedelta(days=60)):
        _freeze(session, now)
        for template in TEMPLATES:
            governance.create_template(session, actor=MANAGER, data=template)
    for story in (*PAST, *UPCOMING):
        _play(session, story, now)
    _causes(session, now)
    return len(changes.search(session, actor=MANAGER, limit=500).items)

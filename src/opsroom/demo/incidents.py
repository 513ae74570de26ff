"""Four months of believable incidents on the demo platforms, recorded through the incident
service itself (with the clock moved to each moment), so every timeline, audit entry and KPI
timestamp is exactly what the product records when people work incidents for real.

The history is the same on every load (a seeded random generator) relative to `now`, and
ends with one major incident still open, so the banner and the SLA clocks show at once."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from opsroom.auth import service as accounts
from opsroom.auth.domain import Principal, Role
from opsroom.auth.schemas import UserCreate
from opsroom.catalog import service as catalog
from opsroom.demo.incident_stories import (
    COMMANDERS,
    COMMUNICATIONS_LEADS,
    MAJOR_DAYS_AGO,
    MAJOR_STORIES,
    NOTES,
    ON_CALL,
    OPEN_MAJOR,
    OPEN_MAJOR_AGE,
    PEOPLE,
    SCRIBES,
    TROUBLES,
    Story,
    Trouble,
)
from opsroom.incidents import policy, schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, LinkKind, Policy, Priority, Transition
from opsroom.incidents.domain import Role as IncidentRole
from opsroom.infra import clock
from opsroom.infra.errors import NotFound

SEED = 20_261_102
HISTORY_DAYS = 120
MINOR_INCIDENTS = 150
BRIDGE_URL = "https://meet.example.com/major-incident-bridge"

# priority -> minutes to acknowledge, minutes to resolve (ranges drawn from uniformly)
PACE = {
    Priority.P1: ((3, 12), (60, 240)),
    Priority.P2: ((4, 25), (120, 420)),
    Priority.P3: ((10, 180), (240, 2880)),
    Priority.P4: ((60, 1200), (1440, 11520)),
    Priority.P5: ((120, 4320), (2880, 20160)),
}
MINOR_MIX = {Priority.P2: 8, Priority.P3: 33, Priority.P4: 35, Priority.P5: 24}
BREACH_SHARE = 0.06
CANCEL_SHARE = 0.07  # of P4 and P5 incidents
FALSE_ALARM = "False alarm: the check was misconfigured"
RECURRED = "Recurred: the same symptoms are back"
REOPENED = 2


# --- a plan per incident: what happens when, and who does it --------------------------------


@dataclass
class Run:
    session: Session
    people: dict[str, Principal]
    keys: dict[int, str] = field(default_factory=dict)  # plan index -> incident key
    tasks: dict[tuple[int, str], int] = field(default_factory=dict)


Act = Callable[[Run], object]


@dataclass(frozen=True)
class Step:
    at: datetime
    plan: int
    order: int
    act: Act


@dataclass
class Plan:
    """One incident's life as timed steps; every step is a call to the incident service."""

    index: int
    detected_at: datetime
    services: tuple[str, ...]
    steps: list[Step] = field(default_factory=list)

    def _add(self, at: datetime, act: Act) -> datetime:
        self.steps.append(Step(at, self.index, len(self.steps), act))
        return at

    def declare(self, at: datetime, who: str, data: schemas.IncidentCreate) -> datetime:
        def act(run: Run) -> None:
            incident = incidents.declare(run.session, actor=run.people[who], data=data)
            run.keys[self.index] = incident.key

        return self._add(at, act)

    def move(
        self, at: datetime, who: str, move: Transition, note: str = "", commander: str | None = None
    ) -> datetime:
        data = schemas.TransitionIn(note=note, commander=commander)
        return self._add(
            at,
            lambda run: incidents.transition(
                run.session, actor=run.people[who], key=run.keys[self.index], move=move, data=data
            ),
        )

    def note(self, at: datetime, who: str, text: str) -> datetime:
        return self._add(
            at,
            lambda run: incidents.add_note(
                run.session, actor=run.people[who], key=run.keys[self.index], text=text
            ),
        )

    def update(self, at: datetime, who: str, audience: Audience, body: str) -> datetime:
        data = schemas.StatusUpdateIn(audience=audience, body=body)
        return self._add(
            at,
            lambda run: incidents.post_status_update(
                run.session, actor=run.people[who], key=run.keys[self.index], data=data
            ),
        )

    def role(self, at: datetime, who: str, role: IncidentRole, person: str) -> datetime:
        data = schemas.RoleIn(role=role, person=person)
        return self._add(
            at,
            lambda run: incidents.assign_role(
                run.session, actor=run.people[who], key=run.keys[self.index], data=data
            ),
        )

    def vendor(self, at: datetime, who: str, vendor: str) -> datetime:
        data = schemas.ParticipantIn(kind="vendor", ref=vendor)
        return self._add(
            at,
            lambda run: incidents.add_participant(
                run.session, actor=run.people[who], key=run.keys[self.index], data=data
            ),
        )

    def link(self, at: datetime, who: str, kind: LinkKind, other: Plan) -> datetime:
        return self._add(
            at,
            lambda run: incidents.link(
                run.session,
                actor=run.people[who],
                key=run.keys[self.index],
                data=schemas.LinkIn(kind=kind, to=run.keys[other.index]),
            ),
        )

    def task(self, at: datetime, who: str, title: str, assignee: str) -> datetime:
        def act(run: Run) -> None:
            data = schemas.TaskIn(title=title, assignee=assignee)
            task = incidents.add_task(
                run.session, actor=run.people[who], key=run.keys[self.index], data=data
            )
            run.tasks[(self.index, title)] = task.id

        return self._add(at, act)

    def task_done(self, at: datetime, who: str, title: str) -> datetime:
        return self._add(
            at,
            lambda run: incidents.set_task_done(
                run.session,
                actor=run.people[who],
                key=run.keys[self.index],
                task_id=run.tasks[(self.index, title)],
                done=True,
            ),
        )

    def correct_impact_start(
        self, at: datetime, who: str, started: datetime, reason: str
    ) -> datetime:
        def act(run: Run) -> None:
            key = run.keys[self.index]
            version = incidents.get(run.session, actor=run.people[who], key=key).version
            data = schemas.TimestampCorrection(
                version=version, reason=reason, impact_started_at=started
            )
            incidents.correct_timestamps(run.session, actor=run.people[who], key=key, data=data)

        return self._add(at, act)


# --- the catalog facts a plan needs ---------------------------------------------------------


@dataclass(frozen=True)
class World:
    rng: random.Random
    now: datetime
    owners: dict[str, str]  # service -> owner squad
    vendors: dict[str, str]  # service -> a vendor that runs or supports it
    rules: Policy

    def levels(self, p: Priority) -> list[tuple[int, int]]:
        """The (impact, urgency) pairs that give priority `p`."""
        return sorted(pair for pair, given in self.rules.matrix.items() if given == p)

    def on_call(self, services: tuple[str, ...]) -> str:
        return ON_CALL[self.owners[services[0]]][0]

    def vendor_of(self, services: tuple[str, ...]) -> str | None:
        return next((self.vendors[s] for s in services if s in self.vendors), None)

    def minutes(self, bounds: tuple[float, float]) -> timedelta:
        return timedelta(minutes=self.rng.uniform(*bounds))


def _world(session: Session, now: datetime) -> World:
    vendors = {
        link.service.slug: vendor.slug
        for vendor in catalog.list_vendors(session)
        for link in vendor.services
    }
    used = {s for t in (*TROUBLES, *(s.duplicate for s in MAJOR_STORIES)) for s in t.services}
    used |= {s for story in (*MAJOR_STORIES, OPEN_MAJOR) for s in story.services}
    owners = {slug: catalog.get_service(session, slug).owner.slug for slug in sorted(used)}
    return World(random.Random(SEED), now, owners, vendors, policy.current(session))


# --- everyday incidents -----------------------------------------------------------------------


def _detection_times(world: World) -> list[datetime]:
    """Mostly in working hours, spread over the history, none in the last two hours."""
    latest, times = world.now - timedelta(hours=2), list[datetime]()
    while len(times) < MINOR_INCIDENTS:
        day = (world.now - timedelta(days=world.rng.randrange(HISTORY_DAYS))).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        working = world.rng.random() < 0.7
        at = day + timedelta(
            hours=world.rng.uniform(7, 19) if working else world.rng.uniform(0, 24)
        )
        if at <= latest:
            times.append(at)
    return sorted(times)


def _minor_priority(world: World, detected_at: datetime) -> Priority:
    """Major incidents in the history are all over: none from the last two days."""
    p = world.rng.choices(list(MINOR_MIX), weights=list(MINOR_MIX.values()))[0]
    recent = detected_at > world.now - timedelta(days=2)
    return Priority.P3 if p is Priority.P2 and recent else p


def _resolution_delay(world: World, p: Priority) -> timedelta:
    """Within the priority's usual range, except for the odd SLA breach."""
    target = world.rules.resolution_target.get(p)
    if target is not None and world.rng.random() < BREACH_SHARE:
        return target * world.rng.uniform(1.1, 1.6)
    return world.minutes(PACE[p][1])


def _declared(plan: Plan, world: World, who: str, p: Priority, title: str) -> datetime:
    impact, urgency = world.rng.choice(world.levels(p))
    started = plan.detected_at - world.minutes((1, 20)) if world.rng.random() < 0.4 else None
    data = schemas.IncidentCreate(
        title=title,
        services=list(plan.services),
        impact=impact,
        urgency=urgency,
        detected_at=plan.detected_at,
        impact_started_at=started,
    )
    return plan.declare(plan.detected_at + world.minutes((0.5, 4)), who, data)


def _minor(plan: Plan, world: World, trouble: Trouble, p: Priority, reopen: bool) -> None:
    who = world.on_call(trouble.services)
    commander = world.rng.choice(COMMANDERS)[0] if p is Priority.P2 else None
    declared = _declared(plan, world, who, p, trouble.title)
    ack_at = declared + world.minutes(PACE[p][0])
    acked = plan.move(ack_at, who, Transition.ACKNOWLEDGE, commander=commander)
    if p >= Priority.P4 and world.rng.random() < CANCEL_SHARE:
        plan.move(acked + world.minutes((5, 30)), who, Transition.CANCEL, note=FALSE_ALARM)
        return
    _worked(plan, world, who, acked, p)
    resolved = _resolved(plan, world, who, acked, p, trouble.fix, reopen)
    if commander is not None:
        body = f"Resolved: {trouble.fix}."
        plan.update(resolved + timedelta(minutes=2), commander, Audience.INTERNAL, body)
    _closed(plan, world, who, resolved)


def _resolved(
    plan: Plan, world: World, who: str, acked: datetime, p: Priority, fix: str, reopen: bool
) -> datetime:
    """Resolved (after `acked`); a reopened one recurs hours later and is resolved again."""
    at = max(acked, plan.detected_at + _resolution_delay(world, p)) + timedelta(minutes=5)
    resolved = plan.move(at, who, Transition.RESOLVE, note=fix)
    if not reopen:
        return resolved
    again = plan.move(resolved + world.minutes((180, 600)), who, Transition.REOPEN, note=RECURRED)
    fixed = f"{fix}; the underlying cause is fixed this time"
    return plan.move(again + world.minutes((60, 240)), who, Transition.RESOLVE, note=fixed)


def _worked(plan: Plan, world: World, who: str, acked: datetime, p: Priority) -> None:
    """Notes, the odd vendor call, and for a P2 an internal status update."""
    at = acked
    for text in world.rng.sample(NOTES, world.rng.randint(0, 2)):
        at = plan.note(at + world.minutes((3, 40)), who, text)
    vendor = world.vendor_of(plan.services)
    if vendor and p <= Priority.P3 and world.rng.random() < 0.6:
        plan.vendor(acked + world.minutes((5, 20)), who, vendor)
    if p is Priority.P2:
        body = "Investigating; impact limited to the affected service. Next update within the hour."
        plan.update(acked + world.minutes((2, 10)), who, Audience.INTERNAL, body)


def _closed(plan: Plan, world: World, who: str, resolved: datetime) -> None:
    if world.rng.random() < 0.08:
        started = plan.detected_at - world.minutes((10, 90))
        reason = "Impact began earlier: first errors in the logs predate the alert"
        plan.correct_impact_start(resolved + world.minutes((20, 120)), who, started, reason)
    plan.move(resolved + timedelta(days=world.rng.uniform(1, 6)), who, Transition.CLOSE)


def _minor_plans(world: World, first_index: int) -> list[Plan]:
    plans, reopened = [], 0
    for index, detected_at in enumerate(_detection_times(world), start=first_index):
        trouble = world.rng.choice(TROUBLES)
        p = _minor_priority(world, detected_at)
        old = detected_at < world.now - timedelta(days=20)
        reopen = p is Priority.P3 and old and reopened < REOPENED
        reopened += reopen
        plan = Plan(index, detected_at, trouble.services)
        _minor(plan, world, trouble, p, reopen)
        plans.append(plan)
    return plans


# --- major incidents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Crew:
    commander: str
    communications: str
    scribe: str
    technical: str


def _crew(world: World, story: Story, n: int) -> Crew:
    return Crew(
        COMMANDERS[n % len(COMMANDERS)][0],
        COMMUNICATIONS_LEADS[n % len(COMMUNICATIONS_LEADS)][0],
        SCRIBES[n % len(SCRIBES)][0],
        world.on_call(story.services),
    )


def _major_opening(plan: Plan, world: World, story: Story, crew: Crew) -> datetime:
    """Declared, acknowledged with a commander, roles filled, vendor called, first updates."""
    data = schemas.IncidentCreate(
        title=story.title,
        services=list(story.services),
        impact=1,
        urgency=1,
        description=f"Users cannot rely on {story.affected}.",
        bridge_url=BRIDGE_URL,
        detected_at=plan.detected_at,
        impact_started_at=plan.detected_at - world.minutes((3, 15)),
    )
    declared = plan.declare(plan.detected_at + world.minutes((1, 3)), crew.technical, data)
    acked = plan.move(
        declared + world.minutes(PACE[Priority.P1][0]),
        crew.technical,
        Transition.ACKNOWLEDGE,
        commander=crew.commander,
    )
    for offset, role, person in (
        (2, IncidentRole.COMMUNICATIONS_LEAD, crew.communications),
        (3, IncidentRole.SCRIBE, crew.scribe),
        (4, IncidentRole.TECHNICAL_LEAD, crew.technical),
    ):
        plan.role(acked + timedelta(minutes=offset), crew.commander, role, person)
    if story.vendor:
        plan.vendor(acked + timedelta(minutes=6), crew.technical, story.vendor)
    plan.update(
        acked + timedelta(minutes=5),
        crew.communications,
        Audience.INTERNAL,
        f"Investigating. Impact: {story.affected}. Bridge open; next update in 30 minutes.",
    )
    plan.update(
        acked + timedelta(minutes=8),
        crew.communications,
        Audience.CUSTOMER,
        f"We are investigating problems with {story.affected}. Next update within 30 minutes.",
    )
    return acked


def _major_work(plan: Plan, crew: Crew, story: Story, start: datetime, end: datetime) -> None:
    """Notes spread between `start` and `end`; tasks handed out, all but the last done."""
    people = (crew.technical, crew.scribe, crew.commander)
    gap = (end - start) / (len(story.notes) + 1)
    for n, text in enumerate(story.notes, start=1):
        plan.note(start + gap * n, people[n % len(people)], text)
    for n, title in enumerate(story.tasks):
        given = plan.task(start + gap * (n + 0.5), crew.commander, title, crew.technical)
        if n < len(story.tasks) - 1:
            plan.task_done(given + (end - given) / 2, crew.technical, title)


def _major(plan: Plan, world: World, story: Story, crew: Crew, related: Plan | None) -> None:
    acked = _major_opening(plan, world, story, crew)
    resolved_at = plan.detected_at + world.minutes(PACE[Priority.P1][1])
    _major_work(plan, crew, story, acked + timedelta(minutes=9), resolved_at - timedelta(minutes=3))
    mitigated_at = acked + (resolved_at - acked) * world.rng.uniform(0.4, 0.7)
    _major_recovery(plan, story, crew, acked, mitigated_at, resolved_at)
    if related is not None:
        plan.link(resolved_at + timedelta(minutes=30), crew.commander, LinkKind.RELATED, related)
    started = plan.detected_at - world.minutes((20, 45))
    reason = "Review timeline: first failed requests in the gateway logs"
    plan.correct_impact_start(resolved_at + timedelta(days=1), crew.commander, started, reason)
    closed_at = resolved_at + timedelta(days=world.rng.uniform(3, 6))
    plan.move(closed_at, crew.commander, Transition.CLOSE)


def _major_recovery(
    plan: Plan, story: Story, crew: Crew, acked: datetime, mitigated: datetime, resolved: datetime
) -> None:
    """Cause found, mitigated, resolved: each step told to the organisation and customers."""
    comms, minute = crew.communications, timedelta(minutes=1)
    cause = f"Cause identified: {story.cause}."
    plan.update(acked + (mitigated - acked) / 2, comms, Audience.INTERNAL, cause)
    plan.move(mitigated, crew.commander, Transition.MITIGATE, note=story.mitigation)
    watching = f"Mitigated: {story.mitigation}. Monitoring before we call it resolved."
    plan.update(mitigated + 2 * minute, comms, Audience.INTERNAL, watching)
    plan.move(resolved, crew.commander, Transition.RESOLVE, note=story.fix)
    plan.update(resolved + 3 * minute, comms, Audience.INTERNAL, f"Resolved: {story.fix}.")
    sorry = f"Resolved: {story.affected} work normally again. We are sorry for the disruption."
    plan.update(resolved + 5 * minute, comms, Audience.CUSTOMER, sorry)


def _duplicate(world: World, index: int, primary: Plan, story: Story, commander: str) -> Plan:
    """The same outage reported on another service, merged into the major incident."""
    trouble = story.duplicate
    plan = Plan(index, primary.detected_at + timedelta(minutes=12), trouble.services)
    who = world.on_call(trouble.services)
    declared = _declared(plan, world, who, Priority.P3, trouble.title)
    plan.link(declared + timedelta(minutes=9), commander, LinkKind.DUPLICATE_OF, primary)
    return plan


def _related(plans: list[Plan], services: tuple[str, ...], before: datetime) -> Plan | None:
    earlier = [p for p in plans if p.detected_at < before and set(p.services) & set(services)]
    return max(earlier, key=lambda p: p.detected_at, default=None)


def _major_plans(world: World, minors: list[Plan], first_index: int) -> Iterator[Plan]:
    index = first_index
    for n, (story, days) in enumerate(zip(MAJOR_STORIES, MAJOR_DAYS_AGO, strict=True)):
        detected_at = world.now - timedelta(days=days, hours=world.rng.uniform(0, 8))
        plan, crew = Plan(index, detected_at, story.services), _crew(world, story, n)
        _major(plan, world, story, crew, _related(minors, story.services, detected_at))
        yield plan
        yield _duplicate(world, index + 1, plan, story, crew.commander)
        index += 2


def _open_major(world: World, minors: list[Plan], index: int) -> Iterator[Plan]:
    """The major incident going on right now: acknowledged, crewed, updates flowing."""
    story, now = OPEN_MAJOR, world.now
    plan, crew = Plan(index, now - OPEN_MAJOR_AGE, story.services), _crew(world, story, 0)
    acked = _major_opening(plan, world, story, crew)
    _major_work(plan, crew, story, acked + timedelta(minutes=7), now - timedelta(minutes=3))
    plan.update(
        now - timedelta(minutes=6),
        crew.communications,
        Audience.INTERNAL,
        f"Cause identified: {story.cause}. Payflow is failing over; next update in 30 minutes.",
    )
    related = _related(minors, story.services, plan.detected_at)
    if related is not None:
        plan.link(now - timedelta(minutes=12), crew.commander, LinkKind.RELATED, related)
    yield plan
    yield _duplicate(world, index + 1, plan, story, crew.commander)


# --- loading --------------------------------------------------------------------------------


def _people(session: Session, actor: Principal) -> dict[str, Principal]:
    """The responders' accounts (created unless they exist), as the principals they act as."""
    people = {}
    for email, name in PEOPLE:
        try:
            user = accounts.get_user(session, email)
        except NotFound:
            data = UserCreate(
                email=email, display_name=name, role=Role.RESPONDER, service_account=True
            )
            user = accounts.create_user(session, actor=actor, data=data, demo=True)
        people[email] = accounts.principal_for(session, user)
    return people


def _play(run: Run, plans: list[Plan], now: datetime) -> None:
    """Every step in time order, with the clock standing at the step's moment."""
    steps = sorted(
        (s for plan in plans for s in plan.steps if s.at <= now),
        key=lambda s: (s.at, s.plan, s.order),
    )
    frozen = clock.FrozenClock(steps[0].at)
    previous = clock.use(frozen)
    try:
        for step in steps:
            frozen.advance(step.at - frozen.now())
            step.act(run)
    finally:
        clock.use(previous)


def load(session: Session, *, actor: Principal, now: datetime) -> int:
    """Record the demo incident history up to `now`; how many incidents it created
    (none when there are incidents already)."""
    if incidents.search(session, actor=actor, limit=1).items:
        return 0
    now = now.astimezone(UTC)
    world = _world(session, now)
    minors = _minor_plans(world, first_index=0)
    plans = [*minors, *_major_plans(world, minors, len(minors))]
    plans += _open_major(world, minors, len(plans))
    run = Run(session, _people(session, actor))
    _play(run, plans, now)
    return len(run.keys)

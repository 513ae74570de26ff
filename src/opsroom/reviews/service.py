"""Post-incident reviews: drafted from the incident when it resolves, written together,
published, exported; overdue ones are flagged and their owner reminded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from opsroom.actions import domain as action_rules
from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source, SourceCited
from opsroom.alerts import service as alerts
from opsroom.audit import service as audit
from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.changes import service as changes
from opsroom.improvement import service as settings
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import TIMESTAMPS, IncidentResolved, Priority
from opsroom.incidents.domain import Status as IncidentStatus
from opsroom.infra import clock, events, keys
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.infra.pagination import Page, paginate
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.reviews import domain, schemas
from opsroom.reviews.domain import ReviewPublished, Status, Transition
from opsroom.reviews.models import Review

SUBJECT = "review"
WORKER = "opsroom-worker"
DUE_TIMER = "review.due"
SETTLED = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


def _timer_subject(review: Review) -> str:
    return f"review:{review.key}"


# --- finding ------------------------------------------------------------------------------


def get(session: Session, *, actor: Principal, key: str) -> Review:
    """The review of incident `key` (INC-42)."""
    require(actor, Action.READ)
    query = select(Review)
    return keys.find(session, query, Review.incident_number, key, incidents.PREFIX, "review of")


def of_incident(session: Session, *, actor: Principal, key: str) -> schemas.ReviewSummary | None:
    """The review of incident `key`, if it has one."""
    require(actor, Action.READ)
    review = _existing(session, key)
    return summary(review) if review is not None else None


def check_citation(session: Session, event: SourceCited) -> None:
    """An action item citing a review cites one that exists."""
    if event.kind is Source.REVIEW:
        try:
            get(session, actor=event.actor, key=event.key)
        except NotFound as exc:
            raise actions.missing_source(exc) from None


def _overdue(query: Select[Any]) -> Select[Any]:
    return query.where(Review.status != Status.PUBLISHED, Review.due_at < clock.now())


def _filtered(
    query: Select[Any],
    *,
    status: Status | None = None,
    squad: str | None = None,
    platform: str | None = None,
    overdue: bool = False,
    required: bool | None = None,
    unpublished: bool = False,
) -> Select[Any]:
    if status:
        query = query.where(Review.status == status)
    if unpublished:
        query = query.where(Review.status != Status.PUBLISHED)
    if squad:
        query = query.where(Review.owner_squad == squad)
    if platform:
        query = query.where(Review.platform_slug == platform)
    if required is not None:
        query = query.where(Review.required.is_(required))
    return _overdue(query) if overdue else query


def search(
    session: Session,
    *,
    actor: Principal,
    limit: int = 50,
    cursor: str | None = None,
    **filters: Any,
) -> Page[Review]:
    require(actor, Action.READ)
    query = _filtered(select(Review), **filters)
    return paginate(
        session, query, Review.incident_number, limit=limit, cursor=cursor, descending=True
    )


# --- drafting -----------------------------------------------------------------------------


def _facts(
    session: Session, actor: Principal, incident: incident_schemas.IncidentRead
) -> schemas.Facts:
    timestamps = incident.model_dump(include=set(TIMESTAMPS))
    found = alerts.incident_alerts(session, actor=actor, key=incident.key)
    return schemas.Facts(
        services=incident.services,
        journeys=incident.journeys,
        owner_squads=incident.owner_squads,
        figures=domain.response_figures(timestamps),
        timestamps=timestamps,
        timeline=[
            schemas.TimelineLine(at=e.at, actor=e.actor, kind=e.kind, text=e.text)
            for e in incidents.timeline(session, actor=actor, key=incident.key)
        ],
        alerts=[
            schemas.AlertLine(
                summary=a.summary,
                service=a.service,
                severity=a.severity,
                first_received_at=a.first_received_at,
            )
            for a in found.alerts
        ],
        probable_cause=found.probable_cause,
        changes=[
            schemas.ChangeLine(
                change=c.change, title=c.title, services=c.services, at=c.at, status=c.status
            )
            for c in changes.suspects(session, actor=actor, incident_key=incident.key)
        ],
        participants=[f"{p.kind} {p.ref}" for p in incident.participants],
        roles=incident.roles,
    )


def _draft(session: Session, actor: Principal, incident: incident_schemas.IncidentRead) -> Review:
    priority = Priority[incident.priority]
    policy = settings.current(session, incident.platform).reviews
    due = domain.due_at(incident.resolved_at, policy) if incident.resolved_at else None
    review = Review(
        incident_number=keys.parse(incident.key, incidents.PREFIX),
        title=incident.title,
        platform_slug=incident.platform,
        owner_squad=(incident.owner_squads or [""])[0],
        owner=incident.roles.get("commander", ""),
        priority=int(priority),
        required=domain.required(priority, policy),
        status=Status.DRAFT,
        due_at=due,
        facts=_facts(session, actor, incident).model_dump(mode="json"),
    )
    session.add(review)
    session.flush()
    REVIEW.event(session, review, actor, "drafted", f"Draft generated from {incident.key}")
    REVIEW.audited(session, review, actor, "review.drafted", None)
    if due is not None:
        jobs.schedule(
            session,
            kind=DUE_TIMER,
            subject=_timer_subject(review),
            due_at=due,
            dedup_key=f"{_timer_subject(review)}:due",
        )
    return review


def draft_when_required(session: Session, event: IncidentResolved) -> None:
    """A review is drafted as soon as an incident that needs one resolves."""
    read = incidents.read(session, incidents.find(session, event.key))
    policy = settings.current(session, read.platform).reviews
    if domain.required(Priority[read.priority], policy) and _existing(session, read.key) is None:
        _draft(session, event.actor, read)


def _existing(session: Session, key: str) -> Review | None:
    number = keys.parse(key, incidents.PREFIX)
    return session.scalar(select(Review).where(Review.incident_number == number))


def start(session: Session, *, actor: Principal, data: schemas.ReviewStart) -> Review:
    """Start a review of any resolved incident (those that need one start themselves)."""
    require(actor, Action.WORK_INCIDENTS)
    try:
        incident = incidents.read(session, incidents.get(session, actor=actor, key=data.incident))
    except NotFound as exc:
        raise ValidationFailed(exc.message, fields={"incident": exc.message}) from None
    if incident.status not in SETTLED:
        raise Conflict(
            f"{incident.key} is {incident.status.value}; review it once it is resolved",
            fields={"incident": "not resolved yet"},
        )
    if _existing(session, incident.key) is not None:
        raise Conflict(f"{incident.key} already has a review", fields={"incident": "reviewed"})
    return _draft(session, actor, incident)


# --- writing and publishing -----------------------------------------------------------


def _snapshot(review: Review) -> dict[str, Any]:
    return {name: getattr(review, name) for name in ("status", "owner", *domain.SECTIONS)}


REVIEW = Record(SUBJECT, _snapshot, named="the review of {key}")


def _writable(review: Review) -> None:
    if review.status == Status.PUBLISHED:
        raise Conflict(
            f"the review of {review.key} is published and can no longer change",
            fields={"status": review.status},
        )


def update(session: Session, *, actor: Principal, key: str, data: schemas.ReviewUpdate) -> Review:
    require(actor, Action.WORK_INCIDENTS)
    review = REVIEW.held(get(session, actor=actor, key=key), data.version)
    _writable(review)
    before = _snapshot(review)
    for name, value in data.model_dump(exclude_unset=True, exclude={"version"}).items():
        setattr(review, name, value)
    return REVIEW.saved(session, review, actor, "review.updated", before)


def transition(
    session: Session, *, actor: Principal, key: str, move: Transition, data: schemas.ReviewMove
) -> Review:
    review = REVIEW.held(get(session, actor=actor, key=key), data.version)
    if move is Transition.PUBLISH:
        require(actor, Action.EDIT_SQUAD_ITEMS, squads=[review.owner_squad])
    else:
        require(actor, Action.WORK_INCIDENTS)
    target = domain.next_status(Status(review.status), move)
    if move is Transition.PUBLISH:
        _ready_to_publish(session, review, actor)
    before = _snapshot(review)
    review.status = target
    if target is Status.PUBLISHED:
        review.published_at = clock.now()
        jobs.cancel(session, subject=_timer_subject(review))
        events.record(session, ReviewPublished(review.key, review.platform_slug, str(actor)))
    REVIEW.event(session, review, actor, move.value, target.value.replace("_", " ").capitalize())
    return REVIEW.saved(session, review, actor, f"review.{move.value}", before)


# What makes someone an author of a review: the reviewers who publish it must not be one.
WRITING = ("review.updated", "review.submit")


def publish_gaps(session: Session, *, actor: Principal, key: str) -> dict[str, str]:
    """What stands between the review of incident `key` and its publication by `actor`."""
    return _gaps(session, get(session, actor=actor, key=key), actor)


def _gaps(session: Session, review: Review, publisher: Principal) -> dict[str, str]:
    return domain.publish_gaps(
        settings.current(session, review.platform_slug).reviews,
        required_review=review.required,
        sections={name: getattr(review, name) for name in domain.SECTIONS},
        actions=len(action_items(session, review)),
        authors=audit.actors(
            session, subject_type=SUBJECT, subject_key=review.key, actions=WRITING
        ),
        publisher=publisher.name,
    )


def _ready_to_publish(session: Session, review: Review, publisher: Principal) -> None:
    gaps = _gaps(session, review, publisher)
    if gaps:
        raise ValidationFailed(
            f"the review of {review.key} cannot be published yet: {'; '.join(gaps.values())}",
            fields=gaps,
        )


def add_action(session: Session, *, actor: Principal, key: str, data: schemas.ReviewAction) -> Any:
    """An action item agreed in the review, before or after it is published; items from P1
    reviews need independent verification."""
    review = get(session, actor=actor, key=key)
    priority = data.priority or Priority(review.priority)
    item = actions.create(
        session,
        actor=actor,
        data=action_schemas.ActionCreate(
            title=data.title,
            description=data.description,
            kind=data.kind,
            owner_squad=data.owner_squad,
            owner=data.owner,
            priority=priority,
            source_type=Source.REVIEW,
            source_key=review.key,
            independent_verification=Priority(review.priority) is Priority.P1,
        ),
    )
    REVIEW.event(
        session,
        review,
        actor,
        "action",
        f"Action item {item.key} for {item.owner_squad}: {item.title}",
    )
    return item


def action_items(session: Session, review: Review) -> list[Any]:
    """The items agreed in the review, and those raised on its incident."""
    return sorted(
        (
            *actions.for_source(session, source_type=Source.REVIEW, key=review.key),
            *actions.for_source(session, source_type=Source.INCIDENT, key=review.key),
        ),
        key=lambda item: item.number,
    )


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    review = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=SUBJECT, subject_key=review.key)


# --- overdue reviews --------------------------------------------------------------------


def flag_overdue(session: Session, timer: Due) -> None:
    review = _existing(session, timer.subject.removeprefix("review:"))
    if review is None or not domain.is_overdue(Status(review.status), review.due_at, clock.now()):
        return
    review.overdue_since = review.overdue_since or review.due_at
    whom = review.owner or f"squad {review.owner_squad}"
    REVIEW.event(
        session,
        review,
        WORKER,
        "reminder",
        f"Review overdue since {review.due_at:%d %b}: {whom} reminded",
    )
    REVIEW.audited(session, review, WORKER, "review.overdue", None, after={"remind": whom})
    if review.owner:
        _remind(session, review, review.owner)


def _remind(session: Session, review: Review, owner: str) -> None:
    notify.notify_person(
        session,
        person=owner,
        kind=NoticeKind.REVIEW_OVERDUE,
        subject=review.key,
        title=f"The review of {review.key} is overdue since {review.due_at:%d %b}",
        body=f"{review.title}: publish the post-incident review.",
        path=f"/reviews/{review.key}",
        dedup=f"review-overdue:{review.key}:{review.due_at}",
    )


# --- reading and exporting ------------------------------------------------------------


def summary(review: Review) -> schemas.ReviewSummary:
    return schemas.ReviewSummary(
        key=review.key,
        title=review.title,
        platform=review.platform_slug,
        owner_squad=review.owner_squad,
        owner=review.owner,
        priority=Priority(review.priority).label,
        required=review.required,
        status=Status(review.status),
        due_at=review.due_at,
        overdue=domain.is_overdue(Status(review.status), review.due_at, clock.now()),
        published_at=review.published_at,
    )


def read(session: Session, review: Review) -> schemas.ReviewRead:
    return schemas.ReviewRead(
        **summary(review).model_dump(),
        facts=schemas.Facts.model_validate(review.facts),
        **{name: getattr(review, name) for name in domain.SECTIONS},
        actions=[i.key for i in action_items(session, review)],
        allowed_transitions=domain.allowed(Status(review.status)),
        version=review.version,
    )


def document(session: Session, *, actor: Principal, key: str) -> domain.Document:
    review = read(session, get(session, actor=actor, key=key))
    facts = review.facts
    items = [actions.read(i) for i in action_items(session, get(session, actor=actor, key=key))]
    return domain.Document(
        title=review.title,
        incident=review.key,
        priority=review.priority,
        status=review.status,
        services=facts.services,
        journeys=facts.journeys,
        figures=facts.figures,
        sections={name: getattr(review, name) for name in domain.SECTIONS},
        timeline=[(e.at, f"{e.text} ({e.actor})") for e in facts.timeline],
        alerts=[
            f"{a.severity} {a.summary}" + (f" on {a.service}" if a.service else "")
            for a in facts.alerts
        ],
        changes=[
            f"{c.at:%Y-%m-%d %H:%M} {c.change} {c.title} ({', '.join(c.services)}; {c.status})"
            for c in facts.changes
        ],
        participants=facts.participants,
        actions=[
            f"{i.key} {i.title} ({i.owner_squad}, due {i.due_on:%Y-%m-%d}, {i.status.value.replace('_', ' ')})"
            for i in items
        ],
    )


def markdown(session: Session, *, actor: Principal, key: str) -> str:
    return domain.to_markdown(document(session, actor=actor, key=key))


def figures(
    session: Session, *, actor: Principal, squad: str | None = None, platform: str | None = None
) -> schemas.ReviewFigures:
    """Required reviews: published on time, median days from resolution to publication, overdue."""
    require(actor, Action.READ)
    query = _filtered(select(Review), squad=squad, platform=platform, required=True)
    reviews = list(session.scalars(query))
    published = [(r, r.published_at) for r in reviews if r.published_at is not None]
    now = clock.now()
    return schemas.ReviewFigures(
        required=len(reviews),
        published=len(published),
        published_on_time_pct=action_rules.share(
            sum(domain.on_time(at, r.due_at) for r, at in published), len(published)
        ),
        median_days_to_publish=action_rules.median_days(
            [_time_to_publish(r, at) for r, at in published]
        ),
        overdue=sum(domain.is_overdue(Status(r.status), r.due_at, now) for r in reviews),
    )


def _time_to_publish(review: Review, published_at: datetime) -> timedelta:
    resolved = schemas.Facts.model_validate(review.facts).timestamps.get("resolved_at")
    return published_at - (resolved or review.created_at)

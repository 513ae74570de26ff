"""The risk register: raise a risk on a platform, score it on the platform's matrix, treat
it with mitigations (action items), accept it for a while (an operations manager, until an
expiry that sends it back for review), and close it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.actions import schemas as action_schemas
from opsroom.actions import service as actions
from opsroom.actions.domain import Source, SourceCited
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock, keys
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.jobs import service as jobs
from opsroom.jobs.domain import Due
from opsroom.notify import service as notify
from opsroom.notify.domain import NoticeKind
from opsroom.risks import domain, schemas
from opsroom.risks.domain import Affects, Assessment, Rating, RiskSettings, Status, Transition
from opsroom.risks.models import Risk, RiskAffected, RiskScore
from opsroom.risks.records import PREFIX, RISK, get, rating, settings_of, snapshot
from opsroom.risks.reports import figures as figures
from opsroom.risks.reports import ranking as ranking

ACCEPTANCE_TIMER = "risk.acceptance_expires"
WORKER = "opsroom-worker"


def today() -> date:
    return clock.now().date()


def check_citation(session: Session, event: SourceCited) -> None:
    """An action item citing a risk cites one that exists."""
    if event.kind is Source.RISK:
        try:
            get(session, actor=event.actor, key=event.key)
        except NotFound as exc:
            raise actions.missing_source(exc) from None


# --- raising and editing ------------------------------------------------------------------


def _squad(session: Session, slug: str) -> Any:
    try:
        return catalog.get_squad(session, slug)
    except NotFound:
        raise ValidationFailed(
            f"no squad '{slug}'", fields={"owner_squad": f"unknown squad '{slug}'"}
        ) from None


LOOKUPS = {
    Affects.SERVICE: catalog.get_service,
    Affects.JOURNEY: catalog.get_journey,
    Affects.VENDOR: catalog.get_vendor,
}


@dataclass
class Lookups:
    """The squads, affected records and platform settings a batch of risk changes (one
    import) looks up, each looked up once; a single change starts with none."""

    squads: dict[str, Any] = field(default_factory=dict)
    found: set[tuple[Affects, str]] = field(default_factory=set)
    settings: dict[str, RiskSettings] = field(default_factory=dict)

    def squad(self, session: Session, slug: str) -> Any:
        if slug not in self.squads:
            self.squads[slug] = _squad(session, slug)
        return self.squads[slug]

    def settings_of(self, session: Session, platform: str) -> RiskSettings:
        if platform not in self.settings:
            self.settings[platform] = settings_of(session, platform)
        return self.settings[platform]

    def affected(self, session: Session, kind: Affects, slugs: Sequence[str]) -> list[RiskAffected]:
        field_name = f"{kind.value}s"
        for slug in dict.fromkeys(slugs):
            if (kind, slug) in self.found:
                continue
            try:
                LOOKUPS[kind](session, slug)
            except NotFound:
                raise ValidationFailed(
                    f"no {kind.value} '{slug}'",
                    fields={field_name: f"unknown {kind.value} '{slug}'"},
                ) from None
            self.found.add((kind, slug))
        return [RiskAffected(kind=kind, slug=slug) for slug in dict.fromkeys(slugs)]


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _ratings(data: schemas.RiskCreate) -> dict[Assessment, Rating]:
    inherent = Rating(data.inherent_likelihood, data.inherent_impact)
    current = Rating(
        _or(data.current_likelihood, inherent.likelihood), _or(data.current_impact, inherent.impact)
    )
    target = Rating(
        _or(data.target_likelihood, current.likelihood), _or(data.target_impact, current.impact)
    )
    return {Assessment.INHERENT: inherent, Assessment.CURRENT: current, Assessment.TARGET: target}


def _set_rating(risk: Risk, assessment: Assessment, r: Rating, by: str, reason: str) -> None:
    setattr(risk, f"{assessment.value}_likelihood", r.likelihood)
    setattr(risk, f"{assessment.value}_impact", r.impact)
    risk.scores.append(
        RiskScore(
            assessment=assessment,
            likelihood=r.likelihood,
            impact=r.impact,
            reason=reason,
            set_by=by,
        )
    )


def create(
    session: Session,
    *,
    actor: Principal,
    data: schemas.RiskCreate,
    lookups: Lookups | None = None,
) -> Risk:
    require(actor, Action.WORK_INCIDENTS)
    known = lookups or Lookups()
    squad = known.squad(session, data.owner_squad)
    settings = known.settings_of(session, squad.platform.slug)
    ratings = {a: domain.check_rating(settings.matrix, r, a) for a, r in _ratings(data).items()}
    risk = Risk(
        number=keys.next_number(session, PREFIX),
        title=data.title,
        platform_slug=squad.platform.slug,
        category=domain.check_category(settings, data.category),
        owner_squad=squad.slug,
        status=Status.IDENTIFIED,
        created_by=str(actor),
        affected=_all_affected(session, data, known),
        links=[],
        **data.model_dump(include=DESCRIBING),
    )
    for assessment, r in ratings.items():
        _set_rating(risk, assessment, r, str(actor), "first assessment")
    session.add(risk)
    session.flush()
    RISK.event(session, risk, actor, "raised", f"Risk raised for {squad.slug}: {risk.title}")
    return RISK.audited(session, risk, actor, "risk.raised", None)


DESCRIBING = {
    "description",
    "causes",
    "consequences",
    "owner",
    "treatment",
    "treatment_plan",
    "review_on",
}


def _all_affected(
    session: Session, data: schemas.RiskCreate | schemas.RiskUpdate, known: Lookups
) -> list[RiskAffected]:
    return [
        *known.affected(session, Affects.SERVICE, data.services or []),
        *known.affected(session, Affects.JOURNEY, data.journeys or []),
        *known.affected(session, Affects.VENDOR, data.vendors or []),
    ]


CLEARABLE = frozenset({"review_on"})  # a null sent for any other field leaves it as it is


def update(
    session: Session,
    *,
    actor: Principal,
    key: str,
    data: schemas.RiskUpdate,
    lookups: Lookups | None = None,
) -> Risk:
    require(actor, Action.WORK_INCIDENTS)
    known = lookups or Lookups()
    risk = RISK.held(get(session, actor=actor, key=key), data.version)
    before = snapshot(risk)
    changes = {
        name: value
        for name, value in data.model_dump(
            exclude_unset=True,
            exclude={"version", "services", "journeys", "vendors", "owner_squad"},
        ).items()
        if value is not None or name in CLEARABLE
    }
    if data.owner_squad is not None:
        risk.owner_squad = known.squad(session, data.owner_squad).slug
    if changes.get("category", risk.category) != risk.category:
        domain.check_category(known.settings_of(session, risk.platform_slug), changes["category"])
    if {"services", "journeys", "vendors"} & data.model_fields_set:
        _replace_affected(session, risk, data, known)
    for name, value in changes.items():
        setattr(risk, name, value)
    RISK.event(session, risk, actor, "edit", "Risk edited")
    return RISK.saved(session, risk, actor, "risk.updated", before)


def _replace_affected(
    session: Session, risk: Risk, data: schemas.RiskUpdate, known: Lookups
) -> None:
    kept = {kind: [a.slug for a in risk.affected if a.kind == kind] for kind in Affects}
    wanted = schemas.RiskUpdate(
        version=data.version,
        services=data.services if data.services is not None else kept[Affects.SERVICE],
        journeys=data.journeys if data.journeys is not None else kept[Affects.JOURNEY],
        vendors=data.vendors if data.vendors is not None else kept[Affects.VENDOR],
    )
    rows = _all_affected(session, wanted, known)
    risk.affected = []
    session.flush()  # (risk, kind, slug) is unique: old rows go first
    risk.affected = rows


def score(
    session: Session,
    *,
    actor: Principal,
    key: str,
    data: schemas.ScoreIn,
    lookups: Lookups | None = None,
) -> Risk:
    """Re-score one assessment; a current score only drops with a reason."""
    require(actor, Action.WORK_INCIDENTS)
    risk = RISK.held(get(session, actor=actor, key=key), data.version)
    matrix = (lookups or Lookups()).settings_of(session, risk.platform_slug).matrix
    after = domain.check_rating(matrix, Rating(data.likelihood, data.impact), data.assessment)
    previous = rating(risk, data.assessment)
    if data.assessment is Assessment.CURRENT:
        domain.check_drop(previous, after, data.reason)
    before = snapshot(risk)
    _set_rating(risk, data.assessment, after, str(actor), data.reason)
    note = f": {data.reason}" if data.reason else ""
    RISK.event(
        session,
        risk,
        actor,
        "score",
        f"{data.assessment.value.capitalize()} score {previous.score} → {after.score}{note}",
    )
    return RISK.saved(session, risk, actor, "risk.scored", before)


# --- the lifecycle ------------------------------------------------------------------------


def transition(
    session: Session, *, actor: Principal, key: str, move: Transition, data: schemas.RiskMove
) -> Risk:
    require(actor, Action.WORK_INCIDENTS)
    risk = RISK.held(get(session, actor=actor, key=key), data.version)
    target = domain.next_status(Status(risk.status), move)
    before = snapshot(risk)
    if Status(risk.status) is Status.ACCEPTED:
        jobs.cancel(session, subject=risk.key, kind=ACCEPTANCE_TIMER)
    risk.status = target
    note = f": {data.reason}" if data.reason else ""
    RISK.event(session, risk, actor, move.value, f"{target.value.capitalize()}{note}")
    return RISK.saved(session, risk, actor, f"risk.{move.value}", before)


def accept(session: Session, *, actor: Principal, key: str, data: schemas.AcceptanceIn) -> Risk:
    """An operations manager accepts the risk as it stands until `until`; then it returns
    for review and its owner hears of it."""
    risk = get(session, actor=actor, key=key)
    require(actor, Action.GOVERN, platforms=[risk.platform_slug])
    RISK.held(risk, data.version)
    until = domain.check_acceptance(data.until, today(), data.reason)
    domain.check_acceptable(Status(risk.status))
    before = snapshot(risk)
    risk.status, risk.treatment = Status.ACCEPTED, domain.Treatment.ACCEPT
    risk.accepted_by, risk.accepted_until, risk.acceptance_reason = str(actor), until, data.reason
    jobs.schedule(
        session,
        kind=ACCEPTANCE_TIMER,
        subject=risk.key,
        due_at=clock.midnight(until),
        dedup_key=f"{risk.key}:acceptance",
    )
    RISK.event(session, risk, actor, "accept", f"Accepted until {until:%d %b %Y}: {data.reason}")
    return RISK.saved(session, risk, actor, "risk.accepted", before)


def acceptance_expired(session: Session, timer: Due) -> None:
    """The acceptance ran out: the risk returns for review and its owner is told."""
    risk = session.scalar(select(Risk).where(Risk.number == keys.parse(timer.subject, PREFIX)))
    if risk is None or Status(risk.status) is not Status.ACCEPTED:
        return
    before = snapshot(risk)
    risk.status, risk.review_on = Status.ASSESSED, today()
    RISK.event(
        session,
        risk,
        WORKER,
        "review",
        f"Acceptance expired on {risk.accepted_until:%d %b %Y}: back for review",
    )
    RISK.saved(session, risk, WORKER, "risk.acceptance_expired", before)
    for person in _owners(session, risk):
        notify.notify_person(
            session,
            person=person,
            kind=NoticeKind.RISK_REVIEW,
            subject=risk.key,
            title=f"{risk.key}'s acceptance expired: review it",
            body=f"{risk.title} (accepted by {risk.accepted_by} until {risk.accepted_until})",
            path=f"/risks/{risk.key}",
            dedup=f"{NoticeKind.RISK_REVIEW}:{risk.key}:{risk.accepted_until}",
        )


def _owners(session: Session, risk: Risk) -> list[str]:
    return [risk.owner] if risk.owner else actions.squad_leads(session, risk.owner_squad)


# --- mitigations --------------------------------------------------------------------------


def mitigate(session: Session, *, actor: Principal, key: str, data: schemas.MitigationIn) -> Any:
    """Raise a mitigation: an action item in the tracker, source `risk`."""
    risk = get(session, actor=actor, key=key)
    if Status(risk.status) is Status.CLOSED:
        raise ValidationFailed(f"{risk.key} is closed", fields={"status": "closed"})
    item = actions.create(
        session,
        actor=actor,
        data=action_schemas.ActionCreate(
            **data.model_dump(exclude={"owner_squad"}),
            owner_squad=data.owner_squad or risk.owner_squad,
            source_type=Source.RISK,
            source_key=risk.key,
        ),
    )
    RISK.event(session, risk, actor, "mitigation", f"Mitigation {item.key} raised: {item.title}")
    return item


def timeline(session: Session, *, actor: Principal, key: str) -> list[Any]:
    risk = get(session, actor=actor, key=key)
    return audit.timeline(session, subject_type=RISK.subject_type, subject_key=risk.key)

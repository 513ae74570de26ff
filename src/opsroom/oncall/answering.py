"""Who answers a page for a service at a moment: the first level of its escalation policy
(else its owner squad's schedules), each target down to the person and what decides it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra import clock
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.oncall import domain, schemas
from opsroom.oncall.models import OnCallSchedule
from opsroom.oncall.policies import policy_for
from opsroom.oncall.schedules import schedule_rule

# How far ahead an answer looks for the end of the shift it names.
SHIFT_HORIZON = timedelta(days=35)


def who_answers(
    session: Session, *, actor: Principal, service: str, at: datetime | None = None
) -> schemas.ServiceOnCallRead:
    """The people the service's first escalation level pages at `at` (default now)."""
    require(actor, Action.READ)
    moment = at or clock.now()
    domain.check_moment(moment, "at")
    try:
        owner = catalog.get_service(session, service).owner.slug
    except NotFound:
        raise ValidationFailed(
            f"no service '{service}'", fields={"service": "unknown service"}
        ) from None
    policy = policy_for(session, [(service, owner)])
    if policy is None:
        targets = [domain.Target(domain.TargetKind.SQUAD, owner)]
    else:
        first = schemas.LevelIn.model_validate(policy.levels[0])
        targets = [domain.Target(t.kind, t.ref) for t in first.targets]
    return schemas.ServiceOnCallRead(
        service=service,
        at=moment,
        policy=policy.slug if policy else None,
        policy_name=policy.name if policy else None,
        answers=[a for t in targets for a in _answers(session, t, moment)],
    )


def _answers(session: Session, target: domain.Target, at: datetime) -> list[schemas.AnswerRead]:
    if target.kind is domain.TargetKind.PERSON:
        return [schemas.AnswerRead(person=target.ref, decided_by="policy")]
    query = select(OnCallSchedule).options(
        selectinload(OnCallSchedule.layers), selectinload(OnCallSchedule.overrides)
    )
    if target.kind is domain.TargetKind.SCHEDULE:
        query = query.where(OnCallSchedule.slug == target.ref)
    else:
        query = query.where(OnCallSchedule.squad_slug == target.ref)
    return [_answer(s, at) for s in session.scalars(query.order_by(OnCallSchedule.slug))]


def _answer(schedule: OnCallSchedule, at: datetime) -> schemas.AnswerRead:
    rule = schedule_rule(schedule)
    answer = rule.answer(at)
    shifts = rule.shifts(at, at + SHIFT_HORIZON)
    read = schemas.AnswerRead(
        schedule=schedule.slug,
        schedule_name=schedule.name,
        person=answer.person,
        decided_by="nobody",
        until=shifts[0].end if len(shifts) > 1 else None,
    )
    if answer.override is not None:
        override = schedule.overrides[answer.override]
        return read.model_copy(update={"decided_by": "override", "reason": override.reason})
    if answer.layer is not None:
        layer = schedule.layers[answer.layer]
        return read.model_copy(
            update={"decided_by": "layer", "layer": layer.rank, "layer_name": layer.name}
        )
    return read

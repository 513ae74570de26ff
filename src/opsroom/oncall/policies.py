"""Escalation policies: ordered levels of targets, which policy an incident uses."""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.audit.records import Record
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.infra.errors import Conflict, NotFound, ValidationFailed
from opsroom.oncall import domain, schemas
from opsroom.oncall.access import require_squad_rights
from opsroom.oncall.models import EscalationPolicy, OnCallSchedule

# --- escalation policies ------------------------------------------------------------------


def policy_rule(
    levels: Sequence[schemas.LevelIn] | Sequence[dict[str, Any]], repeats: int
) -> domain.Policy:
    parsed = [schemas.LevelIn.model_validate(level) for level in levels]
    return domain.Policy(
        levels=tuple(
            domain.Level(
                tuple(domain.Target(t.kind, t.ref) for t in level.targets), level.timeout_minutes
            )
            for level in parsed
        ),
        repeats=repeats,
    )


def check_targets(session: Session, levels: Sequence[schemas.LevelIn]) -> None:
    for n, level in enumerate(levels):
        for target in level.targets:
            known = {
                domain.TargetKind.PERSON: lambda ref: "@" in ref,
                domain.TargetKind.SCHEDULE: lambda ref: (
                    session.scalar(select(OnCallSchedule.id).where(OnCallSchedule.slug == ref))
                    is not None
                ),
                domain.TargetKind.SQUAD: lambda ref: (
                    ref in {s.slug for s in catalog.list_squads(session)}
                ),
            }[target.kind](target.ref)
            if not known:
                raise ValidationFailed(
                    f"no {target.kind} '{target.ref}'",
                    fields={f"levels.{n}.targets": f"unknown {target.kind} '{target.ref}'"},
                )


def _check_services(session: Session, services: Sequence[str]) -> None:
    for slug in services:
        try:
            catalog.get_service(session, slug)
        except NotFound:
            raise ValidationFailed(
                f"no service '{slug}'", fields={"services": f"unknown service '{slug}'"}
            ) from None


def _snapshot(policy: EscalationPolicy) -> dict[str, Any]:
    return schemas.PolicyRead.model_validate(policy).model_dump(mode="json")


ESCALATION_POLICY = Record(
    "escalation_policy", _snapshot, key=attrgetter("slug"), named="escalation policy '{key}'"
)


def create_policy(
    session: Session, *, actor: Principal, data: schemas.PolicyCreate
) -> EscalationPolicy:
    require_squad_rights(session, actor, data.squad)
    policy_rule(data.levels, data.repeats)
    check_targets(session, data.levels)
    _check_services(session, data.services)
    if session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.slug == data.slug)):
        raise Conflict(f"escalation policy '{data.slug}' exists", fields={"slug": "taken"})
    policy = EscalationPolicy(
        slug=data.slug,
        name=data.name,
        squad_slug=data.squad,
        squad_default=data.squad_default and data.squad is not None,
        services=data.services,
        levels=[level.model_dump(mode="json") for level in data.levels],
        repeats=data.repeats,
    )
    session.add(policy)
    ESCALATION_POLICY.audited(
        session,
        policy,
        actor,
        "escalation_policy.created",
        None,
        after=data.model_dump(mode="json"),
    )
    return policy


def get_policy(session: Session, *, actor: Principal, slug: str) -> EscalationPolicy:
    require(actor, Action.READ)
    policy = session.scalar(select(EscalationPolicy).where(EscalationPolicy.slug == slug))
    if policy is None:
        raise NotFound(f"no escalation policy '{slug}'")
    return policy


def list_policies(session: Session, *, actor: Principal) -> list[EscalationPolicy]:
    require(actor, Action.READ)
    return list(session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.slug)))


def update_policy(
    session: Session, *, actor: Principal, slug: str, data: schemas.PolicyUpdate
) -> EscalationPolicy:
    policy = get_policy(session, actor=actor, slug=slug)
    require_squad_rights(session, actor, policy.squad_slug)
    ESCALATION_POLICY.held(policy, data.version)
    levels = (
        data.levels
        if data.levels is not None
        else [schemas.LevelIn.model_validate(x) for x in policy.levels]
    )
    policy_rule(levels, data.repeats if data.repeats is not None else policy.repeats)
    check_targets(session, levels)
    _check_services(session, data.services or [])
    before = ESCALATION_POLICY.snapshot(policy)
    changes = data.model_dump(exclude_unset=True, exclude={"version"}, mode="json")
    for name, value in changes.items():
        setattr(policy, name, value)
    return ESCALATION_POLICY.saved(session, policy, actor, "escalation_policy.updated", before)


def delete_policy(
    session: Session, *, actor: Principal, slug: str, version: int
) -> schemas.PolicyRead:
    """Delete a policy; escalations still walking it stop at their next step. Returns what
    it was."""
    policy = get_policy(session, actor=actor, slug=slug)
    require_squad_rights(session, actor, policy.squad_slug)
    ESCALATION_POLICY.held(policy, version)
    gone = schemas.PolicyRead.model_validate(policy)
    ESCALATION_POLICY.removed(session, policy, actor, "escalation_policy.deleted")
    return gone


def policy_for(session: Session, services: Sequence[tuple[str, str]]) -> EscalationPolicy | None:
    """The first affected service's own policy, else its owner squad's default."""
    policies = list(session.scalars(select(EscalationPolicy).order_by(EscalationPolicy.id)))
    for service, squad in services:
        for policy in policies:
            if service in policy.services:
                return policy
        for policy in policies:
            if policy.squad_default and policy.squad_slug == squad:
                return policy
    return None

"""The incident policy operations managers tune (priority matrix, major priorities, SLA
targets, update cadence): stored as data, with ITIL defaults until someone changes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.audit.schemas import Stamp
from opsroom.auth.domain import EVERY_PLATFORM, Action, Principal, require
from opsroom.incidents.domain import DEFAULT_POLICY, Policy, Priority

Minutes = Annotated[int | None, Field(ge=1, le=60 * 24 * 90)]
PRIORITIES = [p.label for p in Priority]
LEVELS = ["1", "2", "3"]


class PolicyDoc(BaseModel):
    """The policy as people write it: matrix[impact][urgency] = priority number."""

    model_config = ConfigDict(extra="forbid")

    matrix: dict[str, dict[str, Annotated[int, Field(ge=1, le=5)]]]
    major: list[Annotated[int, Field(ge=1, le=5)]]
    response_minutes: dict[str, Minutes]
    resolution_minutes: dict[str, Minutes]
    update_cadence_minutes: dict[str, Minutes]

    @field_validator("matrix")
    @classmethod
    def _every_cell(cls, matrix: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
        if sorted(matrix) != LEVELS or any(sorted(row) != LEVELS for row in matrix.values()):
            raise ValueError("the matrix needs every impact 1-3 x urgency 1-3")
        return matrix

    @field_validator("response_minutes", "resolution_minutes", "update_cadence_minutes")
    @classmethod
    def _every_priority(cls, minutes: dict[str, int | None]) -> dict[str, int | None]:
        if sorted(minutes) != PRIORITIES:
            raise ValueError("give a value (minutes, or null for none) for each of P1-P5")
        return minutes


class IncidentPolicy(PolicyDoc, Stamp):
    """The policy as GET returns it and PUT takes it back: with the version read, and who
    changed it last and when."""


def _minutes(delta: timedelta | None) -> int | None:
    return None if delta is None else int(delta.total_seconds() // 60)


def _delta(minutes: int | None) -> timedelta | None:
    return None if minutes is None else timedelta(minutes=minutes)


def to_doc(policy: Policy) -> PolicyDoc:
    return PolicyDoc(
        matrix={
            str(i): {str(u): int(policy.matrix[(i, u)]) for u in range(1, 4)} for i in range(1, 4)
        },
        major=sorted(int(p) for p in policy.major),
        response_minutes={p.label: _minutes(policy.response_target.get(p)) for p in Priority},
        resolution_minutes={p.label: _minutes(policy.resolution_target.get(p)) for p in Priority},
        update_cadence_minutes={p.label: _minutes(policy.update_cadence.get(p)) for p in Priority},
    )


def from_doc(doc: PolicyDoc) -> Policy:
    return Policy(
        matrix={
            (int(i), int(u)): Priority(p) for i, row in doc.matrix.items() for u, p in row.items()
        },
        major=frozenset(Priority(p) for p in doc.major),
        response_target={Priority[k]: _delta(v) for k, v in doc.response_minutes.items()},
        resolution_target={Priority[k]: _delta(v) for k, v in doc.resolution_minutes.items()},
        update_cadence={Priority[k]: _delta(v) for k, v in doc.update_cadence_minutes.items()},
    )


INCIDENT_POLICY = Document(
    key="incident_policy",
    title="the incident policy",
    subject_type="policy",
    subject_key="incident",
    written=PolicyDoc,
    stamped=IncidentPolicy,
    defaults=DEFAULT_POLICY,
    to_rules=from_doc,
    to_written=to_doc,
)


def current(session: Session, platform: str = EVERYWHERE) -> Policy:
    """The policy in force on `platform`: its overrides over the installation's policy."""
    return INCIDENT_POLICY.rules(session, platform)


def read(session: Session) -> IncidentPolicy:
    return INCIDENT_POLICY.read(session)


def replace(session: Session, *, actor: Principal, doc: PolicyDoc, version: int) -> IncidentPolicy:
    """Replace the policy (operations managers); `version` is the one read."""
    require(actor, Action.GOVERN, platforms=[EVERY_PLATFORM])
    return INCIDENT_POLICY.replace(session, actor=actor, written=doc, version=version)

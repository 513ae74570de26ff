"""The incident policy operations managers tune (priority matrix, major priorities, SLA
targets, update cadence): stored as data, with ITIL defaults until someone changes it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.incidents.domain import DEFAULT_POLICY, Policy, Priority
from opsroom.incidents.models import IncidentPolicyRecord
from opsroom.infra import clock
from opsroom.infra.errors import require_version

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


class PolicyWrite(PolicyDoc):
    """What GET returns can be PUT back as it is: its read-only field is accepted, and
    ignored."""

    version: int = Field(description="the version you read (0 while the defaults apply)")
    updated_by: str | None = Field(default=None, description="read-only; ignored")

    def doc(self) -> PolicyDoc:
        """The policy itself, without the version and the read-only field."""
        return PolicyDoc.model_validate(self.model_dump(include=set(PolicyDoc.model_fields)))


class PolicyRead(PolicyWrite):
    updated_by: str | None


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


def _record(session: Session) -> IncidentPolicyRecord | None:
    return session.get(IncidentPolicyRecord, 1)


def current(session: Session) -> Policy:
    record = _record(session)
    return from_doc(PolicyDoc.model_validate(record.value)) if record else DEFAULT_POLICY


def read(session: Session) -> PolicyRead:
    record = _record(session)
    doc = PolicyDoc.model_validate(record.value) if record else to_doc(DEFAULT_POLICY)
    return PolicyRead(
        **doc.model_dump(),
        version=record.version if record else 0,
        updated_by=record.updated_by if record else None,
    )


def replace(session: Session, *, actor: Principal, doc: PolicyDoc, version: int) -> PolicyRead:
    """Replace the policy; `version` is the one read (0 while the defaults apply). The
    policy in force sent back changes nothing: no new version, nothing audited."""
    require(actor, Action.GOVERN)
    record = _record(session)
    current_version = record.version if record else 0
    require_version("the incident policy", current_version, version)
    if from_doc(doc) == current(session):
        return read(session)
    before = record.value if record else to_doc(DEFAULT_POLICY).model_dump()
    if record is None:
        record = IncidentPolicyRecord(id=1, version=0)
        session.add(record)
    record.value, record.version, record.updated_by, record.updated_at = (
        doc.model_dump(),
        current_version + 1,
        str(actor),
        clock.now(),
    )
    audit.record(
        session,
        actor=str(actor),
        action="incident_policy.replaced",
        subject_type="policy",
        subject_key="incident",
        before=before,
        after=record.value,
    )
    return read(session)

"""The change approval policy as a settings document: who must approve a change at each
risk level, which journeys need their owner, who reviews an emergency and who approves
against a spent error budget, and who sits on the change advisory board. The
installation's, which a platform may override; a change follows its platform's."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from opsroom.audit.documents import EVERYWHERE, Document
from opsroom.audit.schemas import Stamp
from opsroom.catalog.domain import Criticality
from opsroom.changes.approvals import DEFAULT_APPROVAL_POLICY, ApprovalPolicy, Approver
from opsroom.changes.domain import BudgetRule, RiskLevel


class ApprovalPolicyDoc(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by_level: dict[RiskLevel, list[Approver]] = Field(
        description="who approves a normal change at each risk level (low, medium, high)"
    )
    journey_criticalities: list[Criticality] = Field(
        description="journeys of these criticalities need their owner where a level asks"
    )
    emergency_review: list[Approver] = Field(description="who reviews an emergency change")
    exhausted_budget: list[Approver] = Field(
        description="who else approves a change to a service whose error budget is spent"
    )
    budget_rule: BudgetRule = Field(
        BudgetRule.APPROVE,
        description="a normal change to a service whose error budget is spent: `approve` "
        "(it also needs `exhausted_budget`) or `hold` (refused until the budget recovers)",
    )
    cab_members: list[str] = Field(description="the change advisory board, by email")

    @field_validator("by_level")
    @classmethod
    def _every_level(
        cls, by_level: dict[RiskLevel, list[Approver]]
    ) -> dict[RiskLevel, list[Approver]]:
        if set(by_level) != set(RiskLevel):
            raise ValueError("say who approves at each risk level: low, medium and high")
        return by_level

    @field_validator("cab_members")
    @classmethod
    def _emails(cls, members: list[str]) -> list[str]:
        wrong = [m for m in members if "@" not in m]
        if wrong:
            raise ValueError(f"not email addresses: {', '.join(wrong)}")
        return sorted({m.strip().lower() for m in members})


class ApprovalPolicyRead(ApprovalPolicyDoc, Stamp):
    """The approval policy as read, with its stamp."""


def to_rules(doc: ApprovalPolicyDoc) -> ApprovalPolicy:
    return ApprovalPolicy(
        by_level={level: tuple(who) for level, who in doc.by_level.items()},
        journey_criticalities=frozenset(c.value for c in doc.journey_criticalities),
        emergency_review=tuple(doc.emergency_review),
        exhausted_budget=tuple(doc.exhausted_budget),
        budget_rule=doc.budget_rule,
        cab_members=frozenset(doc.cab_members),
    )


def to_doc(policy: ApprovalPolicy) -> ApprovalPolicyDoc:
    return ApprovalPolicyDoc(
        by_level={level: list(policy.by_level[level]) for level in RiskLevel},
        journey_criticalities=[c for c in Criticality if c.value in policy.journey_criticalities],
        emergency_review=list(policy.emergency_review),
        exhausted_budget=list(policy.exhausted_budget),
        budget_rule=policy.budget_rule,
        cab_members=sorted(policy.cab_members),
    )


APPROVAL_POLICY = Document(
    key="change_approval_policy",
    title="the change approval policy",
    subject_type="change_approval_policy",
    subject_key="installation",
    written=ApprovalPolicyDoc,
    stamped=ApprovalPolicyRead,
    defaults=DEFAULT_APPROVAL_POLICY,
    to_rules=to_rules,
    to_written=to_doc,
)


def approval_policy(session: Session, platform: str = EVERYWHERE) -> ApprovalPolicy:
    """The approval policy in force on `platform`."""
    return APPROVAL_POLICY.rules(session, platform)

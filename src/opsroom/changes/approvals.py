"""Who must approve a change and who may: the approval policy as data with shipped
defaults, and the rules that match an approver to an open requirement."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from opsroom.auth.domain import LADDER, Action, Principal, decide
from opsroom.auth.domain import Role as AccountRole
from opsroom.changes.domain import BudgetRule, ChangeType, RiskLevel
from opsroom.infra.errors import Conflict


class Approver(StrEnum):
    SQUAD_LEAD = "squad_lead"  # lead of the implementer squad
    JOURNEY_OWNER = "journey_owner"  # lead of the squad owning a touched journey
    CAB = "cab"  # a change advisory board member
    OPERATIONS_MANAGER = "operations_manager"


@dataclass(frozen=True)
class ApprovalPolicy:
    """Which risk levels and which journeys need whom: data with shipped defaults."""

    by_level: Mapping[RiskLevel, tuple[Approver, ...]] = field(
        default_factory=lambda: {
            RiskLevel.LOW: (Approver.SQUAD_LEAD,),
            RiskLevel.MEDIUM: (Approver.SQUAD_LEAD, Approver.JOURNEY_OWNER),
            RiskLevel.HIGH: (
                Approver.SQUAD_LEAD,
                Approver.JOURNEY_OWNER,
                Approver.CAB,
                Approver.OPERATIONS_MANAGER,
            ),
        }
    )
    # Journeys of these criticalities need their owner's approval whenever the level asks
    # for journey owners.
    journey_criticalities: frozenset[str] = frozenset({"critical", "high"})
    # After the fact, an emergency change is reviewed by these.
    emergency_review: tuple[Approver, ...] = (Approver.OPERATIONS_MANAGER,)
    # A normal change to a service whose SLO has spent its error budget also needs these,
    # until the budget recovers.
    exhausted_budget: tuple[Approver, ...] = (Approver.OPERATIONS_MANAGER,)
    budget_rule: BudgetRule = BudgetRule.APPROVE
    cab_members: frozenset[str] = frozenset()  # emails; operations managers sit on it too


DEFAULT_APPROVAL_POLICY = ApprovalPolicy()


def check_budget(
    change_type: ChangeType, exhausted: Collection[str], policy: ApprovalPolicy
) -> None:
    """Refuse a normal change to services whose SLOs (`exhausted`, by name) have spent
    their error budget when the policy holds such changes; emergency and standard changes
    go ahead, as does everything under a policy that asks for approval instead."""
    if not exhausted or change_type is not ChangeType.NORMAL:
        return
    if policy.budget_rule is BudgetRule.HOLD:
        spent = ", ".join(exhausted)
        raise Conflict(
            f"the error budget of {spent} is spent: the platform's policy holds normal changes "
            "to its services until the budget recovers; an emergency change may go ahead",
            fields={"services": f"error budget spent: {spent}"},
        )


@dataclass(frozen=True)
class Requirement:
    approver: Approver
    scope: str = ""  # the journey, for a journey owner

    @property
    def ref(self) -> str:
        return f"{self.approver.value}:{self.scope}" if self.scope else self.approver.value

    @classmethod
    def parse(cls, ref: str) -> Requirement:
        approver, _, scope = ref.partition(":")
        return cls(Approver(approver), scope)


def required_approvals(
    change_type: ChangeType,
    level: RiskLevel,
    journeys: Mapping[str, str],
    policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY,
    budget_exhausted: bool = False,
) -> list[Requirement]:
    """Who must approve (or, for an emergency, review) a change; `journeys` maps each
    journey it touches to that journey's criticality; `budget_exhausted`: an SLO on its
    services has no error budget left. Standard changes are pre-approved."""
    if change_type is ChangeType.STANDARD:
        return []
    if change_type is ChangeType.EMERGENCY:
        approvers = policy.emergency_review
    else:
        asks = budget_exhausted and policy.budget_rule is BudgetRule.APPROVE
        extra = policy.exhausted_budget if asks else ()
        approvers = tuple(dict.fromkeys((*policy.by_level[level], *extra)))
    needed: list[Requirement] = []
    for approver in approvers:
        if approver is not Approver.JOURNEY_OWNER:
            needed.append(Requirement(approver))
            continue
        owned = sorted(j for j, c in journeys.items() if c in policy.journey_criticalities)
        needed.extend(Requirement(approver, journey) for journey in owned)
    return needed


@dataclass(frozen=True)
class Approving:
    """Who is approving, and what the change says about who may."""

    person: Principal
    implementer: str
    implementer_squad: str
    journey_owners: Mapping[str, str]  # journey -> owner squad
    platforms: tuple[str, ...] = ()  # the platforms of the change's services


def _rank(role: AccountRole) -> int:
    return LADDER.index(role) if role in LADDER else -1


def may_fill(requirement: Requirement, who: Approving, policy: ApprovalPolicy) -> bool:
    person = who.person
    if decide(person, Action.GOVERN, platforms=who.platforms).allowed:
        return True  # the platform's operations manager may stand in for anyone
    if requirement.approver is Approver.CAB:
        return person.name.lower() in policy.cab_members
    if requirement.approver is Approver.OPERATIONS_MANAGER:
        return False
    squad = (
        who.implementer_squad
        if requirement.approver is Approver.SQUAD_LEAD
        else who.journey_owners.get(requirement.scope, "")
    )
    return _rank(person.role) >= _rank(AccountRole.SQUAD_LEAD) and squad in person.squads


def _refusal(who: Approving, filled: Mapping[str, str]) -> str | None:
    """Why `who` may approve nothing on the change: nobody approves their own change, nor
    fills two requirements of one change."""
    if who.person.name.lower() == who.implementer.lower():
        return "the implementer cannot approve their own change"
    if who.person.name in filled.values():
        return f"{who.person.name} has already approved this change"
    return None


def givers(requirement: Requirement, who: Approving, policy: ApprovalPolicy) -> str:
    """Who may fill `requirement` on the change `who` is looking at, in words."""
    if requirement.approver is Approver.OPERATIONS_MANAGER:
        return "an operations manager"
    if requirement.approver is Approver.CAB:
        members = ", ".join(sorted(policy.cab_members))
        board = f"a change advisory board member ({members})" if members else "a CAB member"
    elif requirement.approver is Approver.SQUAD_LEAD:
        board = f"a squad lead of {who.implementer_squad}"
    else:
        board = f"a squad lead of {who.journey_owners.get(requirement.scope, '?')}"
    return f"{board}, or an operations manager"


@dataclass(frozen=True)
class Waiting:
    """An approval the change still needs: who may give it, and whether the person asking may."""

    requirement: Requirement
    givers: str
    yours: bool


def waiting(
    who: Approving,
    required: Iterable[Requirement],
    filled: Mapping[str, str],
    policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY,
) -> list[Waiting]:
    free = _refusal(who, filled) is None
    return [
        Waiting(r, givers(r, who, policy), free and may_fill(r, who, policy))
        for r in outstanding(required, filled)
    ]


def requirement_for(
    who: Approving,
    required: Iterable[Requirement],
    filled: Mapping[str, str],
    wanted: str | None = None,
    policy: ApprovalPolicy = DEFAULT_APPROVAL_POLICY,
) -> Requirement:
    """The open requirement this approver fills (`wanted`, or the first they may fill).
    `filled` maps requirement refs to who approved them: nobody fills two, and the
    implementer approves nothing of their own."""
    refusal = _refusal(who, filled)
    if refusal:
        raise Conflict(refusal)
    open_ = [r for r in required if r.ref not in filled and (wanted in (None, r.ref))]
    if wanted and not open_:
        raise Conflict(
            f"no open approval '{wanted}' on this change", fields={"requirement": "not open"}
        )
    for requirement in open_:
        if may_fill(requirement, who, policy):
            return requirement
    raise Conflict(
        "you may not give any of the approvals this change still needs: "
        + ", ".join(r.ref for r in open_),
        fields={"requirement": "not yours to give"},
    )


def outstanding(required: Iterable[Requirement], filled: Collection[str]) -> list[Requirement]:
    return [r for r in required if r.ref not in filled]

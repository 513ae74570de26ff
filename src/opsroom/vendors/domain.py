"""A vendor engaged on an incident, held to its contract: the response and resolution
targets its SLA terms set for the incident's priority, the escalation ladder climbed while
it has not responded, and whether each target was met; its contract's term and the
components it no longer supports."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from opsroom.auth.domain import Principal
from opsroom.infra.errors import InvalidTransition, ValidationFailed
from opsroom.infra.events import Event


class EngagementStatus(StrEnum):
    ENGAGED = "engaged"  # waiting for the vendor to respond; the ladder climbs
    ACKNOWLEDGED = "acknowledged"  # the vendor responded; the resolution clock runs
    CLOSED = "closed"  # the incident was resolved


@dataclass(frozen=True)
class Targets:
    """Minutes the contract gives the vendor to respond and to resolve (None: no target)."""

    response_minutes: int | None
    resolution_minutes: int | None


ENGAGEMENT_PREFIX = "ENG"


def engagement_key(engagement_id: int) -> str:
    """ENG-7: how the escalation emails of engagement 7 name it, so a reply finds it."""
    return f"{ENGAGEMENT_PREFIX}-{engagement_id}"


def _minutes(terms: Mapping[str, Any], name: str, priority: str) -> int | None:
    """`terms[name][priority]` when the contract states it as a positive whole number."""
    table = terms.get(name)
    value = table.get(priority) if isinstance(table, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def targets(terms: Mapping[str, Any], priority: str, ladder: Sequence[int]) -> Targets:
    """The contract's `response_minutes` and `resolution_minutes` for the priority (P1 ...);
    without a response time for it, the first level of the ladder's."""
    response = _minutes(terms, "response_minutes", priority)
    if response is None and ladder:
        response = ladder[0]
    return Targets(response, _minutes(terms, "resolution_minutes", priority))


def promised_availability(terms: Mapping[str, Any]) -> float | None:
    """The contract's `availability_percent` (e.g. 99.9) when it states one in (0, 100]."""
    value = terms.get("availability_percent")
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 100:
        return None
    return float(value)


def due(start: datetime, minutes: int | None) -> datetime | None:
    return None if minutes is None else start + timedelta(minutes=minutes)


def next_level(current: int, levels: int) -> int | None:
    """The ladder's level after `current`, or None at its top."""
    return current + 1 if current < levels else None


@dataclass(frozen=True)
class Verdict:
    """One target judged: met, or breached by so many minutes; None while it still runs."""

    met: bool | None
    minutes_over: int


def judge(due_at: datetime | None, done_at: datetime | None, now: datetime) -> Verdict:
    """Met if done by the due time; breached as soon as the due time passes undone. Minutes
    over are whole minutes past the due time, rounded up."""
    if due_at is None:
        return Verdict(None, 0)
    end = done_at or now
    if end <= due_at:
        return Verdict(True if done_at else None, 0)
    over = -(-(end - due_at) // timedelta(minutes=1))
    return Verdict(False, over)


# --- service credits ----------------------------------------------------------------------


class CreditStatus(StrEnum):
    NONE = "none"  # no target breached, nothing owed
    OWED = "owed"
    DISPUTED = "disputed"  # the vendor contests it; an operations manager settles it
    UPHELD = "upheld"  # the dispute was rejected: the credit stands
    WAIVED = "waived"  # the dispute was accepted: nothing is owed


SETTLED = frozenset({CreditStatus.UPHELD, CreditStatus.WAIVED})


@dataclass(frozen=True)
class CreditTier:
    """A breach by more than `over_minutes` earns `amount` in the contract's currency."""

    over_minutes: int
    amount: int


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def credit_table(terms: Mapping[str, Any]) -> list[CreditTier]:
    """The contract's `breach_credits` ([{over_minutes, amount}]), rows that are not whole
    non-negative numbers left out, in order of minutes."""
    rows = terms.get("breach_credits")
    tiers = []
    for row in rows if isinstance(rows, list) else []:
        over = _whole(row.get("over_minutes")) if isinstance(row, Mapping) else None
        amount = _whole(row.get("amount")) if isinstance(row, Mapping) else None
        if over is not None and amount is not None:
            tiers.append(CreditTier(over, amount))
    return sorted(tiers, key=lambda t: t.over_minutes)


def credit_for(table: Sequence[CreditTier], verdict: Verdict) -> int:
    """What one breached target earns: the highest tier the breach went past."""
    if verdict.met is not False:
        return 0
    earned = [t.amount for t in table if verdict.minutes_over > t.over_minutes]
    return max(earned, default=0)


def credit_owed(table: Sequence[CreditTier], *verdicts: Verdict) -> int:
    return sum(credit_for(table, v) for v in verdicts)


def disputed(status: CreditStatus) -> CreditStatus:
    """A credit owed may be disputed, once."""
    if status is not CreditStatus.OWED:
        raise InvalidTransition(f"a credit {status.value} cannot be disputed")
    return CreditStatus.DISPUTED


def settled(status: CreditStatus, outcome: CreditStatus) -> CreditStatus:
    """A disputed credit is settled: upheld or waived."""
    if status is not CreditStatus.DISPUTED:
        raise InvalidTransition(f"a credit {status.value} has no dispute to settle")
    if outcome not in SETTLED:
        problem = "a dispute is settled as upheld or waived"
        raise ValidationFailed(problem, fields={"outcome": problem})
    return outcome


# --- scorecard ----------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def quarter_days(text: str) -> tuple[date, date]:
    """The first and last day of a quarter written 2026Q3 (or 2026-Q3, as the KPIs write it)."""
    found = _QUARTER.match(text.strip())
    if found is None:
        raise ValidationFailed(
            f"'{text}' is not a quarter: write it as 2026Q3", fields={"quarter": "YYYYQn"}
        )
    year, first_month = int(found[1]), (int(found[2]) - 1) * 3 + 1
    start = date(year, first_month, 1)
    after = date(year + 1, 1, 1) if first_month == 10 else date(year, first_month + 3, 1)
    return start, after - timedelta(days=1)


def review_period(quarter: str | None, since: date | None, until: date | None) -> tuple[date, date]:
    """The days a review pack covers: a whole quarter, or from `since` to `until`, never both."""
    if quarter is not None:
        if since is not None or until is not None:
            problem = "give a quarter or since and until, not both"
            raise ValidationFailed(problem, fields={"quarter": "not with since or until"})
        return quarter_days(quarter)
    if since is None or until is None:
        missing = "since" if since is None else "until"
        raise ValidationFailed(
            "give a quarter, or both since and until", fields={missing: "required without quarter"}
        )
    return since, until


@dataclass(frozen=True)
class EngagementFacts:
    """What a scorecard counts of one engagement."""

    response: Verdict
    resolution: Verdict
    credit: int
    credit_status: CreditStatus
    minutes_to_repair: float | None  # the incident's, detection to resolution


@dataclass(frozen=True)
class Compliance:
    met: int
    breached: int

    @property
    def percent(self) -> float | None:
        judged = self.met + self.breached
        return None if judged == 0 else round(100 * self.met / judged, 1)


@dataclass(frozen=True)
class Figures:
    engagements: int
    response: Compliance
    resolution: Compliance
    mttr_minutes: float | None
    credits_owed: int  # owed, disputed or upheld: all but waived
    credits_disputed: int


def _compliance(verdicts: Sequence[Verdict]) -> Compliance:
    return Compliance(
        met=sum(v.met is True for v in verdicts), breached=sum(v.met is False for v in verdicts)
    )


def figures(facts: Sequence[EngagementFacts]) -> Figures:
    repairs = [f.minutes_to_repair for f in facts if f.minutes_to_repair is not None]
    standing = [f for f in facts if f.credit_status is not CreditStatus.WAIVED]
    return Figures(
        engagements=len(facts),
        response=_compliance([f.response for f in facts]),
        resolution=_compliance([f.resolution for f in facts]),
        mttr_minutes=round(sum(repairs) / len(repairs), 1) if repairs else None,
        credits_owed=sum(f.credit for f in standing),
        credits_disputed=sum(f.credit_status is CreditStatus.DISPUTED for f in facts),
    )


# --- contracts ----------------------------------------------------------------------------


class SupportLevel(StrEnum):
    BASIC = "basic"
    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


class ContractState(StrEnum):
    NOT_STARTED = "not_started"
    ACTIVE = "active"
    RENEWAL_DUE = "renewal_due"  # inside its notice period
    EXPIRED = "expired"


def check_term(starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise ValidationFailed(
            "a contract ends after it starts", fields={"ends_on": "after starts_on"}
        )


def reminder_on(ends_on: date, notice_days: int) -> date:
    """The day the renewal reminder goes out: the notice period before the contract ends."""
    return ends_on - timedelta(days=notice_days)


def contract_state(today: date, starts_on: date, ends_on: date, notice_days: int) -> ContractState:
    if today < starts_on:
        return ContractState.NOT_STARTED
    if today > ends_on:
        return ContractState.EXPIRED
    if today >= reminder_on(ends_on, notice_days):
        return ContractState.RENEWAL_DUE
    return ContractState.ACTIVE


# --- support ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutOfSupport:
    """A component of the vendor's that its contract no longer supports (or will not from
    `ends_on`): an item in the issue register until support is renewed."""

    component: str
    ends_on: date


@dataclass(frozen=True)
class SupportRecorded(Event):
    """A vendor's contract was recorded: these components are out of support, every other
    one is supported."""

    vendor: str
    name: str
    components: tuple[OutOfSupport, ...]
    owner: str
    actor: Principal


def check_components(components: Sequence[OutOfSupport]) -> None:
    """Each component is named once."""
    names = [c.component.casefold() for c in components]
    twice = sorted({c.component for c in components if names.count(c.component.casefold()) > 1})
    if twice:
        problem = f"named more than once: {', '.join(twice)}"
        raise ValidationFailed(f"a component is {problem}", fields={"out_of_support": problem})

"""Risks as pure rules: the likelihood x impact matrix each platform defines, scores and
their bands, the appetite line, the lifecycle, what a drop in score or an acceptance needs,
expected annual loss and the ranking of a register."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from opsroom.infra.errors import InvalidTransition, ValidationFailed

SIZES = range(3, 6)  # a matrix is 3x3 to 5x5
HOURS_PER_YEAR = 24 * 365


class Status(StrEnum):
    IDENTIFIED = "identified"
    ASSESSED = "assessed"
    TREATING = "treating"
    ACCEPTED = "accepted"
    CLOSED = "closed"


OPEN = frozenset({Status.IDENTIFIED, Status.ASSESSED, Status.TREATING, Status.ACCEPTED})


class Transition(StrEnum):
    ASSESS = "assess"
    TREAT = "treat"
    CLOSE = "close"
    REVIEW = "review"  # back to assessed: an expired acceptance, or a fresh look
    REOPEN = "reopen"


# Accepting is its own use case (an operations manager, an expiry), not a plain move.
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.ASSESS: (frozenset({Status.IDENTIFIED}), Status.ASSESSED),
    Transition.TREAT: (frozenset({Status.ASSESSED}), Status.TREATING),
    Transition.CLOSE: (
        frozenset({Status.ASSESSED, Status.TREATING, Status.ACCEPTED}),
        Status.CLOSED,
    ),
    Transition.REVIEW: (frozenset({Status.TREATING, Status.ACCEPTED}), Status.ASSESSED),
    Transition.REOPEN: (frozenset({Status.CLOSED}), Status.ASSESSED),
}
ACCEPTABLE = frozenset({Status.ASSESSED, Status.TREATING})


class Treatment(StrEnum):
    MITIGATE = "mitigate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"


class Assessment(StrEnum):
    """The three scores of a risk: before any control, now, and where treatment aims."""

    INHERENT = "inherent"
    CURRENT = "current"
    TARGET = "target"


class Affects(StrEnum):
    SERVICE = "service"
    JOURNEY = "journey"
    VENDOR = "vendor"


class Evidence(StrEnum):
    """Records that show a risk materialised."""

    INCIDENT = "incident"
    PROBLEM = "problem"
    CHANGE = "change"


EVIDENCE_PREFIX = {Evidence.INCIDENT: "INC", Evidence.PROBLEM: "PRB", Evidence.CHANGE: "CHG"}


# --- the matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """Scores up to `up_to` (inclusive) are in this band."""

    up_to: int
    label: str
    colour: str


@dataclass(frozen=True)
class Matrix:
    """A platform's risk matrix: labels low to high on each axis (3 to 5 of each, the same
    number), bands of score, the appetite (the highest score tolerated without treatment),
    and how often a risk at each likelihood level is expected to happen in a year."""

    likelihood: tuple[str, ...]
    impact: tuple[str, ...]
    bands: tuple[Band, ...]
    appetite: int
    annual_rate: tuple[float, ...]

    @property
    def size(self) -> int:
        return len(self.likelihood)


DEFAULT_MATRIX = Matrix(
    likelihood=("rare", "unlikely", "possible", "likely", "almost certain"),
    impact=("negligible", "minor", "moderate", "major", "severe"),
    bands=(
        Band(4, "low", "#2e7d32"),
        Band(9, "medium", "#f9a825"),
        Band(16, "high", "#ef6c00"),
        Band(25, "critical", "#c62828"),
    ),
    appetite=9,
    annual_rate=(0.05, 0.2, 0.5, 2.0, 6.0),
)


DEFAULT_CATEGORIES = (
    "availability",
    "security",
    "data",
    "vendor",
    "capacity",
    "compliance",
    "people",
    "financial",
)


@dataclass(frozen=True)
class RiskSettings:
    """What a platform's register runs on: its matrix, the categories a risk can have, what
    an hour of downtime costs per journey (and on a service in no priced journey), and the
    downtime assumed per impact level for a risk that has not materialised yet."""

    matrix: Matrix = DEFAULT_MATRIX
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    journey_cost_per_hour: tuple[tuple[str, float], ...] = ()
    default_cost_per_hour: float = 1000.0
    impact_hours: float = 1.0

    def cost_per_hour(self, journeys: Iterable[str]) -> float:
        """Downtime of these journeys at once: the sum of their costs, or the default."""
        costs = dict(self.journey_cost_per_hour)
        priced = [costs[j] for j in journeys if j in costs]
        return sum(priced) if priced else self.default_cost_per_hour


DEFAULT_SETTINGS = RiskSettings()


def check_category(settings: RiskSettings, category: str) -> str:
    if category not in settings.categories:
        raise ValidationFailed(
            f"no risk category '{category}'",
            fields={"category": f"one of: {', '.join(settings.categories)}"},
        )
    return category


def check_matrix(matrix: Matrix) -> None:
    """A usable matrix, or the fields that are not."""
    fields: dict[str, str] = {}
    size = matrix.size
    if size not in SIZES:
        fields["likelihood"] = "3 to 5 levels"
    if len(matrix.impact) != size:
        fields["impact"] = f"as many levels as likelihood ({size})"
    if len(matrix.annual_rate) != size or any(r < 0 for r in matrix.annual_rate):
        fields["annual_rate"] = f"{size} non-negative rates, one per likelihood level"
    tops = [b.up_to for b in matrix.bands]
    if not tops or tops != sorted(set(tops)) or tops[-1] != size * size:
        fields["bands"] = f"ascending, the last up to {size * size}"
    if not 1 <= matrix.appetite <= size * size:
        fields["appetite"] = f"a score from 1 to {size * size}"
    if fields:
        raise ValidationFailed("the risk matrix is not usable", fields=fields)


@dataclass(frozen=True)
class Rating:
    likelihood: int
    impact: int

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


LISTED = 20  # risks named in a refusal; the rest are counted


def _listed(keys: Sequence[str]) -> str:
    more = f" and {len(keys) - LISTED} more" if len(keys) > LISTED else ""
    return ", ".join(keys[:LISTED]) + more


def check_matrix_fits(matrix: Matrix, in_use: Mapping[str, Iterable[Rating]]) -> None:
    """A matrix holds every level the risks' scores use (risks by key), or the axes that
    fall short name the risks beyond them."""
    beyond: dict[str, list[str]] = {"likelihood": [], "impact": []}
    for key, ratings in in_use.items():
        levels = list(ratings)
        for axis, found in beyond.items():
            if max(getattr(r, axis) for r in levels) > matrix.size:
                found.append(key)
    fields = {
        axis: f"{matrix.size} levels are fewer than {_listed(keys)} use"
        for axis, keys in beyond.items()
        if keys
    }
    if fields:
        raise ValidationFailed(
            f"the {matrix.size}x{matrix.size} matrix is smaller than scores in use", fields=fields
        )


def check_rating(matrix: Matrix, rating: Rating, assessment: Assessment) -> Rating:
    fields = {
        f"{assessment.value}_{axis}": f"1 to {matrix.size} on this platform's matrix"
        for axis, level in (("likelihood", rating.likelihood), ("impact", rating.impact))
        if not 1 <= level <= matrix.size
    }
    if fields:
        raise ValidationFailed(
            f"the {assessment.value} score is outside the {matrix.size}x{matrix.size} matrix",
            fields=fields,
        )
    return rating


def band(matrix: Matrix, score: int) -> Band:
    return next((b for b in matrix.bands if score <= b.up_to), matrix.bands[-1])


def above_appetite(matrix: Matrix, score: int) -> bool:
    return score > matrix.appetite


def check_drop(before: Rating, after: Rating, reason: str) -> None:
    """A current score only drops with a reason (the control that brought it down)."""
    if after.score < before.score and len(reason.strip()) < 3:
        raise ValidationFailed(
            f"say why the current score drops from {before.score} to {after.score}",
            fields={"reason": "required when the current score drops"},
        )


def check_acceptance(until: date | None, today: date, reason: str) -> date:
    fields: dict[str, str] = {}
    if until is None:
        fields["until"] = "an acceptance expires: give the date"
    elif until <= today:
        fields["until"] = "a date after today"
    if len(reason.strip()) < 3:
        fields["reason"] = "say why the risk is accepted"
    if fields or until is None:
        raise ValidationFailed("the acceptance needs an expiry and a reason", fields=fields)
    return until


def next_status(current: Status, move: Transition) -> Status:
    sources, target = TRANSITIONS[move]
    if current not in sources:
        raise InvalidTransition(
            f"cannot {move.value} a risk that is {current.value}; allowed now: "
            f"{', '.join(t.value for t in allowed(current)) or 'nothing'}",
            fields={"status": current.value},
        )
    return target


def allowed(current: Status) -> list[Transition]:
    return [t for t, (sources, _) in TRANSITIONS.items() if current in sources]


def check_acceptable(current: Status) -> None:
    if current not in ACCEPTABLE:
        raise InvalidTransition(
            f"cannot accept a risk that is {current.value}; assess it first",
            fields={"status": current.value},
        )


def review_overdue(status: Status, review_on: date | None, today: date) -> bool:
    return status in OPEN and review_on is not None and review_on < today


# --- heat map -----------------------------------------------------------------------------


def heat(matrix: Matrix, ratings: Iterable[Rating]) -> list[list[int]]:
    """How many ratings fall in each cell: rows from the highest likelihood down, columns
    from the lowest impact up, as the matrix is drawn."""
    grid = [[0] * matrix.size for _ in range(matrix.size)]
    for r in ratings:
        grid[matrix.size - r.likelihood][r.impact - 1] += 1
    return grid


# --- expected annual loss and ranking -----------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    """What a risk is expected to cost a year, and how far it reaches."""

    key: str
    annual_rate: float  # expected times a year
    hours_per_event: float
    cost_per_hour: float
    blast_radius: int  # affected services and journeys, at least 1
    from_history: bool = field(default=False)

    @property
    def expected_annual_loss(self) -> float:
        return self.annual_rate * self.hours_per_event * self.cost_per_hour

    @property
    def weight(self) -> float:
        return self.expected_annual_loss * self.blast_radius


def annual_rate(matrix: Matrix, likelihood: int, occurrences_last_year: int) -> tuple[float, bool]:
    """How often a year, from the last year's history where there is any, else from the
    matrix's rate for the likelihood; and whether it came from history."""
    if occurrences_last_year > 0:
        return float(occurrences_last_year), True
    return matrix.annual_rate[likelihood - 1], False


def hours_per_event(downtimes_hours: Sequence[float], impact: int, impact_hours: float) -> float:
    """The mean downtime of past materialisations, or `impact_hours` per impact level."""
    if downtimes_hours:
        return sum(downtimes_hours) / len(downtimes_hours)
    return impact * impact_hours


def _number(key: str) -> int:
    digits = key.rpartition("-")[2]
    return int(digits) if digits.isdigit() else 0


def rank(exposures: Iterable[Exposure]) -> list[Exposure]:
    """Highest weight (expected annual loss x blast radius) first; ties oldest key first."""
    return sorted(exposures, key=lambda e: (-e.weight, _number(e.key), e.key))


# --- the issue register -------------------------------------------------------------------


class IssueStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


class IssueTransition(StrEnum):
    ESCALATE = "escalate"
    RESOLVE = "resolve"
    REOPEN = "reopen"


ISSUE_TRANSITIONS: dict[IssueTransition, tuple[frozenset[IssueStatus], IssueStatus]] = {
    IssueTransition.ESCALATE: (frozenset({IssueStatus.OPEN}), IssueStatus.ESCALATED),
    IssueTransition.RESOLVE: (
        frozenset({IssueStatus.OPEN, IssueStatus.ESCALATED}),
        IssueStatus.RESOLVED,
    ),
    IssueTransition.REOPEN: (frozenset({IssueStatus.RESOLVED}), IssueStatus.OPEN),
}


def next_issue_status(
    current: IssueStatus, move: IssueTransition, to: str, reason: str
) -> IssueStatus:
    sources, target = ISSUE_TRANSITIONS[move]
    if current not in sources:
        raise InvalidTransition(
            f"cannot {move.value} an issue that is {current.value}",
            fields={"status": current.value},
        )
    if move is IssueTransition.ESCALATE and (not to.strip() or len(reason.strip()) < 3):
        raise ValidationFailed(
            "say whom the issue goes to and why",
            fields={
                name: "required to escalate"
                for name, value in (("to", to), ("reason", reason))
                if len(value.strip()) < (1 if name == "to" else 3)
            },
        )
    return target


def issue_allowed(current: IssueStatus) -> list[IssueTransition]:
    return [t for t, (sources, _) in ISSUE_TRANSITIONS.items() if current in sources]


def issue_overdue(status: IssueStatus, due_on: date, today: date) -> bool:
    return status is not IssueStatus.RESOLVED and due_on < today

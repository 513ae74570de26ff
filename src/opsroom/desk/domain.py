"""The service desk's rules: a ticket's life, its SLA clocks counted in business hours, and
what a customer's satisfaction answer may be."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from opsroom.infra.errors import InvalidTransition, ValidationFailed


class Kind(StrEnum):
    INCIDENT = "incident"  # something a customer reports as broken
    REQUEST = "request"  # something a customer asks to be done


class Priority(IntEnum):
    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the requester
    RESOLVED = "resolved"
    CLOSED = "closed"


class Transition(StrEnum):
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


OPEN = frozenset({Status.NEW, Status.OPEN, Status.PENDING})

MOVES: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.WAIT: (frozenset({Status.NEW, Status.OPEN}), Status.PENDING),
    Transition.RESUME: (frozenset({Status.PENDING}), Status.OPEN),
    Transition.RESOLVE: (OPEN, Status.RESOLVED),
    Transition.REOPEN: (frozenset({Status.RESOLVED}), Status.OPEN),
    Transition.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
}


def after_customer_reply(current: Status) -> Status:
    """A requester's reply puts the ticket back to work: one waiting on them resumes and a
    resolved one reopens; a closed ticket takes no more replies (a new mail opens a new
    ticket)."""
    if current == Status.CLOSED:
        raise InvalidTransition(
            "a closed ticket takes no replies", fields={"status": f"is {current.value}"}
        )
    return Status.OPEN if current in (Status.PENDING, Status.RESOLVED) else current


def next_status(current: Status, move: Transition) -> Status:
    allowed, target = MOVES[move]
    if current not in allowed:
        raise InvalidTransition(
            f"a {current.value} ticket cannot {move.value}",
            fields={"status": f"is {current.value}"},
        )
    return target


# --- business hours -----------------------------------------------------------------------


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"


@dataclass(frozen=True)
class Opening:
    """One weekday's opening hours, local time."""

    opens: time
    closes: time


OFFICE = Opening(time(8, 0), time(18, 0))
WORKING_WEEK = (OFFICE,) * 5 + (None, None)


@dataclass(frozen=True)
class BusinessHours:
    """When a platform's desk is staffed: each weekday's `week` entry (Monday first; None
    when closed) in `zone`, except on `holidays` (local dates)."""

    zone: str = "Europe/Amsterdam"
    week: tuple[Opening | None, ...] = WORKING_WEEK
    holidays: frozenset[date] = field(default_factory=frozenset)

    def window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening hours as UTC moments (so that a window spanning a DST change
        holds the time that really passes), or None when closed all day."""
        opening = self.week[day.weekday()]
        if opening is None or day in self.holidays:
            return None
        zone = ZoneInfo(self.zone)
        opens = datetime.combine(day, opening.opens, zone).astimezone(UTC)
        closes = datetime.combine(day, opening.closes, zone).astimezone(UTC)
        return (opens, closes) if opens < closes else None

    def days_from(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        """The windows from `moment`'s local day on, for as far as any target reaches."""
        first = moment.astimezone(ZoneInfo(self.zone)).date()
        windows = (self.window(first + timedelta(days=n)) for n in range(HORIZON_DAYS))
        return [w for w in windows if w is not None]


HORIZON_DAYS = 400  # a target further than this in business time is a configuration error


class BeyondHorizon(ValueError):
    """A target that business hours never reach within HORIZON_DAYS."""


def deadline(start: datetime, minutes: int, hours: BusinessHours) -> datetime:
    """The moment `minutes` of business time after `start` have passed."""
    left = timedelta(minutes=minutes)
    for opens, closes in hours.days_from(start):
        begin = max(opens, start)
        if begin >= closes:
            continue
        if begin + left <= closes:
            return begin + left
        left -= closes - begin
    raise BeyondHorizon(f"{minutes} business minutes reach past {HORIZON_DAYS} days")


def business_minutes(start: datetime, end: datetime, hours: BusinessHours) -> float:
    """How much business time lies between `start` and `end`, in minutes."""
    total = timedelta()
    for opens, closes in hours.days_from(start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        total += max(overlap, timedelta())
    return total.total_seconds() / 60


@dataclass(frozen=True)
class Targets:
    """Business minutes to the first response and to resolution."""

    first_response: int
    resolution: int


DAY = 10 * 60  # a business day of the default hours, in minutes

DEFAULT_TARGETS = (  # P1 to P4
    Targets(first_response=30, resolution=4 * 60),
    Targets(first_response=60, resolution=8 * 60),
    Targets(first_response=4 * 60, resolution=3 * DAY),
    Targets(first_response=8 * 60, resolution=5 * DAY),
)


@dataclass(frozen=True)
class CannedResponse:
    """A reply the desk sends often, written once."""

    title: str
    body: str


@dataclass(frozen=True)
class DeskSettings:
    """A platform's desk: its SLA targets by priority, its business hours and holidays, for
    how many days after resolution a requester's reply reopens a ticket, and its canned
    responses."""

    targets: tuple[Targets, ...] = DEFAULT_TARGETS
    hours: BusinessHours = BusinessHours()
    reopen_days: int = 14
    canned: tuple[CannedResponse, ...] = ()

    def canned_response(self, title: str) -> CannedResponse:
        found = next((c for c in self.canned if c.title == title), None)
        if found is None:
            raise ValidationFailed(
                f"no canned response '{title}'", fields={"canned": "no such canned response"}
            )
        return found

    def targets_for(self, priority: Priority) -> Targets:
        return self.targets[priority - 1]


@dataclass(frozen=True)
class Clock:
    kind: str  # first_response, resolution
    due_at: datetime


def sla_clocks(
    opened_at: datetime, priority: Priority, settings: DeskSettings = DeskSettings()
) -> tuple[Clock, Clock]:
    targets = settings.targets_for(priority)
    return (
        Clock("first_response", deadline(opened_at, targets.first_response, settings.hours)),
        Clock("resolution", deadline(opened_at, targets.resolution, settings.hours)),
    )


def check_settings(settings: DeskSettings, now: datetime) -> None:
    """Refuse settings no ticket could be served by, naming the field: a resolution target
    shorter than its first response, one the business hours never reach, or two canned
    responses of one title."""
    for priority, targets in zip(Priority, settings.targets, strict=True):
        if targets.resolution < targets.first_response:
            raise ValidationFailed(
                f"{priority.name} resolves before its first response is due",
                fields={f"targets.{priority.name}.resolution": "is below the first response"},
            )
    titles = [c.title for c in settings.canned]
    for n, title in enumerate(titles):
        if title in titles[:n]:
            refusal = f"two canned responses are titled {title}"
            raise ValidationFailed(refusal, fields={f"canned_responses.{n}.title": "repeated"})
    longest = max(t.resolution for t in settings.targets)
    try:
        deadline(now, longest, settings.hours)
    except BeyondHorizon:
        refusal = f"{longest} business minutes are not reached within {HORIZON_DAYS} days"
        raise ValidationFailed(refusal, fields={"hours": refusal}) from None


def may_reopen(resolved_at: datetime, now: datetime, settings: DeskSettings) -> bool:
    """Whether a requester's reply still reopens a resolved ticket."""
    return now - resolved_at <= timedelta(days=settings.reopen_days)


# --- customer satisfaction ----------------------------------------------------------------

SCORES = range(1, 6)
LOW_SCORE = 2  # at or below: the squad lead follows up


def csat(scores: list[int]) -> float | None:
    """The share of satisfied answers (4 or 5), in percent, as CSAT is usually reported."""
    if not scores:
        return None
    return round(100 * sum(s >= 4 for s in scores) / len(scores), 1)


# --- the request catalog --------------------------------------------------------------------


class FieldType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    NUMBER = "number"
    DATE = "date"


@dataclass(frozen=True)
class RequestField:
    """A question a request type asks its requester."""

    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()


class Approver(StrEnum):
    SQUAD_LEAD = "squad_lead"  # a lead of the step's squad (the fulfilment squad by default)
    OPERATIONS_MANAGER = "operations_manager"  # of the request's platform


class Decision(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


def check_fields(fields: list[RequestField]) -> None:
    """A request type's questions: names unique, a choice offers choices."""
    seen: set[str] = set()
    for n, question in enumerate(fields):
        if question.name in seen:
            raise ValidationFailed(
                f"two fields are named {question.name}", fields={f"fields.{n}.name": "repeated"}
            )
        seen.add(question.name)
        if question.type is FieldType.CHOICE and not question.choices:
            refusal = "a choice needs choices"
            raise ValidationFailed(refusal, fields={f"fields.{n}.choices": refusal})


def check_answers(fields: list[RequestField], answers: dict[str, str]) -> dict[str, str]:
    """The answers as the ticket records them; refused naming every bad one
    (`answers.<name>`): a required one missing, a choice not offered, a number or a date
    that is none, a field the type does not ask."""
    problems = {
        f"answers.{name}": "not asked" for name in answers.keys() - {f.name for f in fields}
    }
    kept: dict[str, str] = {}
    for question in fields:
        value = answers.get(question.name, "").strip()
        problem = (
            _problem(question, value) if value else ("required" if question.required else None)
        )
        if problem:
            problems[f"answers.{question.name}"] = problem
        elif value:
            kept[question.name] = value
    if problems:
        raise ValidationFailed("check the answers marked", fields=problems)
    return kept


def _problem(question: RequestField, value: str) -> str | None:
    if question.type is FieldType.CHOICE and value not in question.choices:
        return f"one of: {', '.join(question.choices)}"
    try:
        if question.type is FieldType.NUMBER:
            float(value)
        elif question.type is FieldType.DATE:
            date.fromisoformat(value)
    except ValueError:
        return "a number" if question.type is FieldType.NUMBER else "a date (YYYY-MM-DD)"
    return None


def next_step(decisions: list[Decision]) -> int | None:
    """The step waiting for a decision (steps are taken in order), or None when every step
    is approved or one was declined."""
    if Decision.DECLINED in decisions:
        return None
    return next((n for n, d in enumerate(decisions) if d is Decision.PENDING), None)

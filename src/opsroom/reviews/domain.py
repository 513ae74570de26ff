"""Post-incident reviews as pure rules: when one is required and due, its workflow, the
response figures drawn from an incident's timestamps, and the review as Markdown."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from markdown_it import MarkdownIt

from opsroom.improvement.domain import DEFAULT_REVIEW_POLICY as DEFAULT_POLICY
from opsroom.improvement.domain import REVIEW_SECTIONS
from opsroom.improvement.domain import ReviewPolicy as Policy
from opsroom.incidents.domain import Priority
from opsroom.infra.errors import InvalidTransition
from opsroom.infra.events import Event


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class Transition(StrEnum):
    SUBMIT = "submit"
    RETURN = "return"
    PUBLISH = "publish"


TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status]] = {
    Transition.SUBMIT: (frozenset({Status.DRAFT}), Status.IN_REVIEW),
    Transition.RETURN: (frozenset({Status.IN_REVIEW}), Status.DRAFT),
    Transition.PUBLISH: (frozenset({Status.IN_REVIEW}), Status.PUBLISHED),
}

SECTIONS = REVIEW_SECTIONS
PROMPTS: dict[str, str] = {
    "summary": "In two or three sentences: what customers saw and what restored service.",
    "what_happened": "The sequence of events in the systems, and the decisions taken with what was known then.",
    "contributing_factors": "Conditions in systems, tooling and process that made this possible or worse.",
    "went_well": "Detection, tooling and coordination that helped.",
    "went_poorly": "Where systems, signals or process slowed the response.",
    "got_lucky": "What limited the impact by chance rather than by design.",
}


def next_status(current: Status, transition: Transition) -> Status:
    sources, target = TRANSITIONS[transition]
    if current not in sources:
        allowed_now = ", ".join(t.value for t in allowed(current)) or "nothing (it is published)"
        raise InvalidTransition(
            f"cannot {transition.value} a review that is {current.value.replace('_', ' ')}; "
            f"allowed now: {allowed_now}",
            fields={"status": current.value},
        )
    return target


def allowed(current: Status) -> list[Transition]:
    return [t for t, (sources, _) in TRANSITIONS.items() if current in sources]


def required(priority: Priority, policy: Policy = DEFAULT_POLICY) -> bool:
    return priority in policy.required_for


def publish_gaps(
    policy: Policy,
    *,
    required_review: bool,
    sections: Mapping[str, str],
    actions: int,
    authors: Collection[str],
    publisher: str,
) -> dict[str, str]:
    """What stands between a review and its publication by `publisher`, by field. Every
    review needs its summary; a required one also what `policy` asks of it."""
    needed = policy.required_sections | {"summary"} if required_review else {"summary"}
    gaps = {
        name: f"write {heading}"
        for name, heading in SECTIONS.items()
        if name in needed and not sections.get(name, "").strip()
    }
    if required_review and policy.needs_actions and actions == 0:
        gaps["actions"] = "agree at least one action item"
    if required_review and policy.second_approval and publisher in authors:
        gaps["approval"] = (
            f"someone who did not write it must publish it (written by {', '.join(sorted(authors))})"
        )
    return gaps


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    at = start
    while days > 0:
        at += timedelta(days=1)
        if at.weekday() < 5:
            days -= 1
    return at


def due_at(resolved_at: datetime, policy: Policy = DEFAULT_POLICY) -> datetime:
    return add_business_days(resolved_at, policy.due_business_days)


def is_overdue(status: Status, due: datetime | None, now: datetime) -> bool:
    return status is not Status.PUBLISHED and due is not None and now > due


@dataclass(frozen=True)
class ReviewPublished(Event):
    """A post-incident review is published: where the platform keeps its reviews (its
    Confluence) receives it."""

    key: str
    platform: str
    publisher: str


def on_time(published_at: datetime, due: datetime | None) -> bool:
    return due is None or published_at <= due


# --- response figures -----------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    start: str
    end: str


# Time to X runs from the first timestamp to the second (impact start, else detection).
FIGURES = (
    Figure("time_to_detect", "impact_started_at", "detected_at"),
    Figure("time_to_acknowledge", "detected_at", "acknowledged_at"),
    Figure("time_to_mitigate", "detected_at", "mitigated_at"),
    Figure("time_to_resolve", "detected_at", "resolved_at"),
    Figure("impact_duration", "impact_started_at", "resolved_at"),
)


def response_figures(timestamps: Mapping[str, datetime | None]) -> dict[str, int | None]:
    """Seconds for each figure; None where a timestamp is missing. Impact counts from the
    start of impact, or from detection when nobody knows when impact began."""
    start_of_impact = timestamps.get("impact_started_at") or timestamps.get("detected_at")
    known = {**timestamps, "impact_started_at": start_of_impact}
    figures: dict[str, int | None] = {}
    for f in FIGURES:
        start, end = known.get(f.start), known.get(f.end)
        figures[f.name] = int((end - start).total_seconds()) if start and end else None
    return figures


def duration_text(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


# --- the review as Markdown -----------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """Everything the exported review shows."""

    title: str
    incident: str
    priority: str
    status: str
    services: Sequence[str]
    journeys: Sequence[str]
    figures: Mapping[str, int | None]
    sections: Mapping[str, str]
    timeline: Sequence[tuple[datetime, str]]
    alerts: Sequence[str]
    participants: Sequence[str]
    actions: Sequence[str] = field(default_factory=list)
    changes: Sequence[str] = field(default_factory=list)


def _bullets(items: Sequence[str], empty: str) -> list[str]:
    return [f"- {item}" for item in items] or [f"_{empty}_"]


def to_markdown(doc: Document) -> str:
    lines = [
        f"# Post-incident review: {doc.incident} {doc.title}",
        "",
        f"**Priority** {doc.priority} · **Status** {doc.status.replace('_', ' ')}",
        "",
        "## Impact",
        "",
        f"- Services: {', '.join(doc.services) or 'none recorded'}",
        f"- Journeys: {', '.join(doc.journeys) or 'none'}",
        *(
            f"- {name.replace('_', ' ').capitalize()}: {duration_text(seconds)}"
            for name, seconds in doc.figures.items()
        ),
    ]
    for name, heading in SECTIONS.items():
        text = doc.sections.get(name, "").strip()
        lines += ["", f"## {heading}", "", text or "_Not written yet._"]
    lines += ["", "## Action items", "", *_bullets(doc.actions, "None yet.")]
    lines += ["", "## Timeline (UTC)", ""]
    lines += _bullets([f"{at:%Y-%m-%d %H:%M} {text}" for at, text in doc.timeline], "Empty.")
    lines += ["", "## Alerts", "", *_bullets(doc.alerts, "No alerts were linked.")]
    lines += ["", "## Changes in the 24 h before impact (UTC)", ""]
    lines += _bullets(doc.changes, "No changes on these services or what they depend on.")
    lines += ["", "## Participants", "", *_bullets(doc.participants, "None recorded.")]
    return "\n".join(lines) + "\n"


# Raw HTML in what people type is shown as text, never run.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def to_html(markdown: str) -> str:
    return str(_MARKDOWN.render(markdown))

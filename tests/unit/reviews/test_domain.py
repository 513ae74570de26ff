from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.incidents.domain import Priority
from opsroom.infra.errors import InvalidTransition
from opsroom.reviews import domain
from opsroom.reviews.domain import Status, Transition

FRIDAY = datetime(2026, 11, 6, 15, 0, tzinfo=UTC)


def test_reviews_are_required_for_major_priorities_by_default() -> None:
    assert domain.required(Priority.P1) and domain.required(Priority.P2)
    assert not domain.required(Priority.P3)
    assert domain.required(Priority.P3, domain.Policy(required_for=frozenset({Priority.P3})))


def test_due_in_five_business_days_skipping_the_weekend() -> None:
    assert domain.due_at(FRIDAY) == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)
    saturday = FRIDAY + timedelta(days=1)
    assert domain.due_at(saturday) == datetime(2026, 11, 13, 15, 0, tzinfo=UTC)
    assert domain.due_at(FRIDAY, domain.Policy(due_business_days=1)).weekday() == 0


def test_overdue_until_published() -> None:
    due = FRIDAY
    later = FRIDAY + timedelta(minutes=1)
    assert domain.is_overdue(Status.IN_REVIEW, due, later)
    assert not domain.is_overdue(Status.PUBLISHED, due, later)
    assert not domain.is_overdue(Status.DRAFT, due, due)
    assert domain.on_time(due, due) and not domain.on_time(later, due)


def test_workflow_and_published_is_final() -> None:
    status = domain.next_status(Status.DRAFT, Transition.SUBMIT)
    assert domain.next_status(status, Transition.RETURN) is Status.DRAFT
    assert domain.next_status(status, Transition.PUBLISH) is Status.PUBLISHED
    with pytest.raises(InvalidTransition, match="it is published"):
        domain.next_status(Status.PUBLISHED, Transition.RETURN)


def test_response_figures_from_the_incident_timestamps() -> None:
    t0 = FRIDAY
    figures = domain.response_figures(
        {
            "impact_started_at": t0,
            "detected_at": t0 + timedelta(minutes=4),
            "acknowledged_at": t0 + timedelta(minutes=9),
            "mitigated_at": t0 + timedelta(minutes=34),
            "resolved_at": t0 + timedelta(hours=2),
        }
    )
    assert figures == {
        "time_to_detect": 240,
        "time_to_acknowledge": 300,
        "time_to_mitigate": 1800,
        "time_to_resolve": 7200 - 240,
        "impact_duration": 7200,
    }


def test_impact_counts_from_detection_when_its_start_is_unknown() -> None:
    figures = domain.response_figures(
        {"detected_at": FRIDAY, "resolved_at": FRIDAY + timedelta(minutes=90)}
    )
    assert figures["time_to_detect"] == 0
    assert figures["impact_duration"] == 5400
    assert figures["time_to_mitigate"] is None
    assert domain.duration_text(5400) == "1 h 30 min"
    assert domain.duration_text(None) == "unknown"


def _document(**sections: str) -> domain.Document:
    return domain.Document(
        title="Checkout down",
        incident="INC-7",
        priority="P1",
        status="draft",
        services=["checkout"],
        journeys=["buy"],
        figures={"time_to_resolve": 3600},
        sections=sections,
        timeline=[(FRIDAY, "Declared P1")],
        alerts=["critical 5xx"],
        participants=["squad payments"],
        actions=["ACT-1 Add a circuit breaker"],
    )


def test_markdown_holds_every_section_in_order() -> None:
    text = domain.to_markdown(_document(summary="Checkout failed for 1 h."))
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[1:7] == [f"## {h}" for h in domain.SECTIONS.values()]
    assert "Checkout failed for 1 h." in text
    assert "- Time to resolve: 1 h" in text
    assert "- 2026-11-06 15:00 Declared P1" in text
    assert "- ACT-1 Add a circuit breaker" in text


def test_html_preview_escapes_raw_html() -> None:
    html = domain.to_html("**bold** <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html


WRITTEN = {"summary": "s", "what_happened": "w", "contributing_factors": "c"}


def _gaps(
    policy: domain.Policy = domain.DEFAULT_POLICY,
    *,
    required_review: bool = True,
    sections: dict[str, str] = WRITTEN,
    actions: int = 1,
    publisher: str = "lead@example.com",
) -> dict[str, str]:
    return domain.publish_gaps(
        policy,
        required_review=required_review,
        sections=sections,
        actions=actions,
        authors={"writer@example.com"},
        publisher=publisher,
    )


def test_a_written_required_review_with_an_action_publishes_by_another_person() -> None:
    assert _gaps() == {}


def test_a_required_review_names_every_gap_to_publication() -> None:
    gaps = _gaps(
        sections={"summary": "s", "got_lucky": " "}, actions=0, publisher="writer@example.com"
    )
    assert gaps == {
        "what_happened": "write What happened",
        "contributing_factors": "write Contributing factors",
        "actions": "agree at least one action item",
        "approval": "someone who did not write it must publish it (written by writer@example.com)",
    }


def test_a_review_not_required_needs_only_its_summary() -> None:
    gaps = _gaps(required_review=False, sections={}, actions=0, publisher="writer@example.com")
    assert gaps == {"summary": "write Summary"}


def test_the_policy_decides_what_a_required_review_needs() -> None:
    relaxed = domain.Policy(
        required_sections=frozenset(), needs_actions=False, second_approval=False
    )
    assert (
        _gaps(relaxed, sections={"summary": "s"}, actions=0, publisher="writer@example.com") == {}
    )

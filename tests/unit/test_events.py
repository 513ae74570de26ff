"""Domain events run their reactions in the recording transaction, in order; a failing
reaction drops what was still waiting; recording with nothing installed is refused loudly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from opsroom.infra import events
from opsroom.runtime import wiring


@dataclass(frozen=True)
class Rang(events.Event):
    n: int


@dataclass(frozen=True)
class Answered(events.Event):
    n: int


@pytest.fixture
def heard() -> Iterator[list[str]]:
    heard: list[str] = []

    def answer(session: Session, event: Rang) -> None:
        heard.append(f"answer {event.n}")
        events.record(session, Answered(event.n))
        heard.append(f"answered {event.n}")

    def log(session: Session, event: Rang | Answered) -> None:
        if getattr(event, "n", 0) < 0:
            raise RuntimeError("the line is dead")
        heard.append(f"log {type(event).__name__} {event.n}")

    events.install({Rang: (answer, log), Answered: (log,)})
    yield heard
    wiring.install()


def test_reactions_run_in_order_and_their_own_events_after_them(heard: list[str]) -> None:
    session = Session()
    events.record(session, Rang(1))
    assert heard == ["answer 1", "answered 1", "log Rang 1", "log Answered 1"]


def test_a_failing_reaction_drops_the_events_still_waiting(heard: list[str]) -> None:
    session = Session()
    with pytest.raises(RuntimeError):
        events.record(session, Rang(-1))
    events.record(session, Answered(2))
    assert heard == ["answer -1", "answered -1", "log Answered 2"]


def test_recording_before_the_wiring_is_installed_is_refused() -> None:
    events.install(None)  # type: ignore[arg-type]
    try:
        with pytest.raises(RuntimeError, match=r"wiring\.install"):
            events.record(Session(), Rang(1))
    finally:
        wiring.install()

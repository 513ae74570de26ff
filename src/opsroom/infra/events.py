"""Domain events: how one domain makes something happen in another without importing it.

A use case records what happened on its session (`record(session, IncidentResolved(...))`)
instead of calling a domain above its own. Which reactions follow which event is listed in
one module, `opsroom.runtime.wiring`, installed once when a process starts. The reactions
run as the event is recorded, in the same transaction, so they commit with their cause or
not at all, and the rest of the unit of work sees what they did (a review drafted when its
incident resolves is there to read at once). A reaction may record events of its own; they
run after the reactions to the event being handled, in the order recorded. When a reaction
fails, the events still waiting are dropped with it: the caller's transaction rolls back."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the pure domain modules define their events on this base
    from sqlalchemy.orm import Session


class Event:
    """What happened, in the words of the domain it happened in (a frozen dataclass)."""


Reaction = Callable[["Session", Any], None]
Reactions = Mapping[type[Event], Sequence[Reaction]]

_WAITING = "opsroom.events.waiting"
_RUNNING = "opsroom.events.running"
_installed: Reactions | None = None


def install(reactions: Reactions) -> None:
    """Make `reactions` the ones every unit of work of this process runs."""
    global _installed
    _installed = reactions


def record(session: Session, event: Event) -> None:
    waiting: list[Event] = session.info.setdefault(_WAITING, [])
    waiting.append(event)
    if not session.info.get(_RUNNING):
        _run(session, waiting)


def _run(session: Session, waiting: list[Event]) -> None:
    session.info[_RUNNING] = True
    try:
        while waiting:
            event = waiting.pop(0)
            for react in _reactions().get(type(event), ()):
                react(session, event)
    except BaseException:
        waiting.clear()
        raise
    finally:
        session.info[_RUNNING] = False


def _reactions() -> Reactions:
    if _installed is None:
        raise RuntimeError(
            "a domain event was recorded but no reactions are installed: "
            "call opsroom.runtime.wiring.install() when the process starts"
        )
    return _installed

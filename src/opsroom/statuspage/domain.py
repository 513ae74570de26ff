"""The rules of a platform's public status page: what customers are told of a service, who
may read the page, how its uptime bars are coloured, and the signed links that confirm or
end an email subscription."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum


class ComponentState(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


def component_state(open_priorities: list[int]) -> ComponentState:
    """What customers are told of a service from the priorities of its open incidents: the
    worst one decides (P1 a major outage, P2 a partial one, anything lower degraded)."""
    if not open_priorities:
        return ComponentState.OPERATIONAL
    worst = min(open_priorities)
    if worst == 1:
        return ComponentState.MAJOR_OUTAGE
    return ComponentState.PARTIAL_OUTAGE if worst == 2 else ComponentState.DEGRADED


class Visibility(StrEnum):
    PUBLIC = "public"  # anyone, without signing in
    SIGNED_IN = "signed_in"  # anyone signed in to opsroom
    OFF = "off"  # no status page: it answers 404


@dataclass(frozen=True)
class StatusPageSettings:
    visibility: Visibility = Visibility.PUBLIC
    maintenance_days: int = 14  # how far ahead scheduled maintenance is announced


DEFAULT_SETTINGS = StatusPageSettings()


class Bar(StrEnum):
    """The colour of a day on an uptime bar."""

    NO_DATA = "no-data"
    UP = "up"  # no outage that day
    DIP = "dip"  # down for less than 1% of the day
    DOWN = "down"


def bar(availability: float | None) -> Bar:
    if availability is None:
        return Bar.NO_DATA
    if availability >= 1:
        return Bar.UP
    return Bar.DIP if availability >= 0.99 else Bar.DOWN


@dataclass(frozen=True)
class BarRun:
    """Consecutive days drawn alike: days without downtime (or without data) together, each
    day with downtime on its own, with its figure."""

    start: int  # days after the first
    length: int
    colour: Bar
    first: date
    last: date
    availability: float | None


MERGED = frozenset({Bar.UP, Bar.NO_DATA})


def bar_runs(first_day: date, days: list[float | None]) -> list[BarRun]:
    """The runs an uptime bar is drawn as: a few shapes instead of one a day."""
    runs: list[BarRun] = []
    for n, availability in enumerate(days):
        colour = bar(availability)
        day = first_day + timedelta(days=n)
        last = runs[-1] if runs else None
        if last is not None and last.colour is colour and colour in MERGED:
            runs[-1] = replace(last, length=last.length + 1, last=day)
        else:
            runs.append(BarRun(n, 1, colour, day, day, availability))
    return runs


# --- signed subscription links ------------------------------------------------------------


class LinkPurpose(StrEnum):
    CONFIRM = "confirm"
    UNSUBSCRIBE = "unsubscribe"


def link_token(secret: str, purpose: LinkPurpose, *, subscriber: int, email: str) -> str:
    """An HMAC over what the link does and for whom: a link cannot be forged without the
    installation's signing secret, nor turned from confirming into unsubscribing."""
    message = f"status:{purpose}:{subscriber}:{email.lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def link_valid(
    secret: str, purpose: LinkPurpose, *, subscriber: int, email: str, token: str
) -> bool:
    expected = link_token(secret, purpose, subscriber=subscriber, email=email)
    return hmac.compare_digest(expected.encode(), token.encode())

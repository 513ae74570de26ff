"""The rules of a platform's public status page: what customers are told of a service, who
may read the page, how its uptime bars are coloured, and the signed links that confirm or
end an email subscription."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
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

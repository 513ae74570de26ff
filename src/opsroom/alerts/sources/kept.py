"""The inbound sources as the rest of opsroom uses them: reading a request the intake kept
as it was received."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from opsroom.alerts.domain import IncomingAlert
from opsroom.alerts.sources import alertmanager, events

# Sources whose requests are kept as received and parsed only when drained, so a 2xx costs
# the checks alone. Their parsing is deterministic; a PagerDuty trigger is not (opsroom makes
# up a missing dedup_key), so it keeps the alerts it was answered with.
PARSED_WHEN_DRAINED: dict[str, Callable[[bytes], Sequence[IncomingAlert]]] = {
    alertmanager.SOURCE: alertmanager.parse,
    events.SOURCE: events.parse,
}


def parse_kept(source: str, body: bytes) -> list[IncomingAlert]:
    """The alerts of a request kept as received; ParseError when it no longer parses."""
    return list(PARSED_WHEN_DRAINED[source](body))

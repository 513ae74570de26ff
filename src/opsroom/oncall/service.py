"""On-call use cases, one module per responsibility: schedules and who is on call
(`schedules`), calendar feeds (`feeds`), escalation policies (`policies`) and escalations
walking them on durable timers (`escalation`). Adapters and other domains reach them here."""

from opsroom.oncall.escalation import (
    ACKNOWLEDGED,
    ESCALATE_TIMER,
    EXHAUSTED,
    RESOLVED,
    RUNNING,
    get_escalation,
    incident_opened,
    page,
    stop,
)
from opsroom.oncall.feeds import import_schedule, person_feed, schedule_feed
from opsroom.oncall.policies import (
    create_policy,
    delete_policy,
    get_policy,
    list_policies,
    policy_for,
    update_policy,
)
from opsroom.oncall.schedules import (
    add_override,
    coverage,
    create_schedule,
    delete_schedule,
    get_schedule,
    list_schedules,
    my_shifts,
    on_call,
    remove_override,
    update_schedule,
)

__all__ = [
    "ACKNOWLEDGED",
    "ESCALATE_TIMER",
    "EXHAUSTED",
    "RESOLVED",
    "RUNNING",
    "add_override",
    "coverage",
    "create_policy",
    "create_schedule",
    "delete_policy",
    "delete_schedule",
    "get_escalation",
    "get_policy",
    "get_schedule",
    "import_schedule",
    "incident_opened",
    "list_policies",
    "list_schedules",
    "my_shifts",
    "on_call",
    "page",
    "person_feed",
    "policy_for",
    "remove_override",
    "schedule_feed",
    "stop",
    "update_policy",
    "update_schedule",
]

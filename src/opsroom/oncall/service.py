"""On-call use cases, one module per responsibility: schedules and who is on call
(`schedules`), who answers for a service (`answering`), calendar feeds (`feeds`), escalation
policies (`policies`), escalations walking them on durable timers (`escalation`) and a
schedule's timeline (`timeline`). Adapters and other domains reach them here."""

from opsroom.oncall.answering import who_answers
from opsroom.oncall.escalation import (
    ACKNOWLEDGED,
    ESCALATE_TIMER,
    EXHAUSTED,
    RESOLVED,
    RUNNING,
    escalate,
    get_escalation,
    incident_opened,
    page,
    page_on_declaration,
    stop,
    stop_when_answered,
)
from opsroom.oncall.feeds import (
    PERSON_FEED,
    SCHEDULE_FEED,
    feed_reader,
    feed_token,
    import_schedule,
    person_feed,
    rotate_feed_token,
    schedule_feed,
)
from opsroom.oncall.layers import add_layer, remove_layer, update_layer
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
    update_override,
    update_schedule,
)
from opsroom.oncall.timeline import Timeline, timeline

__all__ = [
    "ACKNOWLEDGED",
    "ESCALATE_TIMER",
    "EXHAUSTED",
    "PERSON_FEED",
    "RESOLVED",
    "RUNNING",
    "SCHEDULE_FEED",
    "Timeline",
    "add_layer",
    "add_override",
    "coverage",
    "create_policy",
    "create_schedule",
    "delete_policy",
    "delete_schedule",
    "escalate",
    "feed_reader",
    "feed_token",
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
    "page_on_declaration",
    "person_feed",
    "policy_for",
    "remove_layer",
    "remove_override",
    "rotate_feed_token",
    "schedule_feed",
    "stop",
    "stop_when_answered",
    "timeline",
    "update_layer",
    "update_override",
    "update_policy",
    "update_schedule",
    "who_answers",
]

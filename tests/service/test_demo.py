"""The whole demo, as `make run` loads it: every story, and nothing it tells of sent for real."""

from __future__ import annotations

from sqlalchemy import select

from opsroom import demo
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs import service as jobs
from opsroom.jobs.models import Timer
from opsroom.notify import service as notify
from opsroom.outbound.service import ISSUE_TIMER, PAGE_TIMER
from opsroom.runbooks.service import LAUNCH_TIMER


def test_the_demo_records_what_its_stories_told_people_and_sends_none_of_it(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        loaded = demo.load(s)
    with session_scope(settings) as s:
        deliveries = notify.delivery_counts(s)
        due = jobs.claim_due(s, owner="test", limit=1000)
        kinds = {t.kind for t in s.scalars(select(Timer).where(Timer.id.in_(due)))}

    assert loaded["created"]["incidents"] > 0 and loaded["created"]["tickets"] > 0
    assert deliveries["sent"] > 0
    assert "pending" not in deliveries
    # Jira, Confluence and the runbooks are set up, with nothing queued for their placeholders
    assert (loaded["created"]["jira connections"], loaded["created"]["runbooks"]) == (1, 2)
    assert not {LAUNCH_TIMER, ISSUE_TIMER, PAGE_TIMER} & kinds

"""The whole demo, as `make run` loads it: every story, and nothing it tells of sent for real."""

from __future__ import annotations

from sqlalchemy import select

from opsroom import demo
from opsroom.actions import service as actions
from opsroom.demo import DEMO_ACTOR
from opsroom.incidents import service as incidents
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.jobs import service as jobs
from opsroom.jobs.models import Timer
from opsroom.notify import service as notify
from opsroom.outbound.service import ISSUE_TIMER, PAGE_TIMER
from opsroom.runbooks.service import LAUNCH_TIMER
from opsroom.statuspage import service as status_pages
from opsroom.statuspage import subscriptions
from opsroom.statuspage.domain import ComponentState


def test_the_demo_records_what_its_stories_told_people_and_sends_none_of_it(
    settings: Settings,
) -> None:
    with session_scope(settings) as s:
        loaded = demo.load(s)
    with session_scope(settings) as s:
        deliveries = notify.delivery_counts(s)
        due = jobs.claim_due(s, owner="test", limit=1000)
        kinds = {t.kind for t in s.scalars(select(Timer).where(Timer.id.in_(due)))}
        (major,) = incidents.open_major(s, actor=DEMO_ACTOR)
        page = status_pages.status_page(s, platform=major.platform_slug)
        subscribers = subscriptions.listing(s, actor=DEMO_ACTOR, platform=major.platform_slug)
        follow_ups = actions.search(s, actor=DEMO_ACTOR, text="satisfaction score").items

    assert loaded["created"]["incidents"] > 0 and loaded["created"]["tickets"] > 0
    # the status page during the open P1, with its subscribers, and the low score's follow-up
    assert page.state is ComponentState.MAJOR_OUTAGE
    assert major.key in [i.key for i in page.open_incidents]
    assert sorted(s.confirmed_at is not None for s in subscribers) == [False, True, True]
    assert [i.title for i in follow_ups] == ["Follow up a satisfaction score of 2/5 on TKT-3"]
    assert deliveries["sent"] > 0
    assert "pending" not in deliveries
    # Jira, Confluence and the runbooks are set up, with nothing queued for their placeholders
    assert (loaded["created"]["jira connections"], loaded["created"]["runbooks"]) == (1, 2)
    assert not {LAUNCH_TIMER, ISSUE_TIMER, PAGE_TIMER} & kinds

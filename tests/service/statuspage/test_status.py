"""The public status page in each state of an incident (customers read the customer updates,
never the internal ones), its uptime bars, the maintenance it announces and who may read it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal, Role
from opsroom.changes import schemas as change_schemas
from opsroom.changes import service as changes
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, Transition
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, NotFound, Unauthenticated
from opsroom.statuspage import service as status
from opsroom.statuspage.domain import ComponentState, Visibility
from opsroom.statuspage.schemas import StatusPage, StatusPageSettingsDoc
from tests.conftest import TEST_NOW
from tests.improvement import GUILD_LEAD, MANAGER, PAYMENTS_LEAD, RESPONDER

ENGINEER = Principal(name="dev@example.com", role=Role.RESPONDER, squads=frozenset({"payments"}))


def declared(session: Session, impact: int = 1, urgency: int = 1) -> str:
    data = schemas.IncidentCreate(
        title="Payments fail", services=["checkout"], impact=impact, urgency=urgency
    )
    key = incidents.declare(session, actor=RESPONDER, data=data).key
    for audience, body in ((Audience.INTERNAL, "db01 disk full"), (Audience.CUSTOMER, "Fixing")):
        update = schemas.StatusUpdateIn(audience=audience, body=body)
        incidents.post_status_update(session, actor=RESPONDER, key=key, data=update)
    return key


def states(page: StatusPage) -> dict[str, ComponentState]:
    return {c.slug: c.state for c in page.components}


def test_all_operational_without_incidents(platform: Session) -> None:
    page = status.status_page(platform, platform="procurement")
    assert page.state is ComponentState.OPERATIONAL
    assert set(states(page).values()) == {ComponentState.OPERATIONAL}
    assert (page.open_incidents, page.history, page.maintenance) == ([], [], [])


@pytest.mark.parametrize(
    ("impact", "urgency", "state"),
    [
        (1, 1, ComponentState.MAJOR_OUTAGE),
        (1, 2, ComponentState.PARTIAL_OUTAGE),
        (3, 3, ComponentState.DEGRADED),
    ],
)
def test_an_open_incident_shows_on_its_services_with_customer_updates_only(
    platform: Session, impact: int, urgency: int, state: ComponentState
) -> None:
    key = declared(platform, impact, urgency)
    page = status.status_page(platform, platform="procurement")
    assert states(page)["checkout"] is state and states(page)["db"] is ComponentState.OPERATIONAL
    (shown,) = page.open_incidents
    assert (shown.key, [u.body for u in shown.updates]) == (key, ["Fixing"])
    assert "db01" not in page.model_dump_json()


def test_a_mitigated_incident_still_shows_a_resolved_one_moves_to_history(
    platform: Session,
) -> None:
    key = declared(platform)
    incidents.transition(
        platform, actor=RESPONDER, key=key, move=Transition.MITIGATE, data=schemas.TransitionIn()
    )
    assert status.status_page(platform, platform="procurement").open_incidents[0].key == key
    incidents.transition(
        platform, actor=RESPONDER, key=key, move=Transition.RESOLVE, data=schemas.TransitionIn()
    )
    page = status.status_page(platform, platform="procurement")
    assert (page.state, page.open_incidents) == (ComponentState.OPERATIONAL, [])
    assert [(i.key, [u.body for u in i.updates]) for i in page.history] == [(key, ["Fixing"])]
    assert "db01" not in page.model_dump_json()


def test_uptime_bars_show_90_days_with_the_outage_on_its_day(
    platform: Session, frozen_clock: clock.FrozenClock
) -> None:
    declared(platform)  # a P1 on checkout, from 09:00
    frozen_clock.advance(timedelta(hours=3))
    page = status.status_page(platform, platform="procurement")
    uptime = {u.key: u for u in page.uptime}
    checkout = uptime["checkout"]
    assert len(checkout.days) == 90
    assert checkout.first_day == TEST_NOW.date() - timedelta(days=89)
    assert set(checkout.days[:-1]) == {1.0}
    # 12:00 so far today, of which 3 hours down
    assert checkout.days[-1] == pytest.approx(9 / 12)
    assert set(uptime["db"].days) == {1.0}
    journeys = {u.key: u for u in page.journey_uptime}
    assert journeys and all(len(j.days) == 90 for j in journeys.values())


def _approved_change(session: Session, hours: int) -> Any:
    data = change_schemas.ChangeCreate(
        title="Rotate the card vault keys on vault-3",
        services=["checkout"],
        squad="payments",
        planned_start=clock.now() + timedelta(hours=hours),
        planned_end=clock.now() + timedelta(hours=hours + 2),
    )
    change = changes.create(session, actor=ENGINEER, data=data)
    changes.submit(session, actor=ENGINEER, key=change.key, data=change_schemas.TransitionIn())
    changes.approve(session, actor=PAYMENTS_LEAD, key=change.key, data=change_schemas.DecisionIn())
    return change


def test_approved_changes_in_the_coming_days_show_as_maintenance_without_detail(
    platform: Session,
) -> None:
    soon = _approved_change(platform, hours=24)
    _approved_change(platform, hours=24 * 30)  # past the 14 days announced
    page = status.status_page(platform, platform="procurement")
    assert [(m.key, m.services, m.starts_at) for m in page.maintenance] == [
        (soon.key, ["checkout"], soon.planned_start)
    ]
    assert "vault" not in page.model_dump_json()


def _visibility(session: Session, visibility: Visibility) -> None:
    read = status.read_settings(session, actor=MANAGER, platform="procurement")
    doc = StatusPageSettingsDoc(visibility=visibility, maintenance_days=read.maintenance_days)
    status.replace_settings(
        session, actor=MANAGER, platform="procurement", doc=doc, version=read.version
    )


def test_a_page_switched_off_is_not_found_and_a_restricted_one_asks_to_sign_in(
    platform: Session,
) -> None:
    assert status.opened(platform, platform="procurement", signed_in=False) == "procurement"
    _visibility(platform, Visibility.SIGNED_IN)
    with pytest.raises(Unauthenticated):
        status.opened(platform, platform="procurement", signed_in=False)
    assert status.opened(platform, platform="procurement", signed_in=True) == "procurement"
    _visibility(platform, Visibility.OFF)
    with pytest.raises(NotFound):
        status.opened(platform, platform="procurement", signed_in=True)
    assert status.visible_page(platform, platform="procurement") == (Visibility.OFF, None)


def test_only_the_platforms_managers_change_who_may_read_it(platform: Session) -> None:
    doc = StatusPageSettingsDoc(visibility=Visibility.OFF)
    with pytest.raises(Forbidden):
        status.replace_settings(
            platform, actor=RESPONDER, platform="procurement", doc=doc, version=0
        )
    changed = status.replace_settings(
        platform, actor=GUILD_LEAD, platform="procurement", doc=doc, version=0
    )
    assert (changed.visibility, changed.version) == (Visibility.OFF, 1)


def test_an_unknown_platform_has_no_status_page(platform: Session) -> None:
    with pytest.raises(NotFound):
        status.status_page(platform, platform="nowhere")
    with pytest.raises(NotFound):
        status.opened(platform, platform="nowhere", signed_in=True)

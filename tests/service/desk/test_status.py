"""The public status page in each state of an incident: customers read the customer updates,
never the internal ones."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from opsroom.desk import status
from opsroom.desk.domain import ComponentState
from opsroom.incidents import schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import Audience, Transition
from opsroom.infra.errors import NotFound
from tests.improvement import RESPONDER


def declared(session: Session, impact: int = 1, urgency: int = 1) -> str:
    data = schemas.IncidentCreate(
        title="Payments fail", services=["checkout"], impact=impact, urgency=urgency
    )
    key = incidents.declare(session, actor=RESPONDER, data=data).key
    for audience, body in ((Audience.INTERNAL, "db01 disk full"), (Audience.CUSTOMER, "Fixing")):
        update = schemas.StatusUpdateIn(audience=audience, body=body)
        incidents.post_status_update(session, actor=RESPONDER, key=key, data=update)
    return key


def states(page: status.schemas.StatusPage) -> dict[str, ComponentState]:
    return {c.slug: c.state for c in page.components}


def test_all_operational_without_incidents(platform: Session) -> None:
    page = status.status_page(platform, platform="procurement")
    assert page.state is ComponentState.OPERATIONAL
    assert set(states(page).values()) == {ComponentState.OPERATIONAL}
    assert (page.open_incidents, page.history) == ([], [])


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


def test_an_unknown_platform_has_no_status_page(platform: Session) -> None:
    with pytest.raises(NotFound):
        status.status_page(platform, platform="nowhere")

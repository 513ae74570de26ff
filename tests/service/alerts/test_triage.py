"""People handling alerts by hand: acknowledge, resolve and silence, one or many at once;
and a test alert sent through an integration's own intake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.alerts import reports, schemas, silences, triage
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus
from opsroom.audit import service as audit
from opsroom.auth.domain import Principal, Role
from opsroom.infra import clock
from opsroom.infra.errors import Forbidden, ValidationFailed
from tests.factories import ACTOR
from tests.service.alerts.conftest import alert, integration, send

VIEWER = Principal(name="viewer@example.com", role=Role.VIEWER)
RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)


@pytest.fixture
def firing(platform: Session) -> list[int]:
    """Two firing alerts on db, in one incident."""
    send(platform, integration(platform), alert("DiskFull", host="a"), alert("DiskFull", host="b"))
    return sorted(a.id for a in reports.search(platform, actor=ACTOR).items)


def _read(session: Session, alert_id: int) -> schemas.AlertRead:
    return reports.read_alert(reports.get_alert(session, actor=ACTOR, alert_id=alert_id))


def test_acknowledging_notes_it_once_and_on_the_incident_timeline(
    platform: Session, firing: list[int]
) -> None:
    first = triage.acknowledge(platform, actor=RESPONDER, ids=firing)
    assert (first.changed, first.unchanged) == (firing, [])
    assert _read(platform, firing[0]).acknowledged_at == clock.now()
    assert _read(platform, firing[0]).status is AlertStatus.FIRING
    again = triage.acknowledge(platform, actor=RESPONDER, ids=firing)
    assert (again.changed, again.unchanged) == ([], firing)
    incident = _read(platform, firing[0]).incident
    assert incident is not None
    texts = [
        e.text for e in audit.timeline(platform, subject_type="incident", subject_key=incident)
    ]
    assert sum("was acknowledged by resp@example.com" in t for t in texts) == 2


def test_resolving_by_hand_leaves_the_incident_to_people(
    platform: Session, firing: list[int]
) -> None:
    done = triage.resolve(platform, actor=RESPONDER, ids=firing[:1])
    assert done.changed == firing[:1]
    resolved = _read(platform, firing[0])
    assert (resolved.status, resolved.ends_at) == (AlertStatus.RESOLVED, clock.now())
    assert _read(platform, firing[1]).status is AlertStatus.FIRING
    assert triage.acknowledge(platform, actor=RESPONDER, ids=firing[:1]).unchanged == firing[:1]


def test_silencing_makes_one_silence_per_label_set(platform: Session, firing: list[int]) -> None:
    data = schemas.AlertsSilenced(
        alerts=[*firing, firing[0]],
        ends_at=clock.now() + timedelta(hours=2),
        comment="replacing the disks",
    )
    done = triage.silence(platform, actor=RESPONDER, data=data)
    assert len(done.silences) == 2
    made = [silences.read_silence(silences.get_silence(platform, n)) for n in done.silences]
    assert sorted(m.matchers[1] for m in made) == ['host="a"', 'host="b"']


def test_refusals_name_the_field_and_change_nothing(platform: Session, firing: list[int]) -> None:
    with pytest.raises(Forbidden):
        triage.acknowledge(platform, actor=VIEWER, ids=firing)
    with pytest.raises(ValidationFailed) as unknown:
        triage.resolve(platform, actor=RESPONDER, ids=[firing[0], 999])
    assert unknown.value.fields == {"alerts": "unknown: 999"}
    assert _read(platform, firing[0]).status is AlertStatus.FIRING
    with pytest.raises(ValidationFailed) as past:
        data = schemas.AlertsSilenced(
            alerts=firing, ends_at=clock.now() - timedelta(hours=1), comment="too late"
        )
        triage.silence(platform, actor=RESPONDER, data=data)
    assert past.value.fields


def test_a_test_alert_lands_like_any_alert_and_says_where(platform: Session) -> None:
    integration(platform, slug="probe", service="search")
    landed = alerts.send_test_alert(platform, actor=ACTOR, slug="probe")
    assert landed is not None
    read = reports.read_alert(landed)
    assert (read.service, read.labels["alertname"], read.status) == (
        "search",
        alerts.TEST_ALERT,
        AlertStatus.FIRING,
    )
    again = alerts.send_test_alert(platform, actor=ACTOR, slug="probe")
    assert again is not None and again.id == landed.id and again.count == 2
    with pytest.raises(Forbidden):
        alerts.send_test_alert(platform, actor=RESPONDER, slug="probe")

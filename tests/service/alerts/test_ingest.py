"""Ingesting: keys, de-duplication, suppression, routing, the rate limit, change events,
noise figures and the retention of raw payloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from opsroom.alerts import reports, schemas, silences
from opsroom.alerts import service as alerts
from opsroom.alerts.domain import AlertStatus, IncomingAlert, IncomingChange
from opsroom.auth.domain import Principal, Role
from opsroom.infra.clock import FrozenClock
from opsroom.infra.config import Settings
from opsroom.infra.db import session_scope
from opsroom.infra.errors import Conflict, Forbidden, RateLimited, Unauthenticated, ValidationFailed
from opsroom.runtime.worker import run_once
from tests import factories
from tests.factories import ACTOR
from tests.service.alerts.conftest import alert, integration, resolved, send

OTHER_LEAD = Principal(
    name="lead@example.com", role=Role.SQUAD_LEAD, squads=frozenset({"payments"})
)
RESPONDER = Principal(name="resp@example.com", role=Role.RESPONDER)


def only_alert(session: Session) -> schemas.AlertRead:
    (found,) = reports.search(session, actor=ACTOR).items
    return reports.read_alert(found)


# --- integrations and keys ----------------------------------------------------------------


def test_the_key_is_shown_once_and_only_its_hash_is_kept(platform: Session) -> None:
    key, created = alerts.create_integration(
        platform,
        actor=ACTOR,
        data=schemas.IntegrationCreate(slug="prom", name="Prometheus", service="db"),
    )
    assert len(key) == 32 and key not in (created.key_hash, created.key_prefix)
    assert created.key_prefix == key[:8]
    assert alerts.integration_for_key(platform, key).slug == "prom"
    new_key, _ = alerts.rotate_key(platform, actor=ACTOR, slug="prom")
    with pytest.raises(Unauthenticated):
        alerts.integration_for_key(platform, key)
    assert alerts.integration_for_key(platform, new_key).slug == "prom"


def test_a_disabled_integration_refuses_its_key(platform: Session) -> None:
    key, created = alerts.create_integration(
        platform,
        actor=ACTOR,
        data=schemas.IntegrationCreate(slug="prom", name="Prometheus", service="db"),
    )
    alerts.update_integration(
        platform,
        actor=ACTOR,
        slug="prom",
        data=schemas.IntegrationUpdate(version=created.version, active=False),
    )
    with pytest.raises(Unauthenticated):
        alerts.integration_for_key(platform, key)


def test_integrations_belong_to_the_owning_squad_or_to_governance(platform: Session) -> None:
    factories.squad(platform, "payments")
    for data in (
        schemas.IntegrationCreate(slug="prom", name="Prometheus", service="db"),
        schemas.IntegrationCreate(slug="any", name="Routed by label"),
    ):
        with pytest.raises(Forbidden):
            alerts.create_integration(platform, actor=OTHER_LEAD, data=data)
    integration(platform)
    with pytest.raises(Conflict):
        integration(platform)


def test_settings_are_validated_data(platform: Session) -> None:
    with pytest.raises(ValueError, match="alerts_to_open"):
        schemas.IntegrationSettings(alerts_to_open=0)
    with pytest.raises(ValueError, match="unknown"):
        schemas.IntegrationSettings.model_validate({"unknown": 1})
    prom = integration(platform, urgency={"warning": 1}, group_by=["alertname"])
    assert alerts.settings_of(prom).urgency == {"warning": 1}


# --- de-duplication and routing -----------------------------------------------------------


def test_a_repeat_firing_counts_and_a_resolve_resolves(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform)
    first_seen = frozen_clock.now()
    send(platform, prom, alert("DiskFull", service="db"))
    frozen_clock.advance(timedelta(minutes=1))
    repeat = send(platform, prom, alert("DiskFull", service="db"), alert("DiskFull", service="db"))
    assert (repeat.created, repeat.deduplicated, repeat.incidents) == (0, 2, [])
    read = only_alert(platform)
    assert (read.count, read.first_received_at, read.last_received_at) == (
        3,
        first_seen,
        frozen_clock.now(),
    )
    done = send(platform, prom, resolved("DiskFull", service="db"))
    assert (done.resolved, only_alert(platform).status, only_alert(platform).ends_at) == (
        1,
        AlertStatus.RESOLVED,
        frozen_clock.now(),
    )


def test_a_new_firing_after_resolution_is_a_new_alert(platform: Session) -> None:
    prom = integration(platform, auto_resolve=False)
    send(platform, prom, alert("DiskFull", service="db"))
    send(platform, prom, resolved("DiskFull", service="db"))
    send(platform, prom, alert("DiskFull", service="db"))
    statuses = [a.status for a in reports.search(platform, actor=ACTOR).items]
    assert statuses == [AlertStatus.FIRING, AlertStatus.RESOLVED]


def test_resolves_and_acknowledges_for_unknown_alerts_are_ignored(platform: Session) -> None:
    prom = integration(platform)
    ack = IncomingAlert(fingerprint="nope", status=AlertStatus.FIRING, acknowledge=True)
    result = send(platform, prom, resolved("Unknown", service="db"), ack)
    assert (result.ignored, result.created, reports.search(platform, actor=ACTOR).items) == (
        2,
        0,
        [],
    )


def test_an_acknowledge_is_noted_and_the_alert_keeps_firing(platform: Session) -> None:
    prom = integration(platform)
    fired = alert("DiskFull", service="db")
    send(platform, prom, fired)
    ack = IncomingAlert(fingerprint=fired.fingerprint, status=AlertStatus.FIRING, acknowledge=True)
    assert send(platform, prom, ack).acknowledged == 1
    read = only_alert(platform)
    assert (read.status, read.acknowledged_at is not None, read.count) == (
        AlertStatus.FIRING,
        True,
        1,
    )


def test_label_routed_integrations_find_the_service_in_the_label(platform: Session) -> None:
    routed = integration(platform, "routed", service=None, route_label="team_service")
    send(platform, routed, alert("Down", team_service="auth"))
    send(platform, routed, alert("Down", team_service="ghost"))
    by_service = {a.labels["team_service"]: a for a in reports.search(platform, actor=ACTOR).items}
    assert (by_service["auth"].service_slug, by_service["auth"].incident_number) == ("auth", 1)
    assert (by_service["ghost"].service_slug, by_service["ghost"].incident_number) == (None, None)


# --- suppression --------------------------------------------------------------------------


def silence(session: Session, *matchers: str, minutes: int = 60) -> int:
    from opsroom.infra import clock

    data = schemas.SilenceCreate(
        matchers=list(matchers),
        ends_at=clock.now() + timedelta(minutes=minutes),
        comment="db migration",
    )
    return silences.create_silence(session, actor=RESPONDER, data=data).id


def test_a_silenced_alert_is_stored_marked_and_opens_nothing(platform: Session) -> None:
    prom = integration(platform)
    silence_id = silence(platform, 'service="db"', "alertname=~Disk.*")
    result = send(platform, prom, alert("DiskFull", service="db"))
    assert (result.created, result.suppressed, result.incidents) == (1, 1, [])
    assert only_alert(platform).suppressed_by == f"silence:{silence_id}"
    assert reports.search(platform, actor=ACTOR, suppressed=True).items


def test_an_expired_silence_lets_the_next_repeat_through(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform)
    silence_id = silence(platform, "service=db")
    send(platform, prom, alert("DiskFull", service="db"))
    silences.expire_silence(platform, actor=RESPONDER, silence_id=silence_id)
    with pytest.raises(Conflict):
        silences.expire_silence(platform, actor=RESPONDER, silence_id=silence_id)
    frozen_clock.advance(timedelta(seconds=1))
    assert send(platform, prom, alert("DiskFull", service="db")).incidents == ["INC-1"]
    assert only_alert(platform).suppressed_by is None


def test_silences_refuse_what_alertmanager_refuses(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    with pytest.raises(ValidationFailed, match="empty string"):
        silence(platform, 'service=""')
    with pytest.raises(ValidationFailed, match="future"):
        silence(platform, "service=db", minutes=-5)
    with pytest.raises(ValueError, match="matcher"):
        silence(platform, "not a matcher")


def test_maintenance_suppresses_alerts_on_its_service(
    platform: Session, frozen_clock: FrozenClock
) -> None:
    prom = integration(platform)
    now = frozen_clock.now()
    data = schemas.MaintenanceCreate(
        service="db", starts_at=now, ends_at=now + timedelta(hours=1), comment="failover drill"
    )
    window = silences.schedule_maintenance(platform, actor=ACTOR, data=data)
    send(platform, prom, alert("Down", service="db"))
    assert only_alert(platform).suppressed_by == f"maintenance:{window.id}"
    with pytest.raises(Forbidden):
        silences.end_maintenance(platform, actor=OTHER_LEAD, window_id=window.id)
    silences.end_maintenance(platform, actor=ACTOR, window_id=window.id)
    assert silences.list_maintenance(platform) == []


# --- rate limit, changes, noise and retention ---------------------------------------------


def test_the_rate_limit_refuses_with_a_retry_time_and_refills(
    settings: Settings, frozen_clock: FrozenClock
) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        integration(s, rate_limit_per_minute=2)

    def attempt() -> None:
        with session_scope(settings) as s:
            send(s, alerts.get_integration(s, "prom"), alert("Down", service="db"))

    attempt()
    attempt()
    with pytest.raises(RateLimited) as refused:
        attempt()
    assert refused.value.retry_after == 30
    frozen_clock.advance(timedelta(seconds=30))
    attempt()
    with session_scope(settings) as s:
        assert only_alert(s).count == 3
        assert alerts.raw_payload_count(s) == 3


def test_change_events_land_on_the_service_change_timeline(platform: Session) -> None:
    deploys = integration(platform, "deploys", service=None)
    change = IncomingChange(
        summary="Deploy auth 1.4.2", source="ci", custom_details={"service": "auth"}
    )
    alerts.record_change(
        platform, integration=deploys, change=change, source="pagerduty-change", body=b"{}"
    )
    (found,) = reports.changes(platform, actor=ACTOR, service="auth").items
    assert (found.summary, found.source, reports.read_change(found).integration) == (
        "Deploy auth 1.4.2",
        "ci",
        "deploys",
    )


def test_noise_figures_per_integration_and_service(platform: Session) -> None:
    prom = integration(platform, group_by=["alertname"])
    edge = integration(platform, "edge", service="gateway")
    silence(platform, "pod=quiet")
    send(platform, prom, alert("Down", service="db", pod="a"), alert("Down", service="db", pod="b"))
    send(
        platform,
        prom,
        alert("Down", service="db", pod="a"),
        alert("Down", service="db", pod="quiet"),
    )
    send(platform, edge, alert("Http5xx", service="gateway"))
    by_integration = {n.key: n for n in reports.noise(platform, actor=ACTOR)}
    assert by_integration["prom"].model_dump() == {
        "key": "prom",
        "received": 4,
        "alerts": 3,
        "deduplicated": 1,
        "suppressed": 1,
        "incidents_opened": 1,
        "noise_reduction_pct": 75.0,
    }
    assert (by_integration["edge"].received, by_integration["edge"].incidents_opened) == (1, 0)
    by_service = {n.key: n.received for n in reports.noise(platform, actor=ACTOR, by="service")}
    assert by_service == {"db": 4, "gateway": 1}


def test_raw_payloads_are_purged_after_their_retention(
    settings: Settings, frozen_clock: FrozenClock
) -> None:
    with session_scope(settings) as s:
        factories.small_platform(s)
        send(s, integration(s), alert("Down", service="db"))
    frozen_clock.advance(timedelta(days=13))
    assert run_once(settings, owner="test-worker") >= 1  # the purge, and the SLA clocks
    with session_scope(settings) as s:
        assert alerts.raw_payload_count(s) == 1
    frozen_clock.advance(timedelta(days=2))
    assert run_once(settings, owner="test-worker") >= 1
    with session_scope(settings) as s:
        assert alerts.raw_payload_count(s) == 0
        assert only_alert(s).count == 1  # the alert itself stays

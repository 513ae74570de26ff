"""One batch of accepted requests' alerts: de-duplicate, resolve, suppress, then hand each new
firing alert to correlation. Runs in the worker's drain transaction; each alert is judged at
the time its request was received, however late the worker drains it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached

from opsroom.alerts import correlation, domain, schemas, silences
from opsroom.alerts.batch import Intake
from opsroom.alerts.domain import AlertStatus, IncomingAlert
from opsroom.alerts.models import Alert, Integration
from opsroom.auth.domain import Principal
from opsroom.incidents import service as incidents

Received = tuple[datetime, Sequence[IncomingAlert]]  # one request: when, and its alerts
_ALERTS = cast(Table, Alert.__table__)
_INSERTED = [column.key for column in _ALERTS.columns if column.key != "id"]
# New alerts fire, so their open key (their fingerprint) names each: the ids may come back
# in any order.
INSERT_ALERTS = insert(_ALERTS).returning(_ALERTS.c.open_key, _ALERTS.c.id)
_NEW_ALERT = Alert.__mapper__.class_manager.new_instance


def process(
    session: Session,
    *,
    integration: Integration,
    settings: schemas.IntegrationSettings,
    actor: Principal,
    requests: Sequence[Received],
) -> schemas.IngestResult:
    """Handle the requests' alerts in order of arrival. New firing alerts are inserted
    together and correlated after, so a batch costs a few statements per group rather than
    several per alert."""
    first, last = requests[0][0], requests[-1][0]
    suppressors = silences.active_suppressors(session, first, until=last)
    intake = Intake(session, integration, settings, actor, first, suppressors)
    fingerprints = {alert.fingerprint for _, alerts in requests for alert in alerts}
    intake.open_rows = _open_rows(intake, fingerprints)
    for received_at, alerts in requests:
        intake.now = received_at
        for alert in alerts:
            intake.result.received += 1
            intake.result.fingerprints.append(alert.fingerprint)
            _one(intake, alert)
    _place_unplaced(intake)
    correlation.explain(intake)
    return intake.result


def _open_rows(intake: Intake, fingerprints: set[str]) -> dict[str, Alert]:
    rows = intake.session.scalars(
        select(Alert).where(
            Alert.integration_id == intake.integration.id, Alert.open_key.in_(fingerprints)
        )
    )
    return {str(row.open_key): row for row in rows}


def _place_unplaced(intake: Intake) -> None:
    """Find each new firing alert its incident: those joining their group's are joined
    before the alerts are inserted in one go, so each row is written once."""
    if not intake.unplaced:
        return
    rows, intake.unplaced = intake.unplaced, []
    joined = correlation.join_groups(intake, rows)
    _insert(intake, rows)
    for row in rows[joined:]:
        correlation.place(intake, row)


def _insert(intake: Intake, rows: Sequence[Alert]) -> None:
    """Insert the rows with one Core statement, then hand them to the session as if loaded,
    so later changes in the batch update them: the unit of work's insert cost several times
    as much."""
    intake.session.flush()  # alerts added before (the suppressed) keep the lower ids
    values = [{name: vars(row)[name] for name in _INSERTED} for row in rows]
    ids: dict[str, int] = dict(intake.session.execute(INSERT_ALERTS, values).all())
    for row in rows:
        row.id = ids[row.fingerprint]
        make_transient_to_detached(row)
    intake.session.add_all(rows)


def _one(intake: Intake, alert: IncomingAlert) -> None:
    firing = intake.open_rows.get(alert.fingerprint)
    if alert.acknowledge or alert.status is AlertStatus.RESOLVED:
        _place_unplaced(intake)  # what it acknowledges or resolves must be in its incident
    if alert.acknowledge:
        _acknowledge(intake, firing)
    elif alert.status is AlertStatus.RESOLVED:
        _resolve(intake, firing, alert)
    elif firing is not None:
        _repeat(intake, firing, alert)
    else:
        _new(intake, alert)


def _new(intake: Intake, alert: IncomingAlert) -> None:
    service = intake.service(
        domain.route(
            alert,
            fixed_service=intake.integration.service_slug,
            route_label=intake.settings.route_label,
        )
    )
    labels = dict(alert.labels)
    suppressor = _suppressor(intake, labels, service)
    row = _unevented(
        integration_id=intake.integration.id,
        fingerprint=alert.fingerprint,
        open_key=alert.fingerprint,
        status=AlertStatus.FIRING,
        service_slug=service,
        group_key=domain.effective_group_key(alert, intake.settings.group_by),
        starts_at=alert.starts_at,
        ends_at=None,
        first_received_at=intake.now,
        last_received_at=intake.now,
        acknowledged_at=None,
        count=1,
        suppressed_by=suppressor,
        incident_number=None,
        opened_incident=False,
        **_description(alert, labels),
    )
    intake.open_rows[alert.fingerprint] = row
    intake.result.created += 1
    if suppressor:
        intake.result.suppressed += 1
        intake.session.add(row)
    else:
        intake.unplaced.append(row)


def _unevented(**values: Any) -> Alert:
    """A new alert holding every column but its id, built without the ORM's events for each
    attribute (a tenth of a drain): the session inserts it from these same values, or
    `_insert` does and hands it to the session as if loaded."""
    row: Alert = _NEW_ALERT()
    vars(row).update(values)
    return row


def _description(alert: IncomingAlert, labels: dict[str, str]) -> dict[str, Any]:
    """What a repeat may refresh: the words, severity, labels and links of the alert."""
    return {
        "summary": alert.summary[:1024],
        "severity": alert.severity,
        "labels": labels,
        "annotations": dict(alert.annotations),
        "links": [{"href": link.href, "text": link.text} for link in alert.links],
        "source": alert.source[:255],
    }


def _suppressor(intake: Intake, labels: dict[str, str], service: str | None) -> str | None:
    matching = domain.matching_labels(labels, service=service, integration=intake.integration.slug)
    return domain.suppressed_by(matching, service, intake.suppressors, intake.now)


def _repeat(intake: Intake, row: Alert, alert: IncomingAlert) -> None:
    """A repeat firing counts and refreshes; an alert whose silence has ended is now handled."""
    row.count += 1
    row.last_received_at = intake.now
    for name, value in _description(alert, dict(alert.labels)).items():
        setattr(row, name, value)
    intake.result.deduplicated += 1
    if row.suppressed_by is not None:
        row.suppressed_by = _suppressor(intake, row.labels, row.service_slug)
        if row.suppressed_by is None:
            correlation.place(intake, row)


def _resolve(intake: Intake, row: Alert | None, alert: IncomingAlert) -> None:
    if row is None:
        intake.result.ignored += 1
        return
    row.status, row.open_key = AlertStatus.RESOLVED, None
    intake.open_rows.pop(alert.fingerprint, None)
    row.ends_at = alert.ends_at or intake.now
    row.last_received_at = intake.now
    intake.result.resolved += 1
    if row.incident_number is not None:
        correlation.after_resolve(intake, row)


def _acknowledge(intake: Intake, row: Alert | None) -> None:
    """A source's acknowledge is noted; the incident's own lifecycle stays with people."""
    if row is None:
        intake.result.ignored += 1
        return
    row.acknowledged_at = row.acknowledged_at or intake.now
    intake.result.acknowledged += 1
    if row.incident_number is not None:
        incidents.add_alert_event(
            intake.session,
            actor=intake.actor,
            key=f"INC-{row.incident_number}",
            text=f"Alert “{row.summary or row.fingerprint}” was acknowledged at its source",
        )

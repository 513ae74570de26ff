"""Alerts into incidents: join the open incident of the alert's group, reopen a recently
resolved one, join an incident on a linked service (topology), or open one when the group
reaches its threshold. Every decision is explained on the incident's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import func, select

from opsroom.alerts import domain
from opsroom.alerts.batch import Intake
from opsroom.alerts.domain import AlertStatus, Link, Severity
from opsroom.alerts.models import Alert
from opsroom.catalog import service as catalog
from opsroom.incidents import schemas as incident_schemas
from opsroom.incidents import service as incidents
from opsroom.incidents.domain import OPEN, Status, Transition

TOPOLOGY_CANDIDATES = 50


def join_groups(intake: Intake, rows: Sequence[Alert]) -> int:
    """Join new firing alerts, not inserted yet, in order, each to its group's incident,
    until one has none; returns how many joined. Their rows are then written once, with
    their incident: the topology and the opening look for them in the database."""
    for joined, row in enumerate(rows):
        if not _by_group(intake, row):
            return joined
    return len(rows)


def place(intake: Intake, row: Alert) -> None:
    """Find the incident a new firing alert belongs to, or open one when it is due."""
    if _by_group(intake, row):
        return
    if row.service_slug is None:  # an alert no service owns cannot open an incident
        return
    if not _by_topology(intake, row, row.service_slug):
        _open_when_due(intake, row)


def _by_group(intake: Intake, row: Alert) -> bool:
    placed = intake.groups.get(row.group_key)  # the group's incident, chosen earlier in the batch
    if placed is not None and placed.status in OPEN:
        _join(intake, row, placed, domain.explain_group(row.group_key))
        return True
    query = select(Alert.incident_number, Alert.status, Alert.last_received_at).where(
        Alert.integration_id == row.integration_id,
        Alert.group_key == row.group_key,
        Alert.incident_number.is_not(None),
    )
    if row.id is not None:  # a new alert is joined to its group before it is inserted
        query = query.where(Alert.id != row.id)
    latest = intake.session.execute(
        query.order_by(Alert.last_received_at.desc(), Alert.id.desc()).limit(1)
    ).first()
    if latest is None:
        return False
    number, status, last = latest
    incident = intake.incident(cast(int, number))  # the query excludes None
    live = status == AlertStatus.FIRING or last >= intake.now - intake.window
    if (incident.status in OPEN and live) or _reopened(intake, incident):
        _join(intake, row, incident, domain.explain_group(row.group_key))
        return True
    return False


def _reopened(intake: Intake, incident: Any) -> bool:
    """Reopen the group's incident when it was resolved within the reopen window."""
    window = intake.settings.reopen_window_minutes
    if incident.status != Status.RESOLVED or not domain.reopens(
        incident.resolved_at, intake.now, window
    ):
        return False
    minutes = int((intake.now - incident.resolved_at).total_seconds() // 60)
    incidents.transition(
        intake.session,
        actor=intake.actor,
        key=incident.key,
        move=Transition.REOPEN,
        data=incident_schemas.TransitionIn(note=domain.explain_reopen(minutes, window)),
    )
    return True


def _by_topology(intake: Intake, row: Alert, service: str) -> bool:
    """Join an open incident holding a firing alert, received within the window, on a
    service linked to this one along the dependency graph (or on the same service)."""
    graph = intake.graph()
    candidates = intake.session.execute(
        select(Alert.incident_number, Alert.service_slug, Alert.last_received_at)
        .where(
            Alert.service_slug.in_(domain.linked_services(graph, service)),
            Alert.incident_number.is_not(None),
            Alert.status == AlertStatus.FIRING,
            Alert.last_received_at >= intake.now - intake.window,
            Alert.id != row.id,
        )
        .order_by(Alert.last_received_at.desc(), Alert.id.desc())
        .limit(TOPOLOGY_CANDIDATES)
    )
    for number, other, last in candidates:
        incident = intake.incident(cast(int, number))  # the query excludes None
        path = domain.linked_path(graph, service, str(other))
        if incident.status in OPEN and path is not None:
            minutes = int((intake.now - last).total_seconds() // 60)
            _join(intake, row, incident, domain.explain_topology(path, str(other), minutes))
            return True
    return False


def _open_when_due(intake: Intake, row: Alert) -> None:
    """Open an incident once the group holds enough unplaced firing alerts in the window."""
    pending = list(
        intake.session.scalars(
            select(Alert)
            .where(
                Alert.integration_id == row.integration_id,
                Alert.group_key == row.group_key,
                Alert.incident_number.is_(None),
                Alert.suppressed_by.is_(None),
                Alert.status == AlertStatus.FIRING,
                Alert.service_slug.is_not(None),
                Alert.first_received_at >= intake.now - intake.window,
            )
            .order_by(Alert.first_received_at, Alert.id)
        )
    )
    if len(pending) >= intake.settings.alerts_to_open:
        _open(intake, row, pending)


def _open(intake: Intake, row: Alert, pending: Sequence[Alert]) -> None:
    first, settings = pending[0], intake.settings
    links = [Link(**link) for link in first.links]
    services = list(dict.fromkeys(p.service_slug for p in pending if p.service_slug))
    detected = min(p.first_received_at for p in pending)
    started = min((p.starts_at for p in pending if p.starts_at), default=None)
    data = incident_schemas.IncidentCreate(
        title=domain.incident_title(first.summary, first.fingerprint),
        description=domain.incident_description(first.summary, first.annotations, links),
        services=services,
        impact=domain.impact_for_tier(catalog.get_service(intake.session, services[0]).tier),
        urgency=min(_urgency(intake, p) for p in pending),
        detected_at=detected,
        impact_started_at=min(started, detected) if started else None,
    )
    explanation = domain.explain_open(
        [p.summary or p.fingerprint for p in pending],
        integration=intake.integration.slug,
        group=row.group_key,
        threshold=settings.alerts_to_open,
        window=settings.grouping_window_minutes,
    )
    incident = incidents.declare_detected(
        intake.session,
        actor=intake.actor,
        data=data,
        source=f"integration:{intake.integration.slug}",
        explanation=explanation,
    )
    intake.incidents[incident.number] = incident
    intake.causes_before.setdefault(incident.number, None)
    for alert in pending:
        alert.incident_number = incident.number
    intake.groups[row.group_key] = incident
    intake.alerting[incident.number] = set(services)
    row.opened_incident = True
    _note_incident(intake, incident.key)


def _urgency(intake: Intake, row: Alert) -> int:
    """The incident urgency the alert's severity calls for, by the integration's mapping."""
    levels = {severity.value: level for severity, level in intake.settings.urgency.items()}
    return domain.urgency_for(Severity(row.severity), levels)


def _join(intake: Intake, row: Alert, incident: Any, reason: str) -> None:
    # Only a service new to the incident's alerts can move its probable cause.
    if row.service_slug and not _alerting(intake, incident.number, row.service_slug):
        if incident.number not in intake.causes_before:
            services = set(_services(intake, incident.number))
            intake.causes_before[incident.number] = _cause(intake, services)
        intake.alerting[incident.number].add(row.service_slug)
    row.incident_number = incident.number
    intake.groups[row.group_key] = incident
    if row.service_slug and row.service_slug not in incident.service_slugs:
        incidents.add_services(
            intake.session, actor=intake.actor, key=incident.key, services=[row.service_slug]
        )
    _escalate(intake, row, incident)
    intake.joins.setdefault((incident.key, reason), []).append(row.summary or row.fingerprint)
    _note_incident(intake, incident.key)


def _escalate(intake: Intake, row: Alert, incident: Any) -> None:
    """A more severe alert joining makes the incident more urgent."""
    urgency = _urgency(intake, row)
    if urgency < incident.urgency:
        incidents.raise_urgency(
            intake.session,
            actor=intake.actor,
            key=incident.key,
            urgency=urgency,
            reason=f"a {row.severity} alert joined ({row.summary or row.fingerprint})",
        )


def _note_incident(intake: Intake, key: str) -> None:
    if key not in intake.result.incidents:
        intake.result.incidents.append(key)


def _services(intake: Intake, number: int) -> list[str]:
    return list(
        intake.session.scalars(
            select(Alert.service_slug)
            .where(
                Alert.incident_number.in_(incidents.merged_numbers(intake.session, number)),
                Alert.service_slug.is_not(None),
            )
            .distinct()
            .order_by(Alert.service_slug)
        )
    )


def _alerting(intake: Intake, number: int, service: str) -> bool:
    """Whether the service has alerts on the incident, asked once a batch and kept current:
    one indexed look-up rather than listing the services of an incident's every alert."""
    known = intake.alerting.setdefault(number, set())
    if service not in known and _has_alerts(intake, number, service):
        known.add(service)
    return service in known


def _has_alerts(intake: Intake, number: int, service: str) -> bool:
    found = intake.session.scalar(
        select(Alert.id)
        .where(
            Alert.incident_number.in_(incidents.merged_numbers(intake.session, number)),
            Alert.service_slug == service,
        )
        .limit(1)
    )
    return found is not None


def _cause(intake: Intake, services: set[str]) -> str | None:
    ordered = sorted(services)
    return domain.probable_cause(ordered, domain.upstream_map(intake.graph(), ordered))


def explain(intake: Intake) -> None:
    """Write the batch's decisions on each incident: who joined and why, and the probable
    cause when the alerting services moved it."""
    for (key, reason), names in intake.joins.items():
        incidents.add_alert_event(
            intake.session, actor=intake.actor, key=key, text=domain.explain_join(names, reason)
        )
    for number, before in intake.causes_before.items():
        services = _services(intake, number)
        if len(services) < 2:  # one alerting service is its own cause: nothing to explain
            continue
        upstream_of = domain.upstream_map(intake.graph(), services)
        cause = domain.probable_cause(services, upstream_of)
        if cause is not None and cause != before:
            text = domain.explain_cause(cause, services, upstream_of)
            incidents.add_alert_event(
                intake.session, actor=intake.actor, key=f"INC-{number}", text=text
            )


def after_resolve(intake: Intake, row: Alert) -> None:
    """Resolve the incident once every one of its alerts has resolved (when auto-resolve is on)."""
    if row.incident_number is None or not intake.settings.auto_resolve:
        return
    incident = intake.incident(row.incident_number)
    numbers = incidents.merged_numbers(intake.session, incident.number)
    counts = dict(
        intake.session.execute(
            select(Alert.status, func.count())
            .where(Alert.incident_number.in_(numbers))
            .group_by(Alert.status)
        ).all()
    )
    if counts.get(AlertStatus.FIRING, 0) or incident.status not in OPEN:
        return
    note = f"resolved automatically: {domain.explain_resolve(sum(counts.values()))}"
    incidents.transition(
        intake.session,
        actor=intake.actor,
        key=incident.key,
        move=Transition.RESOLVE,
        data=incident_schemas.TransitionIn(note=note),
    )

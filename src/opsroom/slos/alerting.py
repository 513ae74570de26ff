"""Burn-rate alerts: every few minutes a durable timer per SLO evaluates the multi-window
conditions and raises an alert for each one firing into opsroom's own alert pipeline (so
dedup, grouping, silences and escalation apply), and resolves it once it stops firing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from opsroom.alerts import service as alerts
from opsroom.alerts.domain import Severity as AlertSeverity
from opsroom.auth.domain import Principal, Role
from opsroom.infra.errors import NotFound
from opsroom.jobs.domain import Due
from opsroom.slos import domain, prometheus
from opsroom.slos.domain import BurnCondition, Severity
from opsroom.slos.models import Slo
from opsroom.slos.service import ALERTS_INTEGRATION, Standing, get, services_of, standing, watch

EVALUATOR = Principal(name="opsroom-slos", role=Role.OPERATIONS_MANAGER, via="worker")
ALERT_NAME = "SloBurnRate"
SEVERITY = {Severity.PAGE: AlertSeverity.CRITICAL, Severity.TICKET: AlertSeverity.WARNING}


def fingerprint(slo: Slo, condition: BurnCondition) -> str:
    return f"{slo.key}:{condition.name}"


def _event(s: Standing, service: str, condition: BurnCondition, firing: bool) -> dict[str, Any]:
    slo = s.slo
    rate = s.rates[condition.long]
    return {
        "status": "firing" if firing else "resolved",
        "fingerprint": fingerprint(slo, condition),
        "summary": f"{slo.key} {slo.name}: error budget burning {rate:.1f}x "
        f"({condition.name}), {s.budget.shown:.0%} left",
        "severity": SEVERITY[condition.severity],
        "service": service,
        "source": "opsroom SLOs",
        "labels": {"alertname": ALERT_NAME, "slo": slo.key, "condition": condition.name},
        "links": [{"href": f"/slos/{slo.key}", "text": f"{slo.key} {slo.name}"}],
    }


def _gone(s: Standing, service: str, name: str) -> dict[str, Any]:
    """Resolves the alert of a condition the burn-rate table no longer has."""
    slo = s.slo
    return {
        "status": "resolved",
        "fingerprint": f"{slo.key}:{name}",
        "summary": f"{slo.key} {slo.name}: {name} is no longer in the burn-rate table",
        "severity": AlertSeverity.WARNING,
        "service": service,
        "source": "opsroom SLOs",
        "labels": {"alertname": ALERT_NAME, "slo": slo.key, "condition": name},
    }


def firing_now(s: Standing) -> list[BurnCondition]:
    return [c for c in s.conditions if domain.firing(c, s.rates[c.long], s.rates[c.short])]


def evaluate(session: Session, timer: Due) -> None:
    """Raise an alert per condition firing now, resolve those that fired last time and no
    longer do, and come back in a few minutes."""
    try:
        slo = get(session, actor=EVALUATOR, key=timer.subject)
    except NotFound:
        return  # the SLO is gone: nothing more to watch
    was = set(timer.payload.get("firing", []))
    try:
        now = standing(session, slo)
    except prometheus.Unanswered:
        watch(session, slo, firing=sorted(was))  # try again next round; alerts stay as they are
        return
    firing = firing_now(now)
    stopped = [c for c in now.conditions if c.name in was and c not in firing]
    service = services_of(session, slo)[0]
    sent = [_event(now, service, c, True) for c in firing]
    sent += [_event(now, service, c, False) for c in stopped]
    sent += [_gone(now, service, n) for n in sorted(was - {c.name for c in now.conditions})]
    if sent:
        integration = alerts.own_integration(
            session, actor=EVALUATOR, slug=ALERTS_INTEGRATION, name="SLO burn-rate alerts"
        )
        alerts.ingest_events(session, integration=integration, events_sent=sent)
    watch(session, slo, firing=[c.name for c in firing])

"""/metrics: opsroom's own health in the Prometheus exposition format, for the platform's
Grafana. Scraping needs an API token with the read scope (Prometheus sends it as
`authorization: {type: Bearer, credentials_file: ...}`), like every other read."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session
from starlette.responses import Response

from opsroom.alerts import service as alerts_service
from opsroom.auth.deps import Actor, DbSession
from opsroom.auth.domain import Principal
from opsroom.jobs import service as jobs_service
from opsroom.kpis import service as kpis_service
from opsroom.notify import service as notify_service
from opsroom.notify.domain import Delivery

router = APIRouter(include_in_schema=False)


class Figures(Collector):
    """Reads the figures from the database at scrape time (every process answers the same)."""

    def __init__(self, session: Session, actor: Principal) -> None:
        self.session, self.actor = session, actor

    def collect(self) -> Iterator[Metric]:
        open_now = GaugeMetricFamily(
            "opsroom_open_incidents", "Incidents open now", labels=["priority"]
        )
        for priority, count in kpis_service.open_incidents(self.session, actor=self.actor).items():
            open_now.add_metric([priority], count)
        yield open_now
        yield CounterMetricFamily(
            "opsroom_alerts_ingested",
            "Alert notifications received, repeats included",
            value=alerts_service.alerts_received(self.session),
        )
        yield from self._notifications()
        yield from self._backlogs()

    def _notifications(self) -> Iterator[Metric]:
        counts = notify_service.delivery_counts(self.session)
        notifications = CounterMetricFamily(
            "opsroom_notifications",
            "Notifications handed to their channel or given up on, by outcome",
            labels=["outcome"],
        )
        for outcome in (Delivery.SENT, Delivery.FAILED):
            notifications.add_metric([outcome.value], counts.get(outcome, 0))
        yield notifications
        yield GaugeMetricFamily(
            "opsroom_notifications_waiting",
            "Notifications waiting to be sent (or retried)",
            value=counts.get(Delivery.PENDING, 0),
        )

    def _backlogs(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "opsroom_worker_lag_seconds",
            "How late the oldest due timer is",
            value=jobs_service.lag_seconds(self.session),
        )
        yield GaugeMetricFamily(
            "opsroom_alert_intake_waiting",
            "Ingest requests accepted and not processed yet",
            value=alerts_service.intake_waiting(self.session),
        )
        yield GaugeMetricFamily(
            "opsroom_alert_intake_lag_seconds",
            "How long the oldest unprocessed ingest request has waited",
            value=alerts_service.intake_lag_seconds(self.session),
        )


@router.get("/metrics")
def metrics(session: DbSession, actor: Actor) -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Figures(session, actor))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

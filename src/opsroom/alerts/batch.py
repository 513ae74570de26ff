"""What handling one batch of alerts needs, loaded once and shared by processing and
correlation: the integration, who acts for it, the silences in force, and what correlation
learns along the way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from opsroom.alerts import schemas
from opsroom.alerts.domain import Suppressor
from opsroom.alerts.models import Alert, Integration
from opsroom.auth.domain import Principal
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.infra.errors import NotFound


@dataclass
class Intake:
    """What handling one batch needs, loaded once: the integration, who acts for it, the
    silences in force, and what correlation learns along the way."""

    session: Session
    integration: Integration
    settings: schemas.IntegrationSettings
    actor: Principal
    now: datetime
    suppressors: list[Suppressor]
    result: schemas.IngestResult = field(default_factory=schemas.IngestResult)
    joins: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    causes_before: dict[int, str | None] = field(default_factory=dict)
    incidents: dict[int, Any] = field(default_factory=dict)
    services: dict[str, str | None] = field(default_factory=dict)
    # The batch's alerts still firing, by fingerprint: loaded in one query, kept current.
    open_rows: dict[str, Alert] = field(default_factory=dict)
    # New firing alerts not yet inserted and handed to correlation.
    unplaced: list[Alert] = field(default_factory=list)
    # Where each group's alerts went in this batch, and services known to alert on each incident.
    groups: dict[str, Any] = field(default_factory=dict)
    alerting: dict[int, set[str]] = field(default_factory=dict)
    _graph: Any = None

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.settings.grouping_window_minutes)

    def graph(self) -> Any:
        if self._graph is None:
            self._graph = catalog.graph(self.session)
        return self._graph

    def service(self, name: str | None) -> str | None:
        """The catalog slug for a service name, looked up once per batch."""
        if name is None:
            return None
        if name not in self.services:
            self.services[name] = known_service(self.session, name)
        return self.services[name]

    def incident(self, number: int) -> Any:
        """The incident an alert points at, or the one it was merged into as a duplicate."""
        if number not in self.incidents:
            found = incidents.get(self.session, actor=self.actor, key=f"INC-{number}")
            self.incidents[number] = incidents.primary(
                self.session, actor=self.actor, incident=found
            )
        return self.incidents[number]


def known_service(session: Session, name: object) -> str | None:
    """The catalog slug when `name` is a service opsroom knows, else None."""
    if not isinstance(name, str) or not name:
        return None
    try:
        return catalog.get_service(session, name).slug
    except NotFound:
        return None

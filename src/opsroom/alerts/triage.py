"""People handling alerts by hand, one or many at once: acknowledge, resolve, silence. An
alert in an incident notes it on the incident's timeline; the incident's own lifecycle stays
with the people working it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsroom.alerts import schemas
from opsroom.alerts.domain import AlertStatus
from opsroom.alerts.models import Alert
from opsroom.alerts.silences import create_silence
from opsroom.audit import service as audit
from opsroom.auth.domain import Action, Principal, require
from opsroom.catalog import service as catalog
from opsroom.incidents import service as incidents
from opsroom.infra import clock
from opsroom.infra.errors import ValidationFailed


def _chosen(session: Session, ids: Sequence[int]) -> list[Alert]:
    found = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_(ids)))}
    missing = [str(n) for n in ids if n not in found]
    if missing:
        raise ValidationFailed(
            f"no alert {', '.join(missing)}", fields={"alerts": f"unknown: {', '.join(missing)}"}
        )
    return [found[n] for n in dict.fromkeys(ids)]


def _may_triage(session: Session, actor: Principal, chosen: Sequence[Alert]) -> None:
    """Responders work any alert; an operations manager those of their own platforms (the
    platforms of the alerts' services)."""
    services = [a.service_slug for a in chosen if a.service_slug]
    require(
        actor, Action.WORK_INCIDENTS, platforms=catalog.platforms_of(session, services=services)
    )


def _handle(
    session: Session,
    actor: Principal,
    ids: Sequence[int],
    verb: str,
    change: Callable[[Alert], bool],
) -> schemas.TriageResult:
    """Apply `change` to each chosen alert (False: it was already so); audit and note each."""
    require(actor, Action.WORK_INCIDENTS)
    chosen = _chosen(session, ids)
    _may_triage(session, actor, chosen)
    changed, unchanged = [], []
    for alert in chosen:
        if not change(alert):
            unchanged.append(alert.id)
            continue
        changed.append(alert.id)
        audit.record(
            session,
            actor=str(actor),
            action=f"alert.{verb}",
            subject_type="alert",
            subject_key=str(alert.id),
            after={"fingerprint": alert.fingerprint},
        )
        if alert.incident_key:
            text = f"Alert “{alert.summary or alert.fingerprint}” was {verb} by {actor}"
            incidents.add_alert_event(session, actor=actor, key=alert.incident_key, text=text)
    return schemas.TriageResult(changed=changed, unchanged=unchanged)


def _acknowledge(alert: Alert) -> bool:
    if alert.acknowledged_at is not None or alert.status != AlertStatus.FIRING:
        return False
    alert.acknowledged_at = clock.now()
    return True


def _resolve(alert: Alert) -> bool:
    if alert.status != AlertStatus.FIRING:
        return False
    alert.status, alert.open_key, alert.ends_at = AlertStatus.RESOLVED, None, clock.now()
    return True


def acknowledge(session: Session, *, actor: Principal, ids: Sequence[int]) -> schemas.TriageResult:
    """Someone is on it: the alerts keep firing until their source resolves them."""
    return _handle(session, actor, ids, "acknowledged", _acknowledge)


def resolve(session: Session, *, actor: Principal, ids: Sequence[int]) -> schemas.TriageResult:
    """Resolved by hand: a later firing notification from the source opens a new alert."""
    return _handle(session, actor, ids, "resolved", _resolve)


def _matchers(alert: Alert) -> list[str]:
    return [f'{name}="{value}"' for name, value in sorted(alert.labels.items())]


def silence(
    session: Session, *, actor: Principal, data: schemas.AlertsSilenced
) -> schemas.TriageResult:
    """One silence per distinct label set among the chosen alerts, each label matched exactly."""
    require(actor, Action.WORK_INCIDENTS)
    chosen = _chosen(session, data.alerts)
    _may_triage(session, actor, chosen)
    bare = [str(a.id) for a in chosen if not a.labels]
    if bare:
        raise ValidationFailed(
            f"alert {', '.join(bare)} has no labels to silence by",
            fields={"alerts": f"no labels: {', '.join(bare)}"},
        )
    label_sets = dict.fromkeys(tuple(_matchers(a)) for a in chosen)
    made = [
        create_silence(
            session,
            actor=actor,
            data=schemas.SilenceCreate(
                matchers=list(matchers), ends_at=data.ends_at, comment=data.comment
            ),
        ).id
        for matchers in label_sets
    ]
    return schemas.TriageResult(changed=[a.id for a in chosen], unchanged=[], silences=made)

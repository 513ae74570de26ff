"""A schedule's layers one at a time: add one on top, change one, take one out. Layers are
addressed by rank (0 is the lowest; higher ones win), so each change needs the schedule's
version: a rank read from a stale copy may name another layer by now."""

from __future__ import annotations

from sqlalchemy.orm import Session

from opsroom.auth.domain import Principal
from opsroom.infra.errors import NotFound, ValidationFailed
from opsroom.oncall import schemas
from opsroom.oncall.models import OnCallLayer, OnCallSchedule
from opsroom.oncall.schedules import edit_schedule, new_layer

MOST_LAYERS = 20


def add_layer(
    session: Session, *, actor: Principal, slug: str, data: schemas.LayerAdd
) -> OnCallSchedule:
    def change(schedule: OnCallSchedule) -> None:
        if len(schedule.layers) >= MOST_LAYERS:
            raise ValidationFailed(
                f"a schedule has at most {MOST_LAYERS} layers", fields={"layers": "too many"}
            )
        schedule.layers.append(new_layer(data, len(schedule.layers)))

    return edit_schedule(session, actor, slug, data.version, "schedule.layer_added", change)


def update_layer(
    session: Session, *, actor: Principal, slug: str, rank: int, data: schemas.LayerUpdate
) -> OnCallSchedule:
    """Change the fields given of one layer; the others (and those given as null) keep
    their values."""

    def change(schedule: OnCallSchedule) -> None:
        current = schemas.LayerRead.model_validate(_layer(schedule, rank)).model_dump()
        given = {k: v for k, v in data.model_dump(exclude={"version"}).items() if v is not None}
        merged = schemas.LayerIn.model_validate(
            {k: v for k, v in {**current, **given}.items() if k != "rank"}
        )
        schedule.layers[rank] = new_layer(merged, rank)

    return edit_schedule(session, actor, slug, data.version, "schedule.layer_updated", change)


def remove_layer(
    session: Session, *, actor: Principal, slug: str, rank: int, version: int
) -> OnCallSchedule:
    """Take one layer out; the ones above move down a rank."""

    def change(schedule: OnCallSchedule) -> None:
        schedule.layers.remove(_layer(schedule, rank))
        for n, layer in enumerate(schedule.layers):
            layer.rank = n

    return edit_schedule(session, actor, slug, version, "schedule.layer_removed", change)


def _layer(schedule: OnCallSchedule, rank: int) -> OnCallLayer:
    if not 0 <= rank < len(schedule.layers):
        raise NotFound(f"schedule '{schedule.slug}' has no layer {rank}")
    return schedule.layers[rank]

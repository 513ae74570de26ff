"""incident durations: the seconds to detect, acknowledge, mitigate and resolve, stored

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-23 23:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opsroom.infra.sqltime import seconds_between

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DURATIONS = {
    "seconds_to_detect": ("impact_started_at", "detected_at"),
    "seconds_to_acknowledge": ("detected_at", "acknowledged_at"),
    "seconds_to_mitigate": ("detected_at", "mitigated_at"),
    "seconds_to_resolve": ("detected_at", "resolved_at"),
    "seconds_impact_to_resolve": ("impact_started_at", "resolved_at"),
}
PERIOD_COLUMNS = [
    "detected_at",
    "status",
    "priority",
    "major",
    "platform_slug",
    "impact_started_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "id",
]


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_period")
        for name in DURATIONS:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
    # existing incidents get their durations from the database's own date arithmetic (to the
    # millisecond on SQLite); the index is built once they are filled in
    times = sa.table("incidents", *(sa.column(n) for n in {*PERIOD_COLUMNS, *DURATIONS}))
    op.execute(
        times.update().values(
            {name: seconds_between(times.c[a], times.c[b]) for name, (a, b) in DURATIONS.items()}
        )
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_period", [*PERIOD_COLUMNS, *DURATIONS], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_period")
        for name in reversed(DURATIONS):
            batch_op.drop_column(name)
        batch_op.create_index("ix_incidents_period", PERIOD_COLUMNS, unique=False)

"""KPI indexes: the period scans read incidents from one covering index

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23 19:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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
        batch_op.drop_index(batch_op.f("ix_incidents_detected_at"))
        batch_op.create_index("ix_incidents_period", PERIOD_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_period")
        batch_op.create_index(batch_op.f("ix_incidents_detected_at"), ["detected_at"], unique=False)

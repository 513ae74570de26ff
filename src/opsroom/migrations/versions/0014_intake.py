"""the alert intake: accepted ingest requests waiting for the worker

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import opsroom.infra.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_intake",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("received_at", opsroom.infra.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("alerts", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["integration_id"],
            ["integrations.id"],
            name=op.f("fk_alert_intake_integration_id_integrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_intake")),
    )
    with op.batch_alter_table("alert_intake", schema=None) as batch_op:
        batch_op.create_index("ix_alert_intake_integration", ["integration_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_intake", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_intake_integration")
    op.drop_table("alert_intake")

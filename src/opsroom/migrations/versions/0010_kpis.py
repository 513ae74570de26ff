"""incidents imported from other tools: external reference and reassignment count

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-23 16:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reassignment_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("external_ref", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_incidents_external_ref"), ["external_ref"])


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_incidents_external_ref"), type_="unique")
        batch_op.drop_column("external_ref")
        batch_op.drop_column("reassignment_count")

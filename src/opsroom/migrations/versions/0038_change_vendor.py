"""the vendor that makes a change

Revision ID: 0038
Revises: 0030
Create Date: 2026-12-07 16:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vendor", sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f("ix_changes_vendor"), ["vendor"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_vendor"))
        batch_op.drop_column("vendor")

"""An SLO's OpenSLO name: what an OpenSLO document calls it, so applying the file again
updates the same SLO

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("openslo_name", sa.String(length=63), nullable=True))
        batch_op.create_unique_constraint("uq_slos_openslo_name", ["openslo_name"])


def downgrade() -> None:
    with op.batch_alter_table("slos", schema=None) as batch_op:
        batch_op.drop_constraint("uq_slos_openslo_name", type_="unique")
        batch_op.drop_column("openslo_name")

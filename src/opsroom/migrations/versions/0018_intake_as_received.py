"""alert intake: requests kept as received, their alerts parsed when drained

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_intake", schema=None) as batch_op:
        batch_op.alter_column("alerts", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    waiting = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM alert_intake WHERE alerts IS NULL")
    )
    if waiting:
        raise RuntimeError(
            f"{waiting} ingest requests wait to be parsed: let `opsroom worker` drain the "
            "intake before downgrading"
        )
    with op.batch_alter_table("alert_intake", schema=None) as batch_op:
        batch_op.alter_column("alerts", existing_type=sa.Text(), nullable=False)
